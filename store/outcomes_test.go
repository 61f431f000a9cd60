package store

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"testing"
	"time"

	"github.com/numsync/numsync"
)

// twoRuns seeds s and applies two runs: the first with three operations,
// the second with one. It returns their ids.
func twoRuns(t *testing.T, s *Store) (string, string) {
	t.Helper()
	ctx := context.Background()
	seed(t, s) // alice 0101, bob 0102, revision 3
	r1, err := s.Apply(ctx, applyReq(3,
		remove("bob@contoso.com", "+14255550102"),
		change("Alice@contoso.com", "+14255550101", "+14255550103"),
		assign("carol@contoso.com", "+14255550102"),
	))
	if err != nil {
		t.Fatal(err)
	}
	r2, err := s.Apply(ctx, applyReq(4, assign("bob@contoso.com", "+14255550101")))
	if err != nil {
		t.Fatal(err)
	}
	return r1.ID, r2.ID
}

// brief renders outcomes as "run/step:state" for comparison.
func brief(outs []numsync.OpOutcome, runs map[string]string) string {
	var parts []string
	for _, o := range outs {
		parts = append(parts, fmt.Sprintf("%s/%d:%s", runs[o.RunID], o.Step, o.State))
	}
	return strings.Join(parts, " ")
}

func TestOutcomesTrackWhatLandedInTeams(t *testing.T) {
	bothEngines(t, testOutcomesTrackWhatLandedInTeams)
}

