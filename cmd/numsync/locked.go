package main

import (
	"errors"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"syscall"
	"time"

	"github.com/numsync/numsync"
)

// lockHolder names this process in the store lock, for whoever finds the
// store locked: who, which process, which host.
func lockHolder(actor string) string {
	host, _ := os.Hostname()
	return fmt.Sprintf("%s (pid %d on %s)", actor, os.Getpid(), host)
}

// holderProcess reads back the process and host [lockHolder] wrote.
var holderProcess = regexp.MustCompile(`\(pid (\d+) on ([^)]*)\)$`)

// holderGone returns the pid of the holder's process when that process
// ran on this host and runs no more: its lock is left over from a crash.
func holderGone(holder string) (int, bool) {
	m := holderProcess.FindStringSubmatch(holder)
	if m == nil {
		return 0, false
	}
	pid, err := strconv.Atoi(m[1])
	if host, _ := os.Hostname(); err != nil || pid <= 0 || m[2] != host {
		return 0, false
	}
	return pid, errors.Is(syscall.Kill(pid, 0), syscall.ESRCH)
}

// lockedError words a lock someone else holds for the operator: whether
// the holder's process is gone, and what to do (--wait only to whom did
// not use it).
func lockedError(err error, le *numsync.LockedError, waited bool) error {
	hint := "wait for the other run to finish, or pass --wait"
	if waited {
		hint = "the other run still holds the lock; run this again once it has finished"
	}
	if pid, gone := holderGone(le.Holder); gone {
		err = fmt.Errorf("%w; its process (pid %d) no longer runs on this host, so the lock is left from a run that died and expires at %s",
			err, pid, le.Expires.UTC().Format(time.RFC3339))
		hint = "run this again after the lock expires (store.lock_ttl)"
		if !waited {
			hint += ", or pass --wait to go on as soon as it has"
		}
	}
	return withCode(ExitLocked, err, hint)
}
