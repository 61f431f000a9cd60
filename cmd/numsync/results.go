package main

import (
	"context"
	"fmt"
	"io"

	"github.com/numsync/numsync"
	"github.com/numsync/numsync/importer"
	"github.com/numsync/numsync/store"
)

func init() {
	register(&command{name: "results import", args: "FILE", summary: "record what teams-apply.ps1 did in Teams (its teams-apply.results.csv)", run: runResultsImport})
}

func runResultsImport(ctx context.Context, e *env, args []string) error {
	fs := e.flags("results import", "[--actor UPN] FILE")
	actor := fs.String("actor", "", "who ran the script (default: actor from the config)")
	if err := parse(fs, args, 1, 1); err != nil {
		return err
	}
	if *actor == "" {
		*actor = e.cfg.Actor
	}
	path := fs.Arg(0)
	results, problems, err := importer.ReadStepResults(path)
	if err != nil {
		return usageErr(fmt.Errorf("%s: %w", path, err), "give the teams-apply.results.csv that teams-apply.ps1 wrote beside itself")
	}
	bad := 0
	for _, p := range problems {
		printIssue(e.stderr, "", p)
		if p.Code == numsync.BadRow {
			bad++
		}
	}
	if bad > 0 {
		return usageErr(fmt.Errorf("%s: %d rows cannot be read; nothing was recorded", path, bad),
			"fix or delete those rows (a script stopped while writing leaves its last row cut short) and import the file again")
	}
	st, err := e.store(ctx)
	if err != nil {
		return err
	}
	outs, err := stepOutcomes(ctx, st, results, *actor)
	if err != nil {
		return err
	}
	if err := st.RecordOutcomes(ctx, outs); err != nil {
		return err
	}
	tally := map[numsync.ScriptOutcome]int{}
	for _, r := range results {
		tally[r.Outcome]++
	}
	fmt.Fprintf(e.stdout, "recorded %d outcomes from %s: %d done, %d already done, %d failed, %d skipped\n", len(outs), path,
		tally[numsync.ScriptDone], tally[numsync.ScriptAlreadyDone], tally[numsync.ScriptFailed], tally[numsync.ScriptSkipped])
	return printUnfinished(ctx, e.stdout, st)
}

// stepOutcomes turns the rows of a results file into outcomes of applied
// operations: each row's plan digest names the applied run, and its step
// one of that run's operations. A step listed more than once keeps its
// last row, the latest attempt. A digest or step that names no applied
// operation of this store is an error naming the row, and nothing is
// recorded.
func stepOutcomes(ctx context.Context, st *store.Store, results []numsync.StepResult, actor string) ([]numsync.OpOutcome, error) {
	runs, err := st.Runs(ctx, 0)
	if err != nil {
		return nil, err
	}
	byDigest := map[string][]numsync.Run{}
	for _, r := range runs {
		if r.Status == numsync.RunApplied && r.PlanDigest != "" {
			byDigest[r.PlanDigest] = append(byDigest[r.PlanDigest], r)
		}
	}
	steps := map[string]int{} // run id -> how many operations it applied
	type key struct {
		run  string
		step int
	}
	last := map[key]int{}
	var outs []numsync.OpOutcome
	for _, r := range results {
		where := r.Source.String()
		match := byDigest[r.PlanDigest]
		switch len(match) {
		case 0:
			return nil, usageErr(fmt.Errorf("%s: plan %s was not applied to this store", where, r.PlanDigest),
				"import the results into the store whose run wrote the script; a script of a dry-run plan changes Teams without the store knowing: apply that plan, then import")
		case 1:
		default:
			return nil, fmt.Errorf("%s: plan %s was applied by %d runs (%s, %s, …); cannot tell which one the row means", where, r.PlanDigest, len(match), match[0].ID, match[1].ID)
		}
		run := match[0].ID
		n, ok := steps[run]
		if !ok {
			all, err := st.Outcomes(ctx, run)
			if err != nil {
				return nil, err
			}
			n = len(all)
			steps[run] = n
		}
		if r.Step > n {
			return nil, usageErr(fmt.Errorf("%s: run %s applied %d operations, there is no step %d", where, run, n, r.Step), "")
		}
		o := numsync.OpOutcome{RunID: run, Step: r.Step, State: r.Outcome.PushState(), Error: r.Error,
			Attempts: r.Attempts, Via: numsync.ViaPowerShell, At: r.At, Actor: actor}
		if i, ok := last[key{run, r.Step}]; ok {
			outs[i] = o
			continue
		}
		last[key{run, r.Step}] = len(outs)
		outs = append(outs, o)
	}
	return outs, nil
}

// unfinishedOps returns the applied operations that have not landed in
// Teams, oldest first, each with its run's plan digest and the operation
// as the audit log keeps it.
func unfinishedOps(ctx context.Context, st numsync.Store) ([]numsync.PushOp, error) {
	outs, err := st.UnfinishedOutcomes(ctx)
	if err != nil || len(outs) == 0 {
		return nil, err
	}
	type runOps struct {
		digest  string
		entries []numsync.AuditEntry
	}
	runs := map[string]runOps{}
	ops := make([]numsync.PushOp, 0, len(outs))
	for _, o := range outs {
		r, ok := runs[o.RunID]
		if !ok {
			run, err := st.Run(ctx, o.RunID)
			if err != nil {
				return nil, err
			}
			entries, err := st.Audit(ctx, o.RunID, 0)
			if err != nil {
				return nil, err
			}
			r = runOps{run.PlanDigest, entries}
			runs[o.RunID] = r
		}
		if o.Step > len(r.entries) {
			return nil, fmt.Errorf("run %s: step %d has no audit entry", o.RunID, o.Step)
		}
		ops = append(ops, numsync.PushOp{Outcome: o, PlanDigest: r.digest, Op: r.entries[o.Step-1].Op})
	}
	return ops, nil
}

// unfinishedListed is how many unfinished operations a command lists.
const unfinishedListed = 10

// printUnfinished says how many applied operations have not landed in
// Teams, by state, and lists the first of them with their errors.
func printUnfinished(ctx context.Context, w io.Writer, st numsync.Store) error {
	ops, err := unfinishedOps(ctx, st)
	if err != nil {
		return fmt.Errorf("reading what has not landed in Teams: %w", err)
	}
	if len(ops) == 0 {
		fmt.Fprintln(w, "teams: every applied operation has landed")
		return nil
	}
	by := map[numsync.PushState]int{}
	for _, op := range ops {
		by[op.Outcome.State]++
	}
	fmt.Fprintf(w, "teams: %d applied operations not landed yet (%d failed, %d pending, %d submitted); the next run's teams-apply.ps1 carries them out\n",
		len(ops), by[numsync.PushFailed], by[numsync.PushPending], by[numsync.PushSubmitted])
	for _, op := range ops[:min(len(ops), unfinishedListed)] {
		o := op.Outcome
		line := fmt.Sprintf("  %s step %d %s %s: %s %s", o.RunID, o.Step, op.Op.Action.Symbol(), op.Op.UPN, describeOp(op.Op), o.State)
		if o.Error != "" {
			line += ": " + o.Error
		}
		fmt.Fprintln(w, numsync.OneLine(line))
	}
	if len(ops) > unfinishedListed {
		fmt.Fprintf(w, "  … and %d more (all in the next run's reports)\n", len(ops)-unfinishedListed)
	}
	return nil
}
