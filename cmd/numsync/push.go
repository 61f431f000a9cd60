package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"go.uber.org/zap"

	"github.com/numsync/numsync"
	"github.com/numsync/numsync/graph"
	"github.com/numsync/numsync/planner"
	"github.com/numsync/numsync/store"
)

func init() {
	register(&command{name: "push", args: "[RUN_ID]", summary: "carry the newest applied run out in Teams through Microsoft Graph, resuming where the last push stopped", run: runPush})
}

func runPush(ctx context.Context, e *env, args []string) error {
	fs := e.flags("push", "[--dry-run] [--actor UPN] [--max-removes N|P%] [--wait] [RUN_ID]")
	dryRun := fs.Bool("dry-run", false, "print the Graph requests that would be sent, and send none")
	actor := fs.String("actor", "", "who pushes (default: actor from the config); must hold an admin role")
	maxRemoves := fs.String("max-removes", "", "raise the removal guard for this push: a count or a percentage")
	wait := fs.Bool("wait", false, "wait for another writer to finish instead of failing")
	if err := parse(fs, args, 0, 1); err != nil {
		return err
	}
	opts, err := e.applyOptions(*actor, *maxRemoves, *wait)
	if err != nil {
		return err
	}
	c, err := e.graphClient()
	if err != nil {
		return err
	}
	st, err := e.writableStore(ctx)
	if err != nil {
		return err
	}
	// One pusher at a time: two would send the same operations.
	release, err := e.hold(ctx, st, &opts)
	if err != nil {
		return err
	}
	defer release()
	return pushRun(ctx, e, st, c, fs.Arg(0), opts, *dryRun)
}

// errNoAppliedRun says there is nothing a push could carry out.
var errNoAppliedRun = errors.New("no run has been applied yet")

// pushRun carries applied run id (the newest applied run when id is
// empty) out in Teams, and reports what became of its operations. Only the
// newest applied run is pushed by name: an older one describes a state
// that later runs already changed. Without a run named, older runs whose
// push did not finish are dealt with first, oldest first: finished, so
// that Teams replays the store's history, or, when the runs are planned
// from what Teams has (teams.source), marked skipped as superseded by the
// newest run, which planned again whatever they did not carry out.
func pushRun(ctx context.Context, e *env, st *store.Store, c *graph.Client, id string, opts planner.ApplyOptions, dryRun bool) error {
	runs, err := st.Runs(ctx, 1000)
	if err != nil {
		return err
	}
	var newest *numsync.Run
	for i := range runs {
		if runs[i].Status == numsync.RunApplied {
			newest = &runs[i]
			break
		}
	}
	switch {
	case newest == nil:
		return errNoAppliedRun
	case id == "":
	case id != newest.ID:
		if _, err := st.Run(ctx, id); err != nil {
			return usageErr(fmt.Errorf("push: run %s: %w", id, err), "list the runs with 'numsync runs'")
		}
		return usageErr(fmt.Errorf("push: run %s is not the newest applied run (%s is); pushing it would undo what later runs applied", id, newest.ID),
			"push the newest run: numsync push "+newest.ID)
	}
	unfinished, err := st.UnfinishedOutcomes(ctx)
	if err != nil {
		return err
	}
	var older []string
	byRun := map[string][]numsync.OpOutcome{}
	for _, o := range unfinished {
		if o.RunID == newest.ID {
			continue
		}
		if o.Via == numsync.ViaGraph && !slices.Contains(older, o.RunID) {
			older = append(older, o.RunID)
		}
		byRun[o.RunID] = append(byRun[o.RunID], o)
	}
	teams, _ := e.cfg.teams()
	var errs []error
	for _, r := range older {
		if !teams.Source {
			errs = append(errs, pushOne(ctx, e, st, c, r, opts, dryRun))
			continue
		}
		skip := byRun[r]
		for i := range skip {
			skip[i].State, skip[i].Via, skip[i].Actor, skip[i].At = numsync.PushSkipped, numsync.ViaGraph, opts.Actor, time.Now()
			skip[i].ErrorCode, skip[i].Error = codeSuperseded, "run "+newest.ID+" was planned from what Teams had, and carries out what this run did not"
		}
		if !dryRun {
			if err := st.RecordOutcomes(ctx, skip); err != nil {
				return err
			}
		}
		fmt.Fprintf(e.stdout, "push %s: %d unfinished operations superseded by run %s\n", r, len(skip), newest.ID)
	}
	errs = append(errs, pushOne(ctx, e, st, c, newest.ID, opts, dryRun))
	return firstErr(errs)
}

