package main

import (
	"context"
	"errors"
	"fmt"

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
	st, err := e.store(ctx)
	if err != nil {
		return err
	}
	// One pusher at a time: two would send the same operations.
	release, err := planner.Hold(ctx, st, opts)
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
// newest applied run is pushed: an older one describes a state that later
// runs already changed.
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
		id = newest.ID
	case id != newest.ID:
		if _, err := st.Run(ctx, id); err != nil {
			return usageErr(fmt.Errorf("push: run %s: %w", id, err), "list the runs with 'numsync runs'")
		}
		return usageErr(fmt.Errorf("push: run %s is not the newest applied run (%s is); pushing it would undo what later runs applied", id, newest.ID),
			"push the newest run: numsync push "+newest.ID)
	}
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
	fmt.Fprintf(e.stdout, "push %s: %d of %d operations done in Teams, %d failed, %d skipped (%d Graph requests, %d throttled)\n",
		id, res.Succeeded, len(ops), res.Failed, res.Skipped, stats.Requests, stats.Throttled)
	for _, o := range res.Outcomes {
		if o.State == numsync.PushFailed || o.State == numsync.PushSkipped {
			op := ops[o.Step-1]
			fmt.Fprintf(e.stdout, "  step %d %s %s: %s %s: %s (attempt %d)\n", o.Step, op.Action, op.UPN, o.State, o.ErrorCode, o.Error, o.Attempts)
		}
	}
	for _, d := range res.Drift {
		fmt.Fprintf(e.stdout, "  drift: step %d %s %s: %s\n", d.Step, d.UPN, d.Number, d.Reason)
	}
	if err != nil {
		return fmt.Errorf("push of run %s stopped: %w", id, err)
	}
	if res.Failed > 0 || len(res.Drift) > 0 {
		return withCode(ExitRejected, fmt.Errorf("push of run %s: %d operations failed, %d numbers drifted", id, res.Failed, len(res.Drift)),
			"failed operations are tried again by the next push or run, up to teams.max_attempts times; see the errors above")
	}
	return nil
}
