package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/numsync/numsync/internal/pgtest"
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

// sqliteStore is the store section of a config for a SQLite store in the
// config's directory.
const sqliteStore = "store: {path: numsync.db, lock_ttl: 2s}\n"

// pgStore is the store section of a config for a new database of the test
// cluster; it sets the password variable for the numsync processes the
// test starts.
func pgStore(t *testing.T) string {
	t.Helper()
	t.Setenv(pgPasswordEnv, pgtest.Password)
	return fmt.Sprintf("store: {url: %q, password_env: %s}\n", pgServer.NewDatabase(t), pgPasswordEnv)
}

// generate writes a synthetic tenant of n users into dir with numsync-gen,
// plus a config for it with the store section storeYAML, and returns the
// config path.
func generate(t *testing.T, dir string, n int, storeYAML, extra string) string {
	t.Helper()
	if testing.Short() {
		t.Skip("runs numsync-gen and numsync processes; runs without -short (scripts/test)")
	}
	gen := exec.Command("go", "run", "../numsync-gen", "-users", strconv.Itoa(n), "-out", dir)
	if out, err := gen.CombinedOutput(); err != nil {
		t.Fatalf("numsync-gen: %v\n%s", err, out)
	}
	cfg := filepath.Join(dir, "numsync.yaml")
	body := storeYAML +
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

// revision opens the store of cfg and returns its revision and how many
// assignments it holds.
func revision(t *testing.T, cfg string) (int64, int) {
	t.Helper()
	ctx := context.Background()
	c, err := loadConfig(cfg, true)
	if err != nil {
		t.Fatal(err)
	}
	st, err := c.openStore(ctx, false)
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
	cfg := generate(t, dir, 20000, sqliteStore, "")
	db := filepath.Join(dir, "numsync.db")
	// Load the tenant (the exports) without applying: a dry run.
	run(t, numsyncCmd(t, dir, "--config", cfg, "run", "--dry-run"), 3)
	run(t, numsyncCmd(t, dir, "--config", cfg, "plan", "--out", "plan.json"), 3)
	rev, assigned := revision(t, cfg)

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
	if r, a := revision(t, cfg); r != rev || a != assigned {
		t.Fatalf("after SIGKILL the store moved: revision %d -> %d, assignments %d -> %d", rev, r, assigned, a)
	}
	// The killed process's lock lives on until its lock_ttl (2s) runs out
	// (store's TestLockOfKilledProcessExpires holds that): an apply that
	// waits for it, rather than sleeping a fixed time, applies the plan.
	run(t, numsyncCmd(t, dir, "--config", cfg, "apply", "--wait", "plan.json"), 3)
	if r, _ := revision(t, cfg); r != rev+1 {
		t.Fatalf("after the second apply: revision %d, want %d", r, rev+1)
	}
	out := run(t, numsyncCmd(t, dir, "--config", cfg, "run"), 3)
	if !strings.Contains(out, "NOTHING-TO-DO") {
		t.Fatalf("the next run did not converge:\n%s", out)
	}
}

// stderrLines returns the lines cmd writes to stderr, as they come; the
// channel closes when cmd closes stderr. Call it before cmd.Start.
func stderrLines(t *testing.T, cmd *exec.Cmd) <-chan string {
	t.Helper()
	pipe, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	lines := make(chan string, 64)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(pipe)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	return lines
}

// waitLine reads lines until one holds every part: the event a test waits
// for instead of sleeping. It fails when the lines end first.
func waitLine(t *testing.T, lines <-chan string, parts ...string) string {
	t.Helper()
	var seen []string
	for line := range lines {
		seen = append(seen, line)
		if containsAll(line, parts) {
			return line
		}
	}
	t.Fatalf("stderr ended without a line holding %q:\n%s", parts, tail(strings.Join(seen, "\n"), 3000))
	return ""
}

func containsAll(s string, parts []string) bool {
	for _, p := range parts {
		if !strings.Contains(s, p) {
			return false
		}
	}
	return true
}

// exitCode returns the exit code a finished command's Wait error stands for.
func exitCode(t *testing.T, err error) int {
	t.Helper()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatal(err)
	}
	if err != nil {
		return ee.ExitCode()
	}
	return 0
}

// TestScheduleRunsAndStopsOnSIGTERM runs numsync schedule every second: runs
// happen, and a SIGTERM sent as a run starts ends the process cleanly, with
// every run it started finished. When runs start, which ticks are skipped
// and that stopping waits for a run are held by
// TestEveryRunsOnScheduleWithoutOverlap, on a clock the test moves (here
// the run may well end before the signal lands).
func TestScheduleRunsAndStopsOnSIGTERM(t *testing.T) {
	dir := t.TempDir()
	cfg := generate(t, dir, 200, sqliteStore, "schedule: {cron: \"@every 1s\", time_zone: Europe/Berlin}\n")
	cmd, lines := startNumsync(t, dir, "--config", cfg, "schedule")
	waitLine(t, lines, `"msg":"scheduled run finished"`, `"exit_code":3`)
	waitLine(t, lines, `"msg":"scheduled run starting"`)
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	code, rest := finish(t, cmd, lines)
	started := 1 + strings.Count(rest, `"msg":"scheduled run starting"`)
	finished := strings.Count(rest, `"msg":"scheduled run finished"`)
	if code != 0 || finished != started || !strings.Contains(rest, `"msg":"stopping`) ||
		!strings.HasSuffix(rest, `"msg":"schedule stopped"}`) {
		t.Fatalf("after SIGTERM: exit %d, %d runs started and %d finished; want exit 0, all finished, then the schedule stopped:\n%s",
			code, started, finished, tail(rest, 3000))
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
	cfg := generate(t, dir, 200, sqliteStore, "")
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
	var stdout bytes.Buffer
	waiting.Stdout = &stdout
	lines := stderrLines(t, waiting)
	if err := waiting.Start(); err != nil {
		t.Fatal(err)
	}
	// Release only once the waiting apply found the store locked.
	waitLine(t, lines, `"msg":"waiting for the store lock"`, "nightly run (pid 4242 on ops-host)")
	if err := lock.Release(ctx); err != nil {
		t.Fatal(err)
	}
	for range lines {
	}
	if code := exitCode(t, waiting.Wait()); code != ExitRejected {
		t.Fatalf("apply --wait after the release: exit %d\n%s", code, stdout.String())
	}
	if !strings.Contains(stdout.String(), "APPLIED") {
		t.Fatalf("apply --wait did not apply:\n%s", stdout.String())
	}
}