// firstErr returns the first error that stops a command, else the first
// one that only changes its exit code.
func firstErr(errs []error) error {
	var coded error
	for _, err := range errs {
		var xe *exitError
		switch {
		case err == nil:
		case errors.As(err, &xe):
			if coded == nil {
				coded = err
			}
		default:
			return err
		}
	}
	return coded
}

// pushOne carries applied run id out in Teams.
func pushOne(ctx context.Context, e *env, st *store.Store, c *graph.Client, id string, opts planner.ApplyOptions, dryRun bool) error {
	entries, err := st.Audit(ctx, id, 0)
	if err != nil {
		return err
	}
	ops := make([]numsync.Op, len(entries))
	for i, a := range entries {
		ops[i] = a.Op
	}
	var (
		held  *planner.HeldBackError
		unath *planner.NotAuthorizedError
	)
	switch err := planner.CheckPush(ctx, st, ops, opts); {
	case errors.As(err, &held):
		return withCode(ExitHeldBack, fmt.Errorf("push of run %s %w", id, err), "if the removals are meant, raise the limit for this push with --max-removes N")
	case errors.As(err, &unath):
		return withCode(ExitNotAuthorized, err, "grant a role with 'numsync roles grant ACTOR TeamsTelephonyAdministrator', or set actor in the config / --actor")
	case err != nil:
		return err
	}
	outs, err := st.Outcomes(ctx, id)
	if err != nil {
		return err
	}
	t, err := st.Tenant(ctx)
	if err != nil {
		return err
	}
	ids := make(map[string]string, len(t.Users))
	for _, u := range t.Users {
		ids[u.Key()] = u.ObjectID
	}
	bar := e.newProgress("push", int64(len(ops)), "operations")
	res, err := c.Push(ctx, graph.PushRequest{
		RunID: id, Ops: ops, Outcomes: outs, Actor: opts.Actor, Recorder: st, DryRun: dryRun, DryRunOut: e.stdout,
		ObjectID: func(upn string) (string, bool) {
			oid := ids[numsync.UPNKey(upn)]
			return oid, oid != ""
		},
		Progress: func(n int) { bar.set(int64(n)) },
	})
	bar.finish()
	log := e.log.With(zap.String("run", id), zap.String("actor", opts.Actor))
	if dryRun {
		fmt.Fprintf(e.stdout, "push %s: dry run, nothing sent\n", id)
		return err
	}
	stats := c.Stats()
	log.Info("pushed", zap.Int("succeeded", res.Succeeded), zap.Int("failed", res.Failed), zap.Int("skipped", res.Skipped),
		zap.Int("drift", len(res.Drift)), zap.Int64("requests", stats.Requests), zap.Int64("throttled", stats.Throttled))
	fmt.Fprintf(e.stdout, "push %s: %d of %d operations done in Teams, %d failed, %d waiting, %d skipped (%d Graph requests, %d throttled)\n",
		id, res.Succeeded+res.Skipped, len(ops), res.Failed, res.Waiting, res.Skipped, stats.Requests, stats.Throttled)
	for _, o := range res.Outcomes {
		if o.State == numsync.PushFailed || (o.State == numsync.PushPending && o.Error != "") {
			op := ops[o.Step-1]
			fmt.Fprintf(e.stdout, "  step %d %s %s: %s %s: %s (attempt %d)\n", o.Step, op.Action, op.UPN, o.State, o.ErrorCode, o.Error, o.Attempts)
		}
	}
	for _, d := range res.Drift {
		fmt.Fprintf(e.stdout, "  drift: step %d %s %s: %s\n", d.Step, d.UPN, d.Number, d.Reason)
	}
	if len(res.Observed) > 0 {
		if oerr := st.RecordObserved(ctx, res.Observed, false); oerr != nil {
			return oerr
		}
	}
	if err != nil {
		return fmt.Errorf("push of run %s stopped: %w", id, err)
	}
	if res.Failed > 0 || res.Waiting > 0 || len(res.Drift) > 0 {
		return withCode(ExitRejected, fmt.Errorf("push of run %s: %d operations failed, %d wait on them, %d numbers drifted", id, res.Failed, res.Waiting, len(res.Drift)),
			"failed operations are tried again by the next push or run, up to teams.max_attempts times; see the errors above")
	}
	return nil
}
