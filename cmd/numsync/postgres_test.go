package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"os/exec"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver, to watch the server

	"github.com/numsync/numsync/internal/pgtest"
)

// scheduleLog is what one numsync schedule process logged.
type scheduleLog struct {
	started []string // the ticks it ran, as logged
	skipped []string // the holders it named when it skipped a tick
	seen    []string
}

// add reads one line of the process's log.
func (l *scheduleLog) add(line string) {
	l.seen = append(l.seen, line)
	var rec struct {
		Msg    string
		Tick   json.RawMessage
		Holder string
	}
	if json.Unmarshal([]byte(line), &rec) != nil {
		return
	}
	switch rec.Msg {
	case "scheduled run starting":
		l.started = append(l.started, string(rec.Tick))
	case "scheduled run skipped: another scheduler has this tick":
		l.skipped = append(l.skipped, rec.Holder)
	}
}

// hostLine is a line host logged.
type hostLine struct {
	host int
	line string
}

// schedulers reads the logs of two processes as they come.
type schedulers struct {
	lines chan hostLine
	logs  [2]scheduleLog
}

func newSchedulers(a, b <-chan string) *schedulers {
	s := &schedulers{lines: make(chan hostLine)}
	for host, ch := range []<-chan string{a, b} {
		go func() {
			for l := range ch {
				s.lines <- hostLine{host, l}
			}
		}()
	}
	return s
}

// waitFor reads the logs until cond holds: the events the test waits for
// instead of a fixed time (a slow machine changes how long this takes,
// not whether it passes).
func (s *schedulers) waitFor(t *testing.T, what string, cond func(l *[2]scheduleLog) bool) {
	t.Helper()
	for !cond(&s.logs) {
		select {
		case hl := <-s.lines:
			s.logs[hl.host].add(hl.line)
		case <-time.After(2 * time.Minute):
			t.Fatalf("%s did not happen within 2 minutes; logs:\n%s\n---\n%s", what,
				tail(strings.Join(s.logs[0].seen, "\n"), 2000), tail(strings.Join(s.logs[1].seen, "\n"), 2000))
		}
	}
}

// TestTwoHostScheduleRunsEachTickOnce runs numsync schedule twice (two
// processes, as two hosts would) against one PostgreSQL store with a tick
// every second: every tick is run by one of them, never both, and the
// other logs who has it; after the leader is killed with SIGKILL, the
// other goes on running the ticks alone.
func TestTwoHostScheduleRunsEachTickOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a PostgreSQL server and numsync processes")
	}
	dir := t.TempDir()
	cfg := generate(t, dir, 2000, pgStore(t), "schedule: {cron: \"@every 1s\"}\nlog: {level: debug}\n")
	a, al := startNumsync(t, dir, "--config", cfg, "schedule")
	b, bl := startNumsync(t, dir, "--config", cfg, "schedule")
	cmds := []*exec.Cmd{a, b}
	s := newSchedulers(al, bl)
	// Both run some ticks or skip them, and at least one tick found the
	// other host already on it.
	s.waitFor(t, "four ticks run and one skipped", func(l *[2]scheduleLog) bool {
		return len(l[0].started)+len(l[1].started) >= 4 && len(l[0].skipped)+len(l[1].skipped) >= 1
	})
	// The leader is the one that ran the last tick so far.
	l := &s.logs
	leader := 0
	if len(l[1].started) > 0 && (len(l[0].started) == 0 || l[1].started[len(l[1].started)-1] > l[0].started[len(l[0].started)-1]) {
		leader = 1
	}
	other := 1 - leader
	if err := cmds[leader].Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	n := len(l[other].started)
	s.waitFor(t, "three ticks run by the survivor", func(l *[2]scheduleLog) bool { return len(l[other].started) >= n+3 })
	if err := cmds[other].Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	s.waitFor(t, "the survivor's clean stop", func(l *[2]scheduleLog) bool {
		return slices.ContainsFunc(l[other].seen, func(line string) bool { return strings.Contains(line, `"msg":"schedule stopped"`) })
	})
	seen := map[string]int{}
	for i, l := range s.logs {
		for _, tick := range l.started {
			if j, dup := seen[tick]; dup {
				t.Errorf("tick %s ran on host %d and host %d", tick, j, i)
			}
			seen[tick] = i
		}
		for _, holder := range l.skipped {
			if !strings.Contains(holder, "numsync schedule (pid ") {
				t.Errorf("host %d skipped a tick naming %q, not the other scheduler", i, holder)
			}
		}
	}
	t.Logf("host 0 ran %d ticks and skipped %d, host 1 ran %d and skipped %d; host %d was killed",
		len(l[0].started), len(l[0].skipped), len(l[1].started), len(l[1].skipped), leader)
}

