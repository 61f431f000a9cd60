// Package testfile does to files what the fault tests of numsync need and
// plain os calls cannot do for every user. Only tests import it.
package testfile

import (
	"os"
	"os/exec"
	"testing"
)

// ReadOnly makes path unwritable for this process until the test ends.
// Permissions do not stop root, so as root the file is made immutable
// (chattr +i) instead; where that is not possible the test fails saying
// how to run it.
func ReadOnly(t testing.TB, path string) {
	t.Helper()
	if os.Getuid() != 0 {
		if err := os.Chmod(path, 0o444); err != nil {
			t.Fatal(err)
		}
		return
	}
	if out, err := exec.Command("chattr", "+i", path).CombinedOutput(); err != nil {
		t.Fatalf("running as root, the test makes %s immutable with chattr +i, which failed: %v %s; "+
			"run the tests as another user, or on a file system that supports chattr (ext4, xfs)", path, err, out)
	}
	t.Cleanup(func() { _ = exec.Command("chattr", "-i", path).Run() })
}
