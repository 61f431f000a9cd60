package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/numsync/numsync"
	"github.com/numsync/numsync/planner"
	"github.com/numsync/numsync/store"
)

func init() {
	register(&command{name: "rollback", args: "RUN_ID|last", summary: "plan the undoing of an applied run (dry-run unless --apply)", run: runRollback})
	register(&command{name: "runs", summary: "list recent runs with their status and counts", run: runRuns})
}

func runRollback(ctx context.Context, e *env, args []string) error {
	fs := e.flags("rollback", "[--apply] [--actor UPN] [--wait] RUN_ID")
	doApply := fs.Bool("apply", false, "apply the rollback plan (default: only plan it and write the reports)")
	actor := fs.String("actor", "", "who applies (default: actor from the config)")
	wait := fs.Bool("wait", false, "wait for another writer to finish instead of failing")
	notify := fs.Bool("notify", false, "email the users whose numbers are restored")
	if err := parse(fs, args, 1, 1); err != nil {
		return err
	}
	open := e.store
	if *doApply {
		open = e.writableStore
	}
	st, err := open(ctx)
	if err != nil {
		return err
	}
	runID, err := resolveRunID(ctx, st, fs.Arg(0))
	if err != nil {
		return err
	}
	j := &job{started: time.Now()}
	if j.tenant, err = st.Tenant(ctx); err != nil {
		return err
	}
	if err := j.readInventoryState(ctx, st); err != nil {
		return err
	}
	j.plan, err = planner.Rollback(ctx, st, runID, planner.RollbackOptions{Policy: e.cfg.policy(), Reservations: j.reservations, Now: j.started, Notify: *notify})
	if err != nil {
		return usageErr(err, "list runs with 'numsync runs'")
	}
	id := "rollback-" + runID
	if !*doApply {
		if err := e.writeReports(j, e.reportDir(id+"-plan"), nil); err != nil {
			return err
		}
		if len(j.plan.Ops) > 0 {
			fmt.Fprintf(e.stdout, "to carry it out: numsync rollback --apply %s\n", runID)
		}
		return outcome(j)
	}
	opts, err := e.applyOptions(*actor, "", *wait)
	if err != nil {
		return err
	}
	// A rollback restores what a run removed: the guard is for sheets.
	opts.MaxRemoves.Count, opts.MaxRemoves.Percent = len(j.plan.Ops), 0
	return applyAndReport(ctx, e, st, j, opts, id)
}

// resolveRunID reads a run id, where "last" means the latest applied run.
func resolveRunID(ctx context.Context, st *store.Store, id string) (string, error) {
	if id != "last" {
		return id, nil
	}
	runs, err := st.Runs(ctx, 1000)
	if err != nil {
		return "", err
	}
	for _, r := range runs {
		if r.Status == numsync.RunApplied {
			return r.ID, nil
		}
	}
	return "", usageErr(errors.New("no applied run to roll back"), "list runs with 'numsync runs'")
}

func runRuns(ctx context.Context, e *env, args []string) error {
	fs := e.flags("runs", "[-n N]")
	n := fs.Int("n", 20, "how many runs to list")
	if err := parse(fs, args, 0, 0); err != nil {
		return err
	}
	st, err := e.store(ctx)
	if err != nil {
		return err
	}
	runs, err := st.Runs(ctx, *n)
	if err != nil {
		return err
	}
	for _, r := range runs {
		c := r.Counts
		fmt.Fprintf(e.stdout, "%s  %-26s %-24s +%d ~%d -%d  rejected %d  blocked %d  rev %d\n",
			r.ID, r.Status, r.Actor, c.Assign, c.Change, c.Remove, c.Rejected, c.Blocked, r.Revision)
	}
	return nil
}