// TestKilledApplyOnPostgres kills a real numsync apply with SIGKILL while
// its transaction is writing to PostgreSQL: the store is exactly as before
// (or, had the commit won the race, exactly after), the lock is free as
// soon as the server has seen the connection drop, and the same plan then
// applies (or is refused as already applied).
func TestKilledApplyOnPostgres(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a PostgreSQL server and numsync processes")
	}
	dir := t.TempDir()
	storeYAML := pgStore(t)
	cfg := generate(t, dir, 20000, storeYAML, "")
	run(t, numsyncCmd(t, dir, "--config", cfg, "run", "--dry-run"), 3)
	run(t, numsyncCmd(t, dir, "--config", cfg, "plan", "--out", "plan.json"), 3)
	rev, assigned := revision(t, cfg)

	c, err := loadConfig(cfg, true)
	if err != nil {
		t.Fatal(err)
	}
	watch := watchServer(t, c.Store.URL)
	cmd := numsyncCmd(t, dir, "--config", cfg, "apply", "plan.json")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Wait until some connection's transaction has written (it has a
	// transaction id), then kill.
	for deadline := time.Now().Add(time.Minute); ; {
		var writing int
		if err := watch.QueryRow("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND backend_xid IS NOT NULL AND pid <> pg_backend_pid()").Scan(&writing); err != nil {
			t.Fatal(err)
		}
		if writing > 0 {
			break
		}
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			t.Fatal("the apply did not start writing within a minute")
		}
		time.Sleep(2 * time.Millisecond)
	}
	_ = cmd.Process.Signal(syscall.SIGKILL)
	if err := cmd.Wait(); err == nil {
		t.Fatal("the apply finished before it could be killed; make the plan larger")
	}
	r, a := revision(t, cfg)
	after := r == rev+1
	if !after && (r != rev || a != assigned) {
		t.Fatalf("after SIGKILL the store is half-way: revision %d -> %d, assignments %d -> %d", rev, r, assigned, a)
	}
	// --wait: the server frees the dead holder's lock when it notices the
	// connection is gone, which may take a moment.
	want := ExitRejected
	if after {
		want = ExitStale
	}
	run(t, numsyncCmd(t, dir, "--config", cfg, "apply", "--wait", "plan.json"), want)
	if r, _ := revision(t, cfg); r != rev+1 {
		t.Fatalf("after the second apply: revision %d, want %d", r, rev+1)
	}
	out := run(t, numsyncCmd(t, dir, "--config", cfg, "run"), ExitRejected)
	if !strings.Contains(out, "NOTHING-TO-DO") {
		t.Fatalf("the next run did not converge:\n%s", out)
	}
}

// watchServer connects to the database at url as the test cluster's
// superuser, to look at what the server is doing.
func watchServer(t *testing.T, url string) *sql.DB {
	t.Helper()
	db, err := sql.Open("pgx", url+"&password="+strings.ReplaceAll(pgtest.Password, " ", "%20"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.PingContext(context.Background()); err != nil {
		t.Fatal(err)
	}
	return db
}
