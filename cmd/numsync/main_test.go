package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/numsync/numsync"
	"github.com/numsync/numsync/graph/graphtest"
	"github.com/numsync/numsync/importer"
	"github.com/numsync/numsync/internal/pgtest"
)

// TestMain lets the scripts run the real numsync main as a command, and
// the process tests run this binary as numsync (NUMSYNC_TEST_MAIN=1).
func TestMain(m *testing.M) {
	if os.Getenv("NUMSYNC_TEST_MAIN") == "1" {
		os.Exit(Main())
	}
	testscript.Main(stopPostgres{m}, map[string]func(){
		"numsync": func() { os.Exit(Main()) },
	})
}

// pgServer is the PostgreSQL cluster of the postgres_* scripts and the
// process tests, started on first use.
var pgServer pgtest.Shared

// pgPasswordEnv is the variable the scripts' configs read the password
// from (store.password_env).
const pgPasswordEnv = "NUMSYNC_PG_PASSWORD"

// stopPostgres stops the cluster when the tests are done.
type stopPostgres struct{ m *testing.M }

func (s stopPostgres) Run() int {
	defer pgServer.Stop()
	return s.m.Run()
}

// usePostgres writes numsync-pg.yaml beside the sample's config: the same
// config with the store in a new PostgreSQL database (store.url, password
// in $NUMSYNC_PG_PASSWORD). It sets $PGURL to that database.
func usePostgres(env *testscript.Env, sample string) error {
	ctx := context.Background()
	url, err := pgServer.NewURL(ctx)
	if err != nil {
		return err
	}
	cfg := filepath.Join(sample, "numsync.yaml")
	b, err := os.ReadFile(cfg)
	if err != nil {
		return err
	}
	const sqlite = "store:\n  path: numsync.db\n"
	if !bytes.Contains(b, []byte(sqlite)) {
		return fmt.Errorf("%s: no %q to replace", cfg, sqlite)
	}
	pg := fmt.Sprintf("store:\n  url: %q\n  password_env: %s\n", url, pgPasswordEnv)
	env.Setenv("PGURL", url)
	env.Setenv(pgPasswordEnv, pgtest.Password)
	return os.WriteFile(filepath.Join(sample, "numsync-pg.yaml"), bytes.Replace(b, []byte(sqlite), []byte(pg), 1), 0o644)
}

// TestScripts runs the end-to-end scripts in testdata/script: each drives
// the real binary entry point on real files. $SAMPLE is a fresh copy of the
// sample tenant in testdata/sample.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir: "testdata/script",
		Setup: func(env *testscript.Env) error {
			dst := filepath.Join(env.WorkDir, "sample")
			env.Setenv("SAMPLE", dst)
			if err := copySample(dst); err != nil {
				return err
			}
			// postgres_* scripts skip themselves under -short.
			if strings.HasPrefix(filepath.Base(env.WorkDir), "script-postgres") && !testing.Short() {
				return usePostgres(env, dst)
			}
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"exitcode": cmdExitCode,
			"capture":  cmdCapture,
			"perm":     cmdPerm,
			"envsubst": cmdEnvsubst,
			"graph":    cmdGraph,
			"replace":  cmdReplace,
			"damage":   cmdDamage,
		},
	})
}

// cmdExitCode runs a command and checks its exit code, which scripts that
// wrap numsync rely on: exitcode CODE COMMAND [ARGS...]
func cmdExitCode(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: exitcode CODE COMMAND [ARGS...]")
	}
	want, err := strconv.Atoi(args[0])
	if err != nil {
		ts.Fatalf("exitcode: %v", err)
	}
	got := 0
	if err := ts.Exec(args[1], args[2:]...); err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			ts.Fatalf("exitcode: %v", err)
		}
		got = ee.ExitCode()
	}
	if got != want {
		ts.Fatalf("%s exited with %d, want %d", args[1], got, want)
	}
}

// cmdCapture sets an environment variable from the last command's stdout:
// capture VAR REGEXP takes the regexp's first group.
func cmdCapture(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: capture VAR REGEXP")
	}
	m := regexp.MustCompile(args[1]).FindStringSubmatch(ts.ReadFile("stdout"))
	if len(m) < 2 {
		ts.Fatalf("capture: no match for %s in stdout", args[1])
	}
	ts.Setenv(args[0], m[1])
}

