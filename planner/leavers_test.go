package planner

import (
	"testing"

	"github.com/numsync/numsync"
)

// inactive marks the user upn disabled (or absent) since the given days ago.
func inactive(upn string, absent bool, days int) func(*numsync.Tenant) {
	return func(t *numsync.Tenant) {
		for i := range t.Users {
			if t.Users[i].Key() == upn {
				t.Users[i].Enabled = absent
				t.Users[i].Absent = absent
				t.Users[i].InactiveSince = now.AddDate(0, 0, -days)
			}
		}
	}
}

func setups(fs ...func(*numsync.Tenant)) func(*numsync.Tenant) {
	return func(t *numsync.Tenant) {
		for _, f := range fs {
			f(t)
		}
	}
}

func TestLeavers(t *testing.T) {
	after30 := numsync.Policy{Leavers: &numsync.LeaversPolicy{AfterDays: 30}}
	for _, c := range []planCase{
		{
			name:   "DisabledAndGoneLongEnoughLoseTheirNumbers",
			setup:  setups(holds(alice, n(1), bob, n(2), carol, n(3)), inactive(alice, false, 31), inactive(bob, true, 30), inactive(carol, false, 29)),
			policy: after30,
			ops: []string{
				"- alice@example.com Primary +14255550101 -> none",
				"- bob@example.com Primary +14255550102 -> none",
			},
			counts: &numsync.Counts{Remove: 2, Leavers: 2},
		},
		{
			name:   "OffWithoutPolicy",
			setup:  setups(holds(alice, n(1)), inactive(alice, false, 400)),
			policy: numsync.Policy{},
		},
		{
			name: "NeverTheNumbersOfHoldersOutsideTheDirectory",
			setup: func(t *numsync.Tenant) {
				t.Assignments = append(t.Assignments, numsync.Assignment{UPN: "stranger@example.com", Category: numsync.Primary, Number: numsync.Number{E164: n(4)}, Type: numsync.CallingPlan})
			},
			policy: numsync.Policy{Leavers: &numsync.LeaversPolicy{}},
		},
		{
			name:   "TheirNumberCanBeTakenInTheSamePlan",
			setup:  setups(holds(alice, n(1)), inactive(alice, false, 31)),
			policy: after30,
			wishes: []numsync.Wish{wish(dave, n(1))},
			ops: []string{
				"- alice@example.com Primary +14255550101 -> none",
				"+ dave@example.com Primary none -> +14255550101",
			},
		},
		{
			name:   "ARowThatRemovesDecidesAndARefusedRowDoesNot",
			setup:  setups(holds(alice, n(1), bob, n(2)), inactive(alice, false, 31), inactive(bob, false, 31)),
			policy: after30,
			wishes: []numsync.Wish{wish(alice, ""), wish(bob, n(5))},
			ops: []string{
				"- alice@example.com Primary +14255550101 -> none",
				"- bob@example.com Primary +14255550102 -> none",
			},
			reject: []string{"bob@example.com USER_DISABLED"},
			counts: &numsync.Counts{Remove: 2, Leavers: 1, Rejected: 1},
		},
		{
			name:   "AuthoritativeModeCountsThemOnce",
			setup:  setups(holds(alice, n(1), bob, n(2)), inactive(alice, false, 31)),
			policy: numsync.Policy{Mode: numsync.Authoritative, Leavers: &numsync.LeaversPolicy{AfterDays: 30}},
			ops: []string{
				"- alice@example.com Primary +14255550101 -> none",
				"- bob@example.com Primary +14255550102 -> none",
			},
			counts: &numsync.Counts{Remove: 2, Leavers: 1},
		},
	} {
		t.Run(c.name, c.run)
	}
}

// TestLeaverOpsAreMarked: the plan says which removals the policy made,
// and the removal guard counts them.
func TestLeaverOpsAreMarked(t *testing.T) {
	ten := fixture()
	setups(holds(alice, n(1), bob, n(2)), inactive(alice, false, 40))(ten)
	p := Plan(Input{Tenant: ten, Now: now, Policy: numsync.Policy{Leavers: &numsync.LeaversPolicy{AfterDays: 30}},
		Wishes: []numsync.Wish{wish(bob, "")}})
	var leavers, others int
	for _, op := range p.Ops {
		if op.Leaver {
			leavers++
			if op.UPN != alice || op.Source != nil {
				t.Errorf("leaver op %+v", op)
			}
		} else {
			others++
		}
	}
	if leavers != 1 || others != 1 || p.Removals() != 2 {
		t.Errorf("%d leaver ops, %d others, %d removals counted; want 1, 1, 2", leavers, others, p.Removals())
	}
}
