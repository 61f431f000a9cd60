package planner

import (
	"context"
	"fmt"

	"github.com/numsync/numsync"
)

// CheckPush holds a push of an applied run's operations to the rules of an
// apply: the actor must hold an admin role (rule R15), and the run must not
// remove more assignments than opts.MaxRemoves of the store as it is now.
// It returns a [*NotAuthorizedError] or a [*HeldBackError] (whose Run is
// empty: a refused push records no run).
func CheckPush(ctx context.Context, st numsync.Store, ops []numsync.Op, opts ApplyOptions) error {
	if ok, err := authorized(ctx, st, opts.Actor); err != nil {
		return fmt.Errorf("push: reading admin roles: %w", err)
	} else if !ok {
		return &NotAuthorizedError{Actor: opts.Actor}
	}
	removes := (&numsync.Plan{Ops: ops}).Removals()
	if removes == 0 {
		return nil
	}
	current := 0
	if opts.MaxRemoves.Percent > 0 {
		t, err := st.Tenant(ctx)
		if err != nil {
			return fmt.Errorf("push: reading the tenant: %w", err)
		}
		current = len(t.Assignments)
	}
	if limit := opts.MaxRemoves.Limit(current); removes > limit {
		return &HeldBackError{Removes: removes, Limit: limit, Threshold: opts.MaxRemoves}
	}
	return nil
}