// cmdPerm checks the permission bits of files and directories, which decide
// who else may read numsync's output: perm MODE PATH...
func cmdPerm(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: perm MODE PATH...")
	}
	want, err := strconv.ParseUint(args[0], 8, 32)
	if err != nil {
		ts.Fatalf("perm: %v", err)
	}
	for _, p := range args[1:] {
		fi, err := os.Stat(ts.MkAbs(p))
		ts.Check(err)
		if got := fi.Mode().Perm(); got != os.FileMode(want) {
			ts.Fatalf("%s has mode %03o, want %03o", p, got, want)
		}
	}
}

// cmdEnvsubst replaces $VAR and ${VAR} in a file of the script with the
// script's variables, for inputs that name what an earlier command made
// (a run's plan digest): envsubst FILE
func cmdEnvsubst(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: envsubst FILE")
	}
	path := ts.MkAbs(args[0])
	ts.Check(os.WriteFile(path, []byte(os.Expand(ts.ReadFile(args[0]), ts.Getenv)), 0o644))
}

// copySample copies the sample tenant's inputs to dst, leaving out what a
// local demo run may have left beside them (its store and reports).
func copySample(dst string) error {
	src := "../../testdata/sample"
	return filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if d.IsDir() {
			if rel == "reports" {
				return filepath.SkipDir
			}
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		if strings.HasPrefix(d.Name(), "numsync.db") {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o644)
	})
}

// graphServers are the contract servers the scripts started, by script.
var graphServers sync.Map // *testscript.TestScript -> *graphtest.Server

// cmdGraph drives a Graph contract server for the script:
//
//	graph start CONFIG [source] [push]   start it with the sample tenant's numbers and users, and point CONFIG's teams: at it
//	graph cloud-user UPN OBJECTID NUMBER a cloud-only resource account that holds NUMBER
//	graph grant-only PERMISSION...       new tokens carry only these application permissions
//	graph set-holder NUMBER OBJECTID     an admin gives NUMBER to OBJECTID in Teams
//	graph fail-assign NUMBER N           the next N assigns of NUMBER fail as already assigned
//	graph throttle N SECONDS             the next N requests are answered 429 with Retry-After
//	graph fail-after-doing N             the next N actions are carried out but answered 502
//	graph hold-after N                   actions after the first N wait for 'graph release'
//	graph wait-held N                    wait until N actions wait
//	graph release                        let them go on
//	graph wait-actions N                 wait until N actions were answered
//	graph count VAR                      set VAR to the number of accepted actions so far
//	graph actions N                      exactly N actions were accepted so far
//	graph no-duplicates                  no action was accepted twice for one number
//	graph holder NUMBER OBJECTID         the tenant shows NUMBER on OBJECTID ("" for free)
func cmdGraph(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) == 0 {
		ts.Fatalf("usage: graph start|cloud-user|fail-assign|throttle|fail-after-doing|hold-after|wait-held|release|count|actions|no-duplicates|holder ...")
	}
	if args[0] == "start" {
		graphStart(ts, args[1:])
		return
	}
	v, ok := graphServers.Load(ts)
	if !ok {
		ts.Fatalf("graph: no server started")
	}
	s := v.(*graphtest.Server)
	atoi := func(a string) int {
		n, err := strconv.Atoi(a)
		ts.Check(err)
		return n
	}
	total := func() int {
		n := 0
		for _, c := range s.Actions() {
			n += c
		}
		return n
	}
	switch args[0] {
	case "cloud-user":
		s.AddUser(graphtest.FromUser(numsync.User{UPN: args[1], ObjectID: args[2], Kind: numsync.KindResource, UsageLocation: "US",
			Licenses: []numsync.License{numsync.LicenseTeamsPhone}}, false))
		s.SetAssignment(args[3], args[2], "primary")
	case "grant-only":
		s.GrantOnly(args[1:]...)
	case "set-holder":
		s.SetAssignment(args[1], args[2], "primary")
	case "fail-assign":
		s.FailAssign(args[1], atoi(args[2]))
	case "throttle":
		s.Throttle(atoi(args[1]), atoi(args[2]))
	case "fail-after-doing":
		s.FailAfterDoing(atoi(args[1]))
	case "hold-after":
		s.HoldAfter(atoi(args[1]))
	case "wait-held":
		s.WaitHeld(atoi(args[1]))
	case "release":
		s.Release()
	case "wait-actions":
		s.WaitActions(atoi(args[1]))
	case "count":
		ts.Setenv(args[1], strconv.Itoa(total()))
	case "actions":
		if got := total(); got != atoi(args[1]) {
			ts.Fatalf("%d actions accepted, want %s: %v", got, args[1], s.Actions())
		}
	case "no-duplicates":
		for k, n := range s.Actions() {
			if n > 1 {
				ts.Fatalf("%s was sent %d times", k, n)
			}
		}
	case "holder":
		a, ok := s.Number(args[1])
		if !ok || a.AssignmentTargetID != args[2] {
			ts.Fatalf("%s is held by %q, want %q", args[1], a.AssignmentTargetID, args[2])
		}
	default:
		ts.Fatalf("graph: unknown subcommand %q", args[0])
	}
}

