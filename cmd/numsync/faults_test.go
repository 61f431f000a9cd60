package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/numsync/numsync/internal/testfile"
	"github.com/numsync/numsync/store"
)

// The hostile cases of issue 14 that need a real numsync process: signals,
// a lock left by a dead process, a read-only store.

// startNumsync starts numsync in dir with its output in a buffer the test
// can read while it runs.
func startNumsync(t *testing.T, dir string, args ...string) (*exec.Cmd, *lockedBuffer) {
	t.Helper()
	cmd := numsyncCmd(t, dir, args...)
	out := &lockedBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	return cmd, out
}

// awaitOutput waits until the process has written want (an event, not a
// time: the deadline only bounds a failing test).
func awaitOutput(t *testing.T, cmd *exec.Cmd, out *lockedBuffer, want string) {
	t.Helper()
	for deadline := time.Now().Add(2 * time.Minute); !strings.Contains(out.String(), want); {
		if time.Now().After(deadline) {
			t.Fatalf("%v never wrote %q:\n%s", cmd.Args[1:], want, tail(out.String(), 3000))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// waitExit waits for cmd to end and returns its exit code.
func waitExit(t *testing.T, cmd *exec.Cmd, out *lockedBuffer) int {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return ee.ExitCode()
		}
		if err != nil {
			t.Fatal(err)
		}
		return 0
	case <-time.After(2 * time.Minute):
		t.Fatalf("%v did not end within 2 minutes of the signal:\n%s", cmd.Args[1:], tail(out.String(), 3000))
	}
	return -1
}

func openStore(t *testing.T, dir string) *store.Store {
	t.Helper()
	st, err := store.OpenExisting(context.Background(), filepath.Join(dir, "numsync.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// An apply waiting for the lock stops at the first signal, says it was
// interrupted, and leaves the store and the other holder's lock alone.
func TestWaitingApplyStopsOnFirstSignal(t *testing.T) {
	if testing.Short() {
		t.Skip("starts numsync processes")
	}
	dir := t.TempDir()
	cfg := generate(t, dir, 200, "")
	run(t, numsyncCmd(t, dir, "--config", cfg, "run", "--dry-run"), 3)
	run(t, numsyncCmd(t, dir, "--config", cfg, "plan", "--out", "plan.json"), 3)
	ctx := context.Background()
	st := openStore(t, dir)
	rev, _ := st.Revision(ctx)
	lock, err := st.Lock(ctx, "nightly run (pid 4242 on ops-host)", time.Minute)
	if err != nil {
		t.Fatal(err)
	}

	cmd, out := startNumsync(t, dir, "--config", cfg, "apply", "--wait", "plan.json")
	awaitOutput(t, cmd, out, `"msg":"waiting for the store lock"`)
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	if code := waitExit(t, cmd, out); code != ExitLocked {
		t.Errorf("apply --wait interrupted: exit %d, want %d\n%s", code, ExitLocked, out)
	}
	msg := out.String()
	if !strings.Contains(msg, "gave up waiting for the lock (interrupted)") || strings.Contains(msg, "context canceled") ||
		strings.Contains(msg, "pass --wait") {
		t.Errorf("the interrupted wait should say so, in words, and not offer --wait again:\n%s", msg)
	}
	if r, _ := st.Revision(ctx); r != rev {
		t.Errorf("revision %d -> %d", rev, r)
	}
	if err := lock.Renew(ctx); err != nil {
		t.Errorf("the other holder lost its lock: %v", err)
	}
}

// A third signal ends numsync at once, but not before it released the
// store lock, and not silently. The run is held where no context reaches
// it, in reading an inventory export that is a named pipe nobody writes
// to, as a file on a hung network file system would hold it.
func TestThirdSignalReleasesTheLock(t *testing.T) {
	if testing.Short() {
		t.Skip("starts numsync processes")
	}
	dir := t.TempDir()
	cfg := generate(t, dir, 200, "")
	pipe := filepath.Join(dir, "inventory.csv")
	if err := os.Remove(pipe); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(pipe, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd, out := startNumsync(t, dir, "--config", cfg, "run")
	// The pipe opens for writing once numsync opened it for reading.
	var w *os.File
	for deadline := time.Now().Add(2 * time.Minute); w == nil; {
		f, err := os.OpenFile(pipe, os.O_WRONLY|syscall.O_NONBLOCK, 0)
		switch {
		case err == nil:
			w = f
		case !errors.Is(err, syscall.ENXIO) || time.Now().After(deadline):
			t.Fatalf("numsync never read the export: %v\n%s", err, tail(out.String(), 3000))
		default:
			time.Sleep(10 * time.Millisecond)
		}
	}
	defer w.Close()
	// One signal at a time, each once numsync said it got the one before:
	// signals sent at once may arrive as one.
	for _, said := range []string{"numsync: interrupted: stopping", "numsync: interrupted again", ""} {
		if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		awaitOutput(t, cmd, out, said)
	}
	if code := waitExit(t, cmd, out); code != ExitFailed {
		t.Errorf("exit %d after three signals, want %d\n%s", code, ExitFailed, tail(out.String(), 3000))
	}
	if !strings.Contains(out.String(), "numsync: interrupted a third time") {
		t.Errorf("numsync ended without a word:\n%s", tail(out.String(), 3000))
	}
	ctx := context.Background()
	lock, err := openStore(t, dir).Lock(ctx, "test", time.Minute)
	if err != nil {
		t.Fatalf("the lock outlived the interrupted run: %v", err)
	}
	_ = lock.Release(ctx)
}

// The first signal lets an import's started transaction commit, as the
// README promises: the file is loaded whole.
func TestImportCommitsAfterFirstSignal(t *testing.T) {
	if testing.Short() {
		t.Skip("starts numsync processes")
	}
	dir := t.TempDir()
	cfg := generate(t, dir, 20000, "log: {level: debug}\n")
	run(t, numsyncCmd(t, dir, "--config", cfg, "users", "import", "users.csv"), 0)
	ctx := context.Background()
	st := openStore(t, dir)
	rev, _ := st.Revision(ctx)

	cmd, out := startNumsync(t, dir, "--config", cfg, "inventory", "import", "inventory.csv")
	awaitOutput(t, cmd, out, `"msg":"loading into the store"`)
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	if code := waitExit(t, cmd, out); code != 0 && code != ExitRejected {
		t.Fatalf("import after one signal: exit %d, want it loaded\n%s", code, tail(out.String(), 3000))
	}
	if r, _ := st.Revision(ctx); r != rev+1 {
		t.Errorf("revision %d -> %d, want the import committed", rev, r)
	}
	if d, _ := st.SourceDigest(ctx, "inventory"); d == "" {
		t.Error("the import committed without the record of its file")
	}
}

// A lock left by a process of this host that died says so, and offers
// --wait; the apply that finds it locked fails before it reads the tenant
// (no reports: they need it).
func TestLockOfADeadProcess(t *testing.T) {
	if testing.Short() {
		t.Skip("starts numsync processes")
	}
	dir := t.TempDir()
	cfg := generate(t, dir, 200, "")
	run(t, numsyncCmd(t, dir, "--config", cfg, "run", "--dry-run"), 3)
	run(t, numsyncCmd(t, dir, "--config", cfg, "plan", "--out", "plan.json"), 3)
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Fatal(err)
	}
	host, _ := os.Hostname()
	holder := "admin@contoso.com (pid " + strconv.Itoa(dead.Process.Pid) + " on " + host + ")"
	if _, err := openStore(t, dir).Lock(context.Background(), holder, time.Minute); err != nil {
		t.Fatal(err)
	}
	reports, _ := filepath.Glob(filepath.Join(dir, "reports", "*"))
	out := run(t, numsyncCmd(t, dir, "--config", cfg, "apply", "plan.json"), ExitLocked)
	if !strings.Contains(out, "its process (pid "+strconv.Itoa(dead.Process.Pid)+") no longer runs on this host") ||
		!strings.Contains(out, "hint: run this again after the lock expires (store.lock_ttl), or pass --wait") {
		t.Errorf("the lock of a dead process should be named as such:\n%s", out)
	}
	if after, _ := filepath.Glob(filepath.Join(dir, "reports", "*")); len(after) != len(reports) {
		t.Errorf("the locked apply wrote reports (%d -> %d directories): it read the tenant before the lock", len(reports), len(after))
	}
}

// A store file numsync may not write serves the read commands; a write
// says the store is read-only.
func TestReadOnlyStore(t *testing.T) {
	if testing.Short() {
		t.Skip("starts numsync processes")
	}
	dir := t.TempDir()
	cfg := generate(t, dir, 200, "")
	run(t, numsyncCmd(t, dir, "--config", cfg, "run"), 3)
	testfile.ReadOnly(t, filepath.Join(dir, "numsync.db"))
	if out := run(t, numsyncCmd(t, dir, "--config", cfg, "status"), 0); !strings.Contains(out, "numbers:") {
		t.Errorf("status on a read-only store:\n%s", out)
	}
	run(t, numsyncCmd(t, dir, "--config", cfg, "runs"), 0)
	run(t, numsyncCmd(t, dir, "--config", cfg, "plan"), ExitRejected)
	out := run(t, numsyncCmd(t, dir, "--config", cfg, "roles", "grant", "ann@contoso.com", "TeamsAdministrator"), ExitFailed)
	if !strings.Contains(out, "numsync.db is read-only, so nothing was changed") || !strings.Contains(out, "hint: reading commands (status, plan, runs) work") {
		t.Errorf("a write to a read-only store should say why it fails:\n%s", out)
	}
}

// lockedBuffer is a bytes.Buffer a test can read while a process writes
// to it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
