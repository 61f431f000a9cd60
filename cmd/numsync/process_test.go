package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
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

	killed := false
	for attempt := 0; attempt < 5 && !killed; attempt++ {
		cmd := numsyncCmd(t, dir, "--config", cfg, "apply", "plan.json")
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// Wait until the apply is writing (its write-ahead log grows), then kill it.
		deadline := time.Now().Add(30 * time.Second)
		for time.Now().Before(deadline) {
			if fi, err := os.Stat(db + "-wal"); err == nil && fi.Size() > 1<<20 {
				break
			}
			time.Sleep(2 * time.Millisecond)
		}
		_ = cmd.Process.Signal(syscall.SIGKILL)
		err := cmd.Wait()
		ws, _ := cmd.ProcessState.Sys().(syscall.WaitStatus)
		killed = err != nil && ws.Signaled()
		if !killed {
			t.Fatalf("the apply finished before it could be killed; make the plan larger")
		}
	}
	if r, a := revision(t, db); r != rev || a != assigned {
		t.Fatalf("after SIGKILL the store moved: revision %d -> %d, assignments %d -> %d", rev, r, assigned, a)
	}
	// The killed process's lock expires (lock_ttl 2s); then the same plan applies.
	time.Sleep(2500 * time.Millisecond)
	run(t, numsyncCmd(t, dir, "--config", cfg, "apply", "plan.json"), 3)
	if r, _ := revision(t, db); r != rev+1 {
		t.Fatalf("after the second apply: revision %d, want %d", r, rev+1)
	}
	out := run(t, numsyncCmd(t, dir, "--config", cfg, "run"), 3)
	if !strings.Contains(out, "NOTHING-TO-DO") {
		t.Fatalf("the next run did not converge:\n%s", out)
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

// TestScheduleRunsWithoutOverlapAndStopsOnSIGTERM runs numsync schedule
// every second on a tenant whose first run takes longer than that: runs happen,
// never two at once, and SIGTERM ends the process cleanly. It waits for two
// finished runs rather than a fixed time, so a slow machine (or -race)
// changes how long it takes, not whether it passes.
func TestScheduleRunsWithoutOverlapAndStopsOnSIGTERM(t *testing.T) {
	dir := t.TempDir()
	// 20,000 users: the first run (loading the exports, applying ~13,000
	// operations) takes a few seconds, so ticks come while it runs.
	cfg := generate(t, dir, 20000, "schedule: {cron: \"@every 1s\", time_zone: Europe/Berlin}\nlog: {level: debug}\n")
	cmd := numsyncCmd(t, dir, "--config", cfg, "schedule")
	var stderr lockedBuffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(3 * time.Minute); strings.Count(stderr.String(), `"msg":"scheduled run finished"`) < 2; {
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			t.Fatalf("fewer than two scheduled runs finished within 3 minutes\n%s", tail(stderr.String(), 2000))
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("schedule did not exit cleanly after SIGTERM: %v\n%s", err, stderr.String())
		}
	case <-time.After(60 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatalf("schedule did not stop within 60s of SIGTERM\n%s", stderr.String())
	}

	log := stderr.String()
	var started, finished, running, skipped int
	sc := bufio.NewScanner(strings.NewReader(log))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var rec struct{ Msg string }
		if json.Unmarshal(sc.Bytes(), &rec) != nil {
			continue
		}
		switch {
		case rec.Msg == "scheduled run starting":
			started++
			running++
			if running > 1 {
				t.Errorf("a run started while another was running")
			}
		case rec.Msg == "scheduled run finished":
			finished++
			running--
		case strings.HasPrefix(rec.Msg, "cron: skip"):
			skipped++
		}
	}
	if started < 2 || finished != started {
		t.Errorf("runs started %d, finished %d; want at least 2, all finished", started, finished)
	}
	if skipped == 0 {
		t.Errorf("no tick came while a run was going, so overlap was never tried; make the tenant larger")
	}
	if !strings.Contains(log, `"msg":"schedule stopped"`) {
		t.Errorf("no clean stop in the log:\n%s", tail(log, 2000))
	}
	t.Logf("%d runs, %d ticks skipped while a run was going", started, skipped)
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

	waiting := numsyncCmd(t, dir, "--config", cfg, "apply", "--wait", "plan.json")
	var buf bytes.Buffer
	waiting.Stdout, waiting.Stderr = &buf, &buf
	if err := waiting.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(1500 * time.Millisecond)
	if waiting.ProcessState != nil {
		t.Fatalf("apply --wait did not wait:\n%s", buf.String())
	}
	if err := lock.Release(ctx); err != nil {
		t.Fatal(err)
	}
	err = waiting.Wait()
	if ee, ok := err.(*exec.ExitError); err != nil && (!ok || ee.ExitCode() != ExitRejected) {
		t.Fatalf("apply --wait after the release: %v\n%s", err, buf.String())
	}
	if !strings.Contains(buf.String(), "APPLIED") {
		t.Fatalf("apply --wait did not apply:\n%s", buf.String())
	}
}
