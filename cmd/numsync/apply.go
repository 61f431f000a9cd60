package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/numsync/numsync"
	"github.com/numsync/numsync/planner"
)

func init() {
	register(&command{name: "apply", args: "PLANFILE", summary: "apply exactly the reviewed plan, all or nothing (refused when the store changed since)", run: runApply})
}

func runApply(ctx context.Context, e *env, args []string) error {
	fs := e.flags("apply", "[--actor UPN] [--max-removes N|P%] [--wait] PLANFILE")
	actor := fs.String("actor", "", "who applies (default: actor from the config); must hold an admin role")
	maxRemoves := fs.String("max-removes", "", "raise the removal guard for this run: a count or a percentage")
	wait := fs.Bool("wait", false, "wait for another writer to finish instead of failing")
	if err := parse(fs, args, 1, 1); err != nil {
		return err
	}
	opts, err := e.applyOptions(*actor, *maxRemoves, *wait)
	if err != nil {
		return err
	}
	f, err := os.Open(fs.Arg(0))
	if err != nil {
		return usageErr(err, "give the plan.json that 'numsync plan' wrote")
	}
	defer f.Close()
	st, err := e.writableStore(ctx)
	if err != nil {
		return err
	}
	// The lock first: a second apply fails on it (or waits) before reading
	// the whole tenant, which takes seconds and GBs at a million users.
	release, err := e.hold(ctx, st, &opts)
	if err != nil {
		return err
	}
	defer release()
	// The snapshot the reports need is read while the plan file is read
	// and checked: neither needs the other, and each takes a core.
	type snapshot struct {
		t   *numsync.Tenant
		err error
	}
	snapCtx, stopSnap := context.WithCancel(ctx)
	defer stopSnap()
	snap := make(chan snapshot, 1)
	go func() {
		t, err := st.Tenant(snapCtx)
		snap <- snapshot{t, err}
	}()
	p, digest, err := planner.ReadPlanDigest(f)
	if err != nil {
		stopSnap() // a refused plan needs no snapshot
		<-snap
		return usageErr(fmt.Errorf("%s: %w", fs.Arg(0), err), "give the plan.json that 'numsync plan' wrote, unedited")
	}
	s := <-snap
	if s.err != nil {
		return fmt.Errorf("reading the store: %w", s.err)
	}
	opts.PlanDigest = digest
	j := &job{plan: p, tenant: s.t, started: time.Now()}
	return applyAndReport(ctx, e, st, j, opts, "apply-"+j.started.UTC().Format("20060102T150405.000Z"))
}
