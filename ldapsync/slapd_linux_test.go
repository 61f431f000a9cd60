package ldapsync_test

import (
	"os/exec"
	"syscall"
)

// dieWithTest makes the kernel kill slapd when the test binary dies, so a
// panicking test leaves no server behind.
func dieWithTest(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
