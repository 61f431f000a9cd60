package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/numsync/numsync"
	"github.com/numsync/numsync/reports"
)

func init() {
	register(&command{name: "ranges", summary: "show each number range: size, owned, assigned, free, quarantined, gaps and low stock", run: runRanges})
}

func runRanges(ctx context.Context, e *env, args []string) error {
	if err := parse(e.flags("ranges", ""), args, 0, 0); err != nil {
		return err
	}
	rs, err := e.cfg.ranges()
	if err != nil {
		return err
	}
	if len(rs) == 0 {
		return usageErr(errors.New("no number ranges are configured"), "define them under ranges: in the config, or name a CSV file with ranges_file:")
	}
	st, err := e.store(ctx)
	if err != nil {
		return err
	}
	t, err := st.Tenant(ctx)
	if err != nil {
		return err
	}
	j := &job{tenant: t}
	if err := j.readInventoryState(ctx, st); err != nil {
		return err
	}
	now := time.Now()
	x := numsync.NewTenantIndex(t)
	us := numsync.RangeUsages(t, rs, x.Taken, numsync.ActiveReservations(j.reservations, now), now, e.cfg.Policy.QuarantineDays)
	numsync.RangeRunways(t, us, j.taken, j.historyStart, now, numsync.CapacityWindow)
	fmt.Fprintf(e.stdout, "number ranges at store revision %d\n", t.Revision)
	reports.WriteRangeTable(e.stdout, us)
	return nil
}
