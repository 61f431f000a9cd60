package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/numsync/numsync/store"
)

// numsyncCmd runs this test binary as numsync in dir.
func numsyncCmd(t *testing.T, dir string, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "NUMSYNC_TEST_MAIN=1")
	return cmd
}

// generate writes a synthetic tenant of n users into dir with numsync-gen,
// plus a config for it, and returns the config path.
func generate(t *testing.T, dir string, n int, extra string) string {
	t.Helper()
	if testing.Short() {
		t.Skip("runs numsync-gen and numsync processes; runs without -short (scripts/test)")
	}
	gen := exec.Command("go", "run", "../numsync-gen", "-users", strconv.Itoa(n), "-out", dir)
	if out, err := gen.CombinedOutput(); err != nil {
		t.Fatalf("numsync-gen: %v\n%s", err, out)
	}
	cfg := filepath.Join(dir, "numsync.yaml")
	body := "store: {path: numsync.db, lock_ttl: 2s}\n" +
		"tenant: {inventory: inventory.csv, locations: locations.csv, users: users.csv}\n" +
		"sheets: [sheets]\npolicy: {max_removes: \"100%\"}\nactor: admin@contoso.com\n" + extra
	if err := os.WriteFile(cfg, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	run(t, numsyncCmd(t, dir, "--config", cfg, "init"), 0)
	run(t, numsyncCmd(t, dir, "--config", cfg, "roles", "grant", "admin@contoso.com", "TeamsAdministrator"), 0)
	return cfg
}

// run runs cmd and checks its exit code.
func run(t *testing.T, cmd *exec.Cmd, want int) string {
	t.Helper()
	out, err := cmd.CombinedOutput()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	if code != want {
		t.Fatalf("%v: exit %d, want %d\n%s", cmd.Args[1:], code, want, out)
	}
	return string(out)
}

func revision(t *testing.T, db string) (int64, int) {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	tn, err := st.Tenant(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return tn.Revision, len(tn.Assignments)
}

// TestKilledApplyLeavesStoreUnchanged kills a real numsync apply with
// SIGKILL while it writes a large plan: the store is as before, the dead
// process's lock expires, and applying the same plan then converges.
func TestKilledApplyLeavesStoreUnchanged(t *testing.T) {
	dir := t.TempDir()
	cfg := generate(t, dir, 20000, "")
	db := filepath.Join(dir, "numsync.db")
	// Load the tenant (the exports) without applying: a dry run.
	run(t, numsyncCmd(t, dir, "--config", cfg, "run", "--dry-run"), 3)
	run(t, numsyncCmd(t, dir, "--config", cfg, "plan", "--out", "plan.json"), 3)
	rev, assigned := revision(t, db)

	cmd := numsyncCmd(t, dir, "--config", cfg, "apply", "plan.json")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Kill it once it is writing: its write-ahead log grows past 1 MB.
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(2 * time.Millisecond) {
		if fi, err := os.Stat(db + "-wal"); err == nil && fi.Size() > 1<<20 {
			break
		}
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			t.Fatal("the apply wrote less than 1 MB within a minute")
		}
	}
	_ = cmd.Process.Signal(syscall.SIGKILL)
	err := cmd.Wait()
	if ws, _ := cmd.ProcessState.Sys().(syscall.WaitStatus); err == nil || !ws.Signaled() {
		t.Fatalf("the apply finished (%v) before it could be killed; make the plan larger", err)
	}
	if r, a := revision(t, db); r != rev || a != assigned {
		t.Fatalf("after SIGKILL the store moved: revision %d -> %d, assignments %d -> %d", rev, r, assigned, a)
	}
	// The killed process's lock lives on until its lock_ttl (2s) runs out
	// (store's TestLockOfKilledProcessExpires holds that): an apply that
	// waits for it, rather than sleeping a fixed time, applies the plan.
	run(t, numsyncCmd(t, dir, "--config", cfg, "apply", "--wait", "plan.json"), 3)
	if r, _ := revision(t, db); r != rev+1 {
		t.Fatalf("after the second apply: revision %d, want %d", r, rev+1)
	}
	out := run(t, numsyncCmd(t, dir, "--config", cfg, "run"), 3)
	if !strings.Contains(out, "NOTHING-TO-DO") {
		t.Fatalf("the next run did not converge:\n%s", out)
	}
}

// TestScheduleRunsAndStopsOnSIGTERM runs numsync schedule every second: runs
// happen, and a SIGTERM sent as a run starts ends the process cleanly, with
// every run it started finished. When runs start, which ticks are skipped
// and that stopping waits for a run are held by
// TestEveryRunsOnScheduleWithoutOverlap, on a clock the test moves.
func TestScheduleRunsAndStopsOnSIGTERM(t *testing.T) {
	dir := t.TempDir()
	cfg := generate(t, dir, 200, "schedule: {cron: \"@every 1s\", time_zone: Europe/Berlin}\n")
	cmd, out := startNumsync(t, dir, "--config", cfg, "schedule")
	awaitOutput(t, cmd, out, `"exit_code":3`)
	awaitCount(t, cmd, out, `"msg":"scheduled run starting"`, 2)
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if code := waitExit(t, cmd, out); code != 0 {
		t.Fatalf("schedule did not exit cleanly after SIGTERM: exit %d\n%s", code, tail(out.String(), 3000))
	}
	log := out.String()
	started, finished := strings.Count(log, `"msg":"scheduled run starting"`), strings.Count(log, `"msg":"scheduled run finished"`)
	if finished != started || !strings.Contains(log, `"msg":"stopping`) ||
		!strings.HasSuffix(strings.TrimSpace(log), `"msg":"schedule stopped"}`) {
		t.Fatalf("%d runs started, %d finished; want all finished, then the schedule stopped:\n%s", started, finished, tail(log, 3000))
	}
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// TestLockedStoreFailsFastOrWaits: while another writer holds the store, an
// apply fails at once naming the holder (exit 6), and with --wait it goes
// through once the holder lets go.
func TestLockedStoreFailsFastOrWaits(t *testing.T) {
	dir := t.TempDir()
	cfg := generate(t, dir, 200, "")
	run(t, numsyncCmd(t, dir, "--config", cfg, "run", "--dry-run"), 3)
	run(t, numsyncCmd(t, dir, "--config", cfg, "plan", "--out", "plan.json"), 3)

	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(dir, "numsync.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	lock, err := st.Lock(ctx, "nightly run (pid 4242 on ops-host)", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	out := run(t, numsyncCmd(t, dir, "--config", cfg, "apply", "plan.json"), ExitLocked)
	if !strings.Contains(out, "store is locked by nightly run (pid 4242 on ops-host)") || !strings.Contains(out, "hint: wait for the other run to finish, or pass --wait") {
		t.Fatalf("a locked store should be named with its holder:\n%s", out)
	}

	waiting, wout := startNumsync(t, dir, "--config", cfg, "apply", "--wait", "plan.json")
	// Release only once the waiting apply found the store locked.
	awaitOutput(t, waiting, wout, `"msg":"waiting for the store lock","holder":"nightly run (pid 4242 on ops-host)"`)
	if err := lock.Release(ctx); err != nil {
		t.Fatal(err)
	}
	if code := waitExit(t, waiting, wout); code != ExitRejected || !strings.Contains(wout.String(), "APPLIED") {
		t.Fatalf("apply --wait after the release: exit %d, want %d and APPLIED\n%s", code, ExitRejected, wout.String())
	}
}