func testOutcomesTrackWhatLandedInTeams(t *testing.T, e *testEngine) {
	ctx := context.Background()
	s, path := e.openTemp(t)
	r1, r2 := twoRuns(t, s)
	names := map[string]string{r1: "r1", r2: "r2"}

	outs, err := s.Outcomes(ctx, r1)
	if err != nil {
		t.Fatal(err)
	}
	if got := brief(outs, names); got != "r1/1:pending r1/2:pending r1/3:pending" {
		t.Errorf("before anything was recorded, Outcomes(r1) = %s", got)
	}

	at := time.Date(2026, 12, 3, 2, 0, 0, 0, time.UTC)
	err = s.RecordOutcomes(ctx, []numsync.OpOutcome{
		{RunID: r1, Step: 1, State: numsync.PushSucceeded, Attempts: 1, Via: numsync.ViaPowerShell, At: at, Actor: "admin@contoso.com"},
		{RunID: r1, Step: 2, State: numsync.PushFailed, ErrorCode: "ServiceUnavailable", Error: "Service unavailable, please try again",
			Attempts: 4, Via: numsync.ViaPowerShell, At: at, Actor: "admin@contoso.com"},
		{RunID: r2, Step: 1, State: numsync.PushSubmitted, OperationURL: "https://graph.example/ops/1", Attempts: 1, Via: numsync.ViaGraph, Actor: "app"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if rev, err := s.Revision(ctx); err != nil || rev != 5 {
		t.Errorf("revision after recording outcomes = %d, %v; want 5 (two applies after seed, outcomes leave it)", rev, err)
	}
	outs, err = s.Outcomes(ctx, r1)
	if err != nil {
		t.Fatal(err)
	}
	if got := brief(outs, names); got != "r1/1:succeeded r1/2:failed r1/3:pending" {
		t.Errorf("Outcomes(r1) = %s", got)
	}
	if f := outs[1]; f.Error != "Service unavailable, please try again" || f.ErrorCode != "ServiceUnavailable" || f.Attempts != 4 ||
		f.Via != numsync.ViaPowerShell || !f.At.Equal(at) || f.Actor != "admin@contoso.com" {
		t.Errorf("failed outcome read back as %+v", f)
	}

	un, err := s.UnfinishedOutcomes(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got := brief(un, names); got != "r1/2:failed r1/3:pending r2/1:submitted" {
		t.Errorf("UnfinishedOutcomes = %s, want the failed, pending and submitted ones oldest first", got)
	}
	if un[2].OperationURL != "https://graph.example/ops/1" || un[2].At.IsZero() {
		t.Errorf("submitted outcome read back as %+v (want its URL, and At defaulted to now)", un[2])
	}

	// A retry that lands replaces the failure; the log keeps both.
	if err := s.RecordOutcomes(ctx, []numsync.OpOutcome{
		{RunID: r1, Step: 2, State: numsync.PushSucceeded, Attempts: 1, Via: numsync.ViaPowerShell, Actor: "ops@contoso.com"},
		{RunID: r1, Step: 3, State: numsync.PushSkipped, Via: numsync.ViaPowerShell, Actor: "ops@contoso.com"},
	}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s = openAt(t, path)
	un, err = s.UnfinishedOutcomes(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got := brief(un, names); got != "r2/1:submitted" {
		t.Errorf("after the retry landed and a reopen, UnfinishedOutcomes = %s", got)
	}
	rows, err := s.db.QueryContext(ctx, "SELECT state, actor FROM outcome_log WHERE run_id = ? AND step = 2 ORDER BY seq", r1)
	if err != nil {
		t.Fatal(err)
	}
	var log []string
	for rows.Next() {
		var state, actor string
		if err := rows.Scan(&state, &actor); err != nil {
			t.Fatal(err)
		}
		log = append(log, state+" by "+actor)
	}
	rows.Close()
	if got := strings.Join(log, ", "); got != "failed by admin@contoso.com, succeeded by ops@contoso.com" {
		t.Errorf("outcome log of r1 step 2 = %q", got)
	}
}

func TestRecordOutcomesRefusesWhatNoRunApplied(t *testing.T) {
	bothEngines(t, testRecordOutcomesRefusesWhatNoRunApplied)
}

func testRecordOutcomesRefusesWhatNoRunApplied(t *testing.T, e *testEngine) {
	ctx := context.Background()
	s, _ := e.openTemp(t)
	r1, _ := twoRuns(t, s)
	held, err := s.RecordRun(ctx, numsync.Run{Actor: "admin@contoso.com", Status: numsync.RunHeldBack})
	if err != nil {
		t.Fatal(err)
	}
	good := numsync.OpOutcome{RunID: r1, Step: 1, State: numsync.PushSucceeded, Via: numsync.ViaPowerShell}
	for _, tc := range []struct {
		name     string
		bad      numsync.OpOutcome
		notFound bool
		want     string
	}{
		{"UnknownRun", numsync.OpOutcome{RunID: "20261203T000000Z-0000", Step: 1, State: numsync.PushSucceeded}, true, "20261203T000000Z-0000"},
		{"RunNotApplied", numsync.OpOutcome{RunID: held.ID, Step: 1, State: numsync.PushSucceeded}, true, "not applied"},
		{"StepZero", numsync.OpOutcome{RunID: r1, Step: 0, State: numsync.PushSucceeded}, true, "steps 1 to 3, not 0"},
		{"StepPastTheEnd", numsync.OpOutcome{RunID: r1, Step: 4, State: numsync.PushFailed}, true, "steps 1 to 3, not 4"},
		{"UnknownState", numsync.OpOutcome{RunID: r1, Step: 2, State: "done"}, false, `unknown state "done"`},
		{"NegativeAttempts", numsync.OpOutcome{RunID: r1, Step: 2, State: numsync.PushFailed, Attempts: -1}, false, "negative attempts"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := s.RecordOutcomes(ctx, []numsync.OpOutcome{good, tc.bad})
			if err == nil || !strings.Contains(err.Error(), tc.want) || errors.Is(err, numsync.ErrNotFound) != tc.notFound {
				t.Fatalf("RecordOutcomes = %v, want an error saying %q (ErrNotFound: %v)", err, tc.want, tc.notFound)
			}
			outs, err := s.Outcomes(ctx, r1)
			if err != nil {
				t.Fatal(err)
			}
			if outs[0].State != numsync.PushPending {
				t.Errorf("the good outcome of a refused batch was recorded: %+v", outs[0])
			}
		})
	}
	if _, err := s.Outcomes(ctx, held.ID); !errors.Is(err, numsync.ErrNotFound) {
		t.Errorf("Outcomes of a held-back run = %v, want ErrNotFound", err)
	}
}

// TestUpgradeTakesEarlierRunsAsLanded: a store that applied runs before it
// recorded outcomes does not hand its whole history to the next run.
func TestUpgradeTakesEarlierRunsAsLanded(t *testing.T) {
	bothEngines(t, testUpgradeTakesEarlierRunsAsLanded)
}

func testUpgradeTakesEarlierRunsAsLanded(t *testing.T, e *testEngine) {
	ctx := context.Background()
	s, path := e.openTemp(t)
	r1, r2 := twoRuns(t, s)
	// Back to the schema before the outcomes migration, as a store of the
	// previous numsync has it, then that migration run again.
	files, err := fs.Glob(migrations, strings.Replace(s.eng.migrations, "*.sql", "*_outcomes.sql", 1))
	if err != nil || len(files) != 1 {
		t.Fatalf("outcomes migration: %v %v", files, err)
	}
	body, err := migrations.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"DROP TABLE outcome_log", "DROP TABLE outcomes", string(body)} {
		if _, err := s.db.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()
	s = openAt(t, path)
	un, err := s.UnfinishedOutcomes(ctx)
	if err != nil || len(un) != 0 {
		t.Fatalf("after the upgrade, UnfinishedOutcomes = %+v, %v; want none", un, err)
	}
	outs, err := s.Outcomes(ctx, r1)
	if err != nil {
		t.Fatal(err)
	}
	if got := brief(outs, map[string]string{r1: "r1", r2: "r2"}); got != "r1/1:skipped r1/2:skipped r1/3:skipped" {
		t.Errorf("Outcomes(r1) after the upgrade = %s", got)
	}
	// A run applied after the upgrade waits for Teams as usual.
	r3, err := s.Apply(ctx, applyReq(5, remove("carol@contoso.com", "+14255550102")))
	if err != nil {
		t.Fatal(err)
	}
	if un, err := s.UnfinishedOutcomes(ctx); err != nil || len(un) != 1 || un[0].RunID != r3.ID || un[0].State != numsync.PushPending {
		t.Errorf("UnfinishedOutcomes = %+v, %v; want the new run's operation, pending", un, err)
	}
}
