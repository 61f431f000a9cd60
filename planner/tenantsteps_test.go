package planner

import (
	"context"
	"testing"

	"github.com/numsync/numsync"
)

// TestTenantSteps: with assignment blocks on, a removal blocks its number
// in Teams for the quarantine days unless the plan gives it out again; a
// quarantined number taken back is unblocked first; numbers of a tagged
// range get its tag.
func TestTenantSteps(t *testing.T) {
	ten := fixture()
	holds(alice, n(1), bob, n(2), carol, n(3))(ten)
	pol := numsync.Policy{QuarantineDays: 400, AssignmentBlock: true,
		Ranges: []numsync.Range{{Name: "tagged", First: n(4), Last: n(9), Tag: "Wave 1"}}}
	p := Plan(Input{Tenant: ten, Now: now, Policy: pol, Wishes: []numsync.Wish{
		wish(alice, ""),   // removed, but bob takes the number in this plan: no block
		wish(bob, n(1)),   // a change: the number it gives up is not blocked
		wish(carol, n(4)), // into the tagged range
		with(wish(dave, quarantine), func(w *numsync.Wish) { w.AllowQuarantined = true }),
	}})
	got := map[string]numsync.Op{}
	for _, op := range p.Ops {
		got[op.UPN+" "+string(op.Action)] = op
	}
	if op := got[alice+" remove"]; op.BlockDays != 0 {
		t.Errorf("alice's number goes to bob in the same plan, yet its removal blocks it: %+v", op)
	}
	if op := got[bob+" change"]; op.Unblock || op.Tag != "" {
		t.Errorf("bob's change: %+v, want no unblock and no tag", op)
	}
	if op := got[carol+" change"]; op.Tag != "Wave 1" {
		t.Errorf("carol's change into the tagged range: %+v", op)
	}
	if op := got[dave+" assign"]; !op.Unblock {
		t.Errorf("dave takes a quarantined number: %+v, want it unblocked first", op)
	}

	// Without the policy nothing is blocked; with it, for the quarantine
	// days.
	pol.AssignmentBlock = false
	p = Plan(Input{Tenant: ten, Now: now, Policy: pol, Wishes: []numsync.Wish{wish(bob, "")}})
	if len(p.Ops) != 1 || p.Ops[0].BlockDays != 0 {
		t.Errorf("ops %+v, want one unblocked removal", p.Ops)
	}
	pol.AssignmentBlock, pol.QuarantineDays = true, 30
	p = Plan(Input{Tenant: ten, Now: now, Policy: pol, Wishes: []numsync.Wish{wish(bob, "")}})
	if len(p.Ops) != 1 || p.Ops[0].BlockDays != 30 {
		t.Errorf("ops %+v, want bob's removal blocked for 30 days", p.Ops)
	}
}

// TestRollbackUnblocks: undoing a run that removed a number with a block
// assigns it back after clearing the block.
func TestRollbackUnblocks(t *testing.T) {
	ctx := context.Background()
	st, _ := seeded(t, alice, n(1))
	pol := numsync.Policy{QuarantineDays: 30, AssignmentBlock: true}
	p := planOn(t, st, pol, wish(alice, ""))
	if len(p.Ops) != 1 || p.Ops[0].BlockDays != 30 {
		t.Fatalf("removal %+v, want a 30-day block", p.Ops)
	}
	run, err := Apply(ctx, st, p, ApplyOptions{Actor: admin, MaxRemoves: numsync.DefaultMaxRemoves})
	if err != nil {
		t.Fatal(err)
	}
	back, err := Rollback(ctx, st, run.ID, RollbackOptions{Policy: pol})
	if err != nil {
		t.Fatal(err)
	}
	if len(back.Ops) != 1 || back.Ops[0].Action != numsync.Assign || !back.Ops[0].Unblock {
		t.Errorf("rollback %+v, want alice's number assigned back after an unblock", back.Ops)
	}
	// Reserved for someone else since, the number is not given back.
	back, err = Rollback(ctx, st, run.ID, RollbackOptions{Policy: pol, Reservations: []numsync.Reservation{{Number: n(1), UPN: bob}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(back.Ops) != 0 || len(back.Rejects) != 1 || back.Rejects[0].Code != numsync.Reserved {
		t.Errorf("rollback of a number reserved since: ops %+v rejects %+v, want one RESERVED", back.Ops, back.Rejects)
	}
}
