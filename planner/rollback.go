package planner

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"github.com/numsync/numsync"
)

// RollbackOptions tunes [Rollback].
type RollbackOptions struct {
	// Policy: RequirePhoneLicense is honoured, and QuarantineDays with
	// AssignmentBlock (numbers given back are unblocked in Teams). A
	// rollback is always a merge (it touches only what the run touched) and
	// may take back numbers the run released, quarantine or not.
	Policy numsync.Policy
	// Reservations made since the run still hold: a number reserved for
	// someone else is not given back (RESERVED).
	Reservations []numsync.Reservation
	// Now is the clock of the plan (default time.Now).
	Now time.Time
	// Notify emails the identities whose numbers are restored.
	Notify bool
}

// Rollback builds the plan that undoes an applied run: every assignment the
// run touched goes back to what it was before the run. An assignment that
// was changed since (by a later run or an import) is rejected with
// [numsync.ChangedSince]; the rest is checked like any plan against the current
// tenant (a number restored to one identity but held by another since is
// NUMBER_TAKEN, a user disabled since is USER_DISABLED…), and ordered like
// any plan. The result is an ordinary plan at the current revision: review
// it, then carry it out with [Apply].
//
// The rows of a rollback plan have as source "run <id>" and, as line, the
// audit sequence number of the run's first operation on that assignment.
func Rollback(ctx context.Context, st numsync.Store, runID string, opts RollbackOptions) (*numsync.Plan, error) {
	run, err := st.Run(ctx, runID)
	if err != nil {
		return nil, fmt.Errorf("rollback: %w", err)
	}
	if run.Status != numsync.RunApplied {
		return nil, fmt.Errorf("rollback: run %s changed nothing (status %s), so there is nothing to roll back", run.ID, run.Status)
	}
	entries, err := st.Audit(ctx, run.ID, 0)
	if err != nil {
		return nil, fmt.Errorf("rollback: reading the audit of run %s: %w", run.ID, err)
	}
	var last int64
	for _, e := range entries {
		last = max(last, e.Seq)
	}
	later, err := st.Audit(ctx, "", last)
	if err != nil {
		return nil, fmt.Errorf("rollback: reading the audit after run %s: %w", run.ID, err)
	}
	tenant, err := st.Tenant(ctx)
	if err != nil {
		return nil, fmt.Errorf("rollback: reading the tenant: %w", err)
	}
	clock := opts.Now
	if clock.IsZero() {
		clock = time.Now()
	}

	// What the run did to each assignment, from its first to its last
	// operation on it (a swap writes a remove and an assign for one slot).
	type span struct {
		first  numsync.AuditEntry
		before *numsync.Holding
		after  *numsync.Holding
	}
	var order []numsync.Slot
	spans := make(map[numsync.Slot]*span)
	for _, e := range entries {
		s := numsync.SlotOf(e.Op.UPN, e.Op.Category)
		sp := spans[s]
		if sp == nil {
			sp = &span{first: e, before: e.Op.Before}
			spans[s] = sp
			order = append(order, s)
		}
		sp.after = e.Op.After
	}
	changedBy := make(map[numsync.Slot]numsync.AuditEntry)
	for _, e := range later {
		s := numsync.SlotOf(e.Op.UPN, e.Op.Category)
		if _, seen := changedBy[s]; !seen && e.RunID != run.ID {
			changedBy[s] = e
		}
	}
	current, _ := slotsOf(tenant)

	var wishes []numsync.Wish
	var conflicts []numsync.Issue
	for _, s := range order {
		sp := spans[s]
		if sameHolding(sp.before, sp.after) {
			continue
		}
		w := numsync.Wish{
			UPN:              sp.first.Op.UPN,
			Category:         s.Category,
			Notify:           opts.Notify,
			AllowQuarantined: true,
			Source:           numsync.Source{File: "run " + run.ID, Line: int(sp.first.Seq)},
		}
		if sp.before != nil {
			w.Number, w.Type, w.LocationID = sp.before.Number, sp.before.Type, sp.before.Location
		}
		var now *numsync.Holding
		if a := current[s]; a != nil {
			now = holdingOf(a)
		}
		msg := ""
		if e, ok := changedBy[s]; ok {
			msg = fmt.Sprintf("run %s (%s, %s) changed this assignment after run %s", e.RunID, e.Actor, e.At.UTC().Format(time.RFC3339), run.ID)
		} else if !sameHolding(now, sp.after) {
			msg = fmt.Sprintf("this assignment is now %s, not %s as run %s left it: it was changed outside numsync since",
				describe(now), describe(sp.after), run.ID)
		}
		if msg != "" {
			conflicts = append(conflicts, numsync.Issue{
				Code: numsync.ChangedSince, UPN: w.UPN, Number: w.Number.String(), File: w.Source.File, Line: w.Source.Line,
				Message: msg, Hint: "restore it by hand in a sheet if it should still go back",
			})
			continue
		}
		wishes = append(wishes, w)
	}
	return Plan(Input{
		Tenant:       tenant,
		Wishes:       wishes,
		SheetRejects: conflicts,
		// The quarantine and the block policy come along so that numbers
		// the run blocked in Teams are unblocked when they go back.
		Policy: numsync.Policy{Mode: numsync.Merge, RequirePhoneLicense: opts.Policy.RequirePhoneLicense,
			QuarantineDays: opts.Policy.QuarantineDays, AssignmentBlock: opts.Policy.AssignmentBlock},
		Reservations: opts.Reservations,
		Now:          clock,
		InputsDigest: auditDigest(run.ID, entries),
	}), nil
}

func sameHolding(a, b *numsync.Holding) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

func describe(h *numsync.Holding) string {
	if h == nil {
		return "no number"
	}
	return h.Number.String()
}

// auditDigest identifies what a rollback plan was computed from: the run
// and its audit entries.
func auditDigest(runID string, entries []numsync.AuditEntry) string {
	h := sha256.New()
	fmt.Fprintf(h, "rollback %s\n", runID)
	enc := json.NewEncoder(h)
	for _, e := range entries {
		// Audit entries are plain values; encoding cannot fail.
		_ = enc.Encode(e)
	}
	return hex.EncodeToString(h.Sum(nil))
}
