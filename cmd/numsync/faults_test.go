package main

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/numsync/numsync/internal/testfile"
	"github.com/numsync/numsync/store"
)

// The hostile cases of issue 14 that need a real numsync process: signals,
// a lock left by a dead process, a read-only store.

// startNumsync starts numsync in dir; its stderr comes line by line.
func startNumsync(t *testing.T, dir string, args ...string) (*exec.Cmd, <-chan string) {
	t.Helper()
	cmd := numsyncCmd(t, dir, args...)
	lines := stderrLines(t, cmd)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	return cmd, lines
}

// finish reads the rest of cmd's stderr, waits for it to end and returns
// its exit code and what stderr said since the last line waited for.
func finish(t *testing.T, cmd *exec.Cmd, lines <-chan string) (int, string) {
	t.Helper()
	var rest []string
	for l := range lines {
		rest = append(rest, l)
	}
	return exitCode(t, cmd.Wait()), strings.Join(rest, "\n")
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
	cfg := generate(t, dir, 200, sqliteStore, "")
	run(t, numsyncCmd(t, dir, "--config", cfg, "run", "--dry-run"), 3)
	run(t, numsyncCmd(t, dir, "--config", cfg, "plan", "--out", "plan.json"), 3)
	ctx := context.Background()
	st := openStore(t, dir)
	rev, _ := st.Revision(ctx)
	lock, err := st.Lock(ctx, "nightly run (pid 4242 on ops-host)", time.Minute)
	if err != nil {
		t.Fatal(err)
	}

	cmd, lines := startNumsync(t, dir, "--config", cfg, "apply", "--wait", "plan.json")
	waitLine(t, lines, `"msg":"waiting for the store lock"`)
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	code, msg := finish(t, cmd, lines)
	if code != ExitLocked {
		t.Errorf("apply --wait interrupted: exit %d, want %d\n%s", code, ExitLocked, msg)
	}
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
	cfg := generate(t, dir, 200, sqliteStore, "")
	pipe := filepath.Join(dir, "inventory.csv")
	if err := os.Remove(pipe); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(pipe, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd, lines := startNumsync(t, dir, "--config", cfg, "run")
	// The pipe opens for writing once numsync opened it for reading.
	var w *os.File
	for deadline := time.Now().Add(2 * time.Minute); w == nil; {
		f, err := os.OpenFile(pipe, os.O_WRONLY|syscall.O_NONBLOCK, 0)
		switch {
		case err == nil:
			w = f
		case !errors.Is(err, syscall.ENXIO) || time.Now().After(deadline):
			t.Fatalf("numsync never read the export: %v", err)
		default:
			time.Sleep(10 * time.Millisecond)
		}
	}
	defer w.Close()
	// One signal at a time, each once numsync said it got the one before:
	// signals sent at once may arrive as one.
	for _, said := range []string{"numsync: interrupted: stopping", "numsync: interrupted again"} {
		if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		waitLine(t, lines, said)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	code, msg := finish(t, cmd, lines)
	if code != ExitFailed {
		t.Errorf("exit %d after three signals, want %d\n%s", code, ExitFailed, tail(msg, 3000))
	}
	if !strings.Contains(msg, "numsync: interrupted a third time") {
		t.Errorf("numsync ended without a word:\n%s", tail(msg, 3000))
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
	cfg := generate(t, dir, 20000, sqliteStore, "log: {level: debug}\n")
	run(t, numsyncCmd(t, dir, "--config", cfg, "users", "import", "users.csv"), 0)
	ctx := context.Background()
	st := openStore(t, dir)
	rev, _ := st.Revision(ctx)

	cmd, lines := startNumsync(t, dir, "--config", cfg, "inventory", "import", "inventory.csv")
	waitLine(t, lines, `"msg":"loading into the store"`)
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	if code, msg := finish(t, cmd, lines); code != 0 && code != ExitRejected {
		t.Fatalf("import after one signal: exit %d, want it loaded\n%s", code, tail(msg, 6000))
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
	cfg := generate(t, dir, 200, sqliteStore, "")
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
	cfg := generate(t, dir, 200, sqliteStore, "")
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