// graphStart starts a contract server holding the sample tenant and adds a
// teams: section that reaches it to the config file.
func graphStart(ts *testscript.TestScript, args []string) {
	if len(args) < 1 {
		ts.Fatalf("usage: graph start CONFIG [source] [push]")
	}
	s := graphtest.New()
	ts.Defer(s.Close)
	graphServers.Store(ts, s)
	ts.Defer(func() { graphServers.Delete(ts) })
	sample := ts.Getenv("SAMPLE")
	recs, _, err := importer.ReadInventory(filepath.Join(sample, "inventory.csv"))
	ts.Check(err)
	for _, r := range recs {
		s.AddNumber(graphtest.FromRecord(r))
	}
	users, _, err := importer.ReadUsers(filepath.Join(sample, "users.csv"))
	ts.Check(err)
	for _, u := range users {
		s.AddUser(graphtest.FromUser(u, true))
	}
	ca := ts.MkAbs("graph-ca.pem")
	ts.Check(os.WriteFile(ca, s.CAPEM(), 0o600))
	ts.Setenv("NUMSYNC_GRAPH_CLIENT_SECRET", graphtest.ClientSecret)
	section := fmt.Sprintf("teams:\n  tenant_id: %s\n  client_id: %s\n  graph_url: %s\n  authority_host: %s\n  ca_file: %s\n  poll_interval: 10ms\n  source: %t\n  push: %t\n",
		graphtest.TenantID, graphtest.ClientID, s.URL(), s.AuthorityHost(), ca, slices.Contains(args, "source"), slices.Contains(args, "push"))
	f, err := os.OpenFile(ts.MkAbs(args[0]), os.O_APPEND|os.O_WRONLY, 0)
	ts.Check(err)
	_, err = f.WriteString("\n" + section)
	ts.Check(err)
	ts.Check(f.Close())
}

// cmdReplace edits a file as a person with a text editor would: replace
// FILE OLD NEW changes the first OLD (which must be there) into NEW.
func cmdReplace(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 3 {
		ts.Fatalf("usage: replace FILE OLD NEW")
	}
	body := ts.ReadFile(args[0])
	if !strings.Contains(body, args[1]) {
		ts.Fatalf("replace: %s does not contain %q", args[0], args[1])
	}
	path := ts.MkAbs(args[0])
	fi, err := os.Stat(path)
	ts.Check(err)
	ts.Check(os.WriteFile(path, []byte(strings.Replace(body, args[1], args[2], 1)), fi.Mode()))
}

// cmdDamage overwrites the 4 KB page in the middle of a file with noise, as
// a failing disk or a stray write would: damage FILE.
func cmdDamage(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: damage FILE")
	}
	f, err := os.OpenFile(ts.MkAbs(args[0]), os.O_RDWR, 0)
	ts.Check(err)
	defer f.Close()
	fi, err := f.Stat()
	ts.Check(err)
	const page = 4096
	noise := make([]byte, page)
	for i := range noise {
		noise[i] = byte(i*7 + 13)
	}
	_, err = f.WriteAt(noise, fi.Size()/page/2*page)
	ts.Check(err)
}
