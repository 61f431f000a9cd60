package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/numsync/numsync"
	"github.com/numsync/numsync/importer"
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
	st, err := e.writableStore(ctx)
	if err != nil {
		return err
	}
	outs, superseded, err := stepOutcomes(ctx, st, results, *actor)
	if err != nil {
		return err
	}
	if superseded > 0 {
		fmt.Fprintf(e.stdout, "%d operations of the file were superseded by an inventory load since; their rows are left out\n", superseded)
	}
	if err := st.RecordOutcomes(ctx, outs); err != nil {
		return err
	}
	tally := map[numsync.PushState]int{}
	for _, o := range outs {
		tally[o.State]++
	}
	fmt.Fprintf(e.stdout, "recorded %d outcomes from %s: %d done, %d already done, %d failed, %d skipped\n", len(outs), path,
		tally[numsync.ScriptDone.PushState()], tally[numsync.ScriptAlreadyDone.PushState()], tally[numsync.ScriptFailed.PushState()], tally[numsync.ScriptSkipped.PushState()])
	return printUnfinished(ctx, e.stdout, st)
}

// stepOutcomes turns the rows of a results file into outcomes of applied
// operations: each row's plan digest names the applied run, and its step
// one of that run's operations. A step listed more than once keeps its
// last row, the latest attempt. A digest or step that names no applied
// operation of this store is an error naming the row, and nothing is
// recorded. Rows of operations an inventory load superseded are left out
// (and counted): the store holds Teams' state since, and a late "failed"
// must not make the next run replay them.
func stepOutcomes(ctx context.Context, st numsync.Store, results []numsync.StepResult, actor string) ([]numsync.OpOutcome, int, error) {
	runs, err := st.Runs(ctx, 0)
	if err != nil {
		return nil, 0, err
	}
	byDigest := map[string][]numsync.Run{}
	for _, r := range runs {
		if r.Status == numsync.RunApplied && r.PlanDigest != "" {
			byDigest[r.PlanDigest] = append(byDigest[r.PlanDigest], r)
		}
	}
	current := map[string][]numsync.OpOutcome{} // run id -> its outcomes by step
	type key struct {
		run  string
		step int
	}
	last := map[key]int{}
	var outs []numsync.OpOutcome
	superseded := map[key]bool{}
	for _, r := range results {
		where := r.Source.String()
		match := byDigest[r.PlanDigest]
		switch len(match) {
		case 0:
			return nil, 0, usageErr(fmt.Errorf("%s: plan %s was not applied to this store", where, r.PlanDigest),
				"import the results into the store whose run wrote the script; a script of a dry-run plan changes Teams without the store knowing: apply that plan, then import")
		case 1:
		default:
			return nil, 0, fmt.Errorf("%s: plan %s was applied by %d runs (%s, %s, …); cannot tell which one the row means", where, r.PlanDigest, len(match), match[0].ID, match[1].ID)
		}
		run := match[0].ID
		have, ok := current[run]
		if !ok {
			if have, err = st.Outcomes(ctx, run); err != nil {
				return nil, 0, err
			}
			current[run] = have
		}
		if r.Step > len(have) {
			return nil, 0, usageErr(fmt.Errorf("%s: run %s applied %d operations, there is no step %d", where, run, len(have), r.Step), "")
		}
		k := key{run, r.Step}
		if have[r.Step-1].ErrorCode == codeSuperseded {
			superseded[k] = true
			continue
		}
		o := numsync.OpOutcome{RunID: run, Step: r.Step, State: r.Outcome.PushState(), Error: r.Error,
			Attempts: r.Attempts, Via: numsync.ViaPowerShell, At: r.At, Actor: actor}
		if i, ok := last[k]; ok {
			outs[i] = o
			continue
		}
		last[k] = len(outs)
		outs = append(outs, o)
	}
	return outs, len(superseded), nil
}

// unfinishedOps returns the applied operations that have not landed in
// Teams, oldest first, each with its run's plan digest and the operation
// as the audit log keeps it. applied, when set, is a run this process just
// applied with its plan: its operations are taken from the plan instead of
// read back from the audit log.
func unfinishedOps(ctx context.Context, st numsync.Store, applied *job) ([]numsync.PushOp, error) {
	outs, err := st.UnfinishedOutcomes(ctx)
	if err != nil || len(outs) == 0 {
		return nil, err
	}
	type runOps struct {
		digest string
		ops    []numsync.Op
	}
	runs := map[string]runOps{}
	if applied != nil && applied.run != nil && applied.run.Status == numsync.RunApplied {
		runs[applied.run.ID] = runOps{applied.run.PlanDigest, applied.plan.Ops}
	}
	list := make([]numsync.PushOp, 0, len(outs))
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
			r = runOps{run.PlanDigest, make([]numsync.Op, len(entries))}
			for i := range entries {
				r.ops[i] = entries[i].Op
			}
			runs[o.RunID] = r
		}
		if o.Step > len(r.ops) {
			return nil, fmt.Errorf("run %s: step %d has no audit entry", o.RunID, o.Step)
		}
		list = append(list, numsync.PushOp{Outcome: o, PlanDigest: r.digest, Op: r.ops[o.Step-1]})
	}
	return list, nil
}

// codeSuperseded is the error code of an operation an inventory load
// superseded before it landed in Teams.
const codeSuperseded = "SUPERSEDED"

// supersedeUnfinished records, after an inventory import, that the
// operations that had not landed in Teams are no longer to be carried out:
// the store took the tenant's assignments from the import, and the next
// plan plans any difference from the sheets again. Replaying them as well
// would send stale operations over the tenant's state. They are recorded
// as skipped with the code SUPERSEDED; it returns how many there were.
func supersedeUnfinished(ctx context.Context, st numsync.Store, source, actor string) (int, error) {
	outs, err := st.UnfinishedOutcomes(ctx)
	if err != nil || len(outs) == 0 {
		return 0, err
	}
	now := time.Now()
	for i := range outs {
		o := &outs[i]
		o.State, o.ErrorCode, o.At, o.Actor = numsync.PushSkipped, codeSuperseded, now, actor
		o.Error = "superseded by the inventory loaded from " + source + ", which the store now holds as Teams' state"
	}
	if err := st.RecordOutcomes(ctx, outs); err != nil {
		return 0, fmt.Errorf("recording the operations the inventory supersedes: %w", err)
	}
	return len(outs), nil
}

// unfinishedListed is how many unfinished operations a command lists.
const unfinishedListed = 10

// printUnfinished says how many applied operations have not landed in
// Teams, by state, and lists the first of them with their errors.
func printUnfinished(ctx context.Context, w io.Writer, st numsync.Store) error {
	ops, err := unfinishedOps(ctx, st, nil)
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
