package planner

import (
	"slices"
	"testing"

	"github.com/numsync/numsync"
)

type planCase struct {
	name    string
	setup   func(*numsync.Tenant) // current assignments and tenant tweaks
	policy  numsync.Policy
	wishes  []numsync.Wish
	rejects []numsync.Issue // sheet rejects from the importer
	refused []string        // RejectedUPNs
	ops     []string        // opLine of each operation, in plan order
	reject  []string        // "upn CODE" of each reject, in plan order
	blocked []string
	warn    []string
	counts  *numsync.Counts // checked when set (RowsRead/Sheets ignored)
	pairs   [][2]int        // steps (from 1) linked as one change, checked when set
	// final is who holds what after replaying the ops (only slots listed).
	final map[string]string
}

func (c planCase) run(t *testing.T) {
	t.Helper()
	ten := fixture()
	if c.setup != nil {
		c.setup(ten)
	}
	p := Plan(Input{Tenant: ten, Wishes: c.wishes, SheetRejects: c.rejects, RejectedUPNs: c.refused, Policy: c.policy, Now: now})
	if got := opLines(p); !slices.Equal(got, nonNil(c.ops)) {
		t.Errorf("ops:\n  got  %q\n  want %q", got, c.ops)
	}
	if got := codes(p.Rejects); !slices.Equal(got, nonNil(c.reject)) {
		t.Errorf("rejects:\n  got  %q\n  want %q\n  %+v", got, c.reject, p.Rejects)
	}
	if got := codes(p.Blocked); !slices.Equal(got, nonNil(c.blocked)) {
		t.Errorf("blocked:\n  got  %q\n  want %q", got, c.blocked)
	}
	if got := codes(p.Warnings); !slices.Equal(got, nonNil(c.warn)) {
		t.Errorf("warnings:\n  got  %q\n  want %q", got, c.warn)
	}
	if c.counts != nil && p.Counts != *c.counts {
		t.Errorf("counts: got %+v, want %+v", p.Counts, *c.counts)
	}
	// One row, one outcome: counting the operations (a linked pair as one
	// change) gives the rows' counts, as every report does.
	var byOps numsync.Counts
	for i, op := range p.Ops {
		byOps.Add(op)
		if op.Pair != 0 {
			other := p.Ops[op.Pair-1]
			if other.Pair != i+1 || numsync.UPNKey(other.UPN) != numsync.UPNKey(op.UPN) || *other.Source != *op.Source {
				t.Errorf("step %d is paired with step %d, which does not pair back with the same identity and row: %+v", i+1, op.Pair, other)
			}
		}
	}
	if byOps.Assign != p.Counts.Assign || byOps.Change != p.Counts.Change || byOps.Remove != p.Counts.Remove {
		t.Errorf("operations count as %d/%d/%d (assign/change/remove), the rows as %d/%d/%d",
			byOps.Assign, byOps.Change, byOps.Remove, p.Counts.Assign, p.Counts.Change, p.Counts.Remove)
	}
	if c.pairs != nil {
		var got [][2]int
		for i, op := range p.Ops {
			if op.Pair > i+1 {
				got = append(got, [2]int{i + 1, op.Pair})
			}
		}
		if !slices.Equal(got, c.pairs) {
			t.Errorf("paired steps = %v, want %v", got, c.pairs)
		}
	}
	if p.Revision != ten.Revision || p.Version != numsync.PlanVersion {
		t.Errorf("plan at revision %d version %d, want %d %d", p.Revision, p.Version, ten.Revision, numsync.PlanVersion)
	}
	final := replay(t, ten, p.Ops)
	for k, want := range c.final {
		if final[k] != want {
			t.Errorf("after the plan %s holds %q, want %q", k, final[k], want)
		}
	}
	for _, r := range p.Rejects {
		if r.Message == "" || (r.File == "" && r.Code != numsync.NotAuthorized) {
			t.Errorf("reject without message or place: %+v", r)
		}
	}
}

func holds(assign ...string) func(*numsync.Tenant) {
	return func(t *numsync.Tenant) {
		for i := 0; i < len(assign); i += 2 {
			hold(t, assign[i], numsync.Primary, assign[i+1])
		}
	}
}

// heldOutside makes num held by a resource account numsync does not know.
func heldOutside(num string) func(*numsync.Tenant) {
	return func(t *numsync.Tenant) {
		for i := range t.Numbers {
			if t.Numbers[i].E164 == num {
				t.Numbers[i].Outside = numsync.OutsideHolder{ID: "6f1e2d3c-aaaa-4bbb-8ccc-123456789abc", Type: "ResourceAccount", Category: numsync.Primary}
			}
		}
	}
}

const (
	alice = "alice@example.com"
	bob   = "bob@example.com"
	carol = "carol@example.com"
	dave  = "dave@example.com"
)

func TestRules(t *testing.T) {
	cases := []planCase{
		{name: "AssignFreeNumber", wishes: []numsync.Wish{wish(alice, n(1))},
			ops:    []string{"+ alice@example.com Primary none -> +14255550101"},
			counts: &numsync.Counts{Assign: 1}},
		{name: "UnchangedRowIsCountedNotPlanned", setup: holds(alice, n(1)), wishes: []numsync.Wish{wish(alice, n(1))},
			counts: &numsync.Counts{Unchanged: 1}},
		{name: "UnchangedRowIsNotCheckedAgain", setup: holds("gone@example.com", n(1)),
			wishes: []numsync.Wish{wish("gone@example.com", n(1))}, counts: &numsync.Counts{Unchanged: 1}},
		{name: "ChangeNumber", setup: holds(alice, n(1)), wishes: []numsync.Wish{wish(alice, n(2))},
			ops: []string{"~ alice@example.com Primary +14255550101 -> +14255550102"}, counts: &numsync.Counts{Change: 1}},
		{name: "ChangeLocationOnly", setup: holds(alice, n(1)),
			wishes: []numsync.Wish{with(wish(alice, n(1)), func(w *numsync.Wish) { w.LocationID = "loc-sea" })},
			ops:    []string{"~ alice@example.com Primary +14255550101 -> +14255550101@loc-sea"}},
		{name: "RemoveRow", setup: holds(alice, n(1)), wishes: []numsync.Wish{wish(alice, "")},
			ops: []string{"- alice@example.com Primary +14255550101 -> none"}, counts: &numsync.Counts{Remove: 1}},
		{name: "RemoveWhenNothingHeldIsUnchanged", wishes: []numsync.Wish{wish(alice, "")}, counts: &numsync.Counts{Unchanged: 1}},
		{name: "RemoveFromDisabledUserAllowed", setup: holds("gone@example.com", n(1)), wishes: []numsync.Wish{wish("gone@example.com", "")},
			ops: []string{"- gone@example.com Primary +14255550101 -> none"}},
		{name: "RemoveForUnknownUserHoldingNothing", wishes: []numsync.Wish{wish("nobody@example.com", "")},
			reject: []string{"nobody@example.com UNKNOWN_USER"}},
		{name: "UnknownUser", wishes: []numsync.Wish{wish("nobody@example.com", n(1))}, reject: []string{"nobody@example.com UNKNOWN_USER"}},
		{name: "AbsentUserIsUnknown", wishes: []numsync.Wish{wish("absent@example.com", n(1))}, reject: []string{"absent@example.com UNKNOWN_USER"}},
		{name: "UserDisabled", wishes: []numsync.Wish{wish("gone@example.com", n(1))}, reject: []string{"gone@example.com USER_DISABLED"}},
		{name: "UPNMatchedWithoutCase", wishes: []numsync.Wish{wish("Alice@Example.COM", n(1))},
			ops: []string{"+ alice@example.com Primary none -> +14255550101"}},
		{name: "CallingPlanNotInInventory",
			wishes: []numsync.Wish{with(wish(alice, "+14255550777"), func(w *numsync.Wish) { w.Type = numsync.CallingPlan })},
			reject: []string{"alice@example.com NOT_IN_INVENTORY"}},
		{name: "EmptyTypeNotInInventory", wishes: []numsync.Wish{wish(alice, "+14255550777")},
			reject: []string{"alice@example.com NOT_IN_INVENTORY"}},
		{name: "DirectRoutingOutsideInventoryAllowed",
			wishes: []numsync.Wish{with(wish(alice, drOutside), func(w *numsync.Wish) { w.Type = numsync.DirectRouting })},
			ops:    []string{"+ alice@example.com Primary none -> +12065550100"}},
		{name: "TypeMismatch",
			wishes: []numsync.Wish{with(wish(alice, n(1)), func(w *numsync.Wish) { w.Type = numsync.OperatorConnect })},
			reject: []string{"alice@example.com TYPE_MISMATCH"}},
		{name: "EmptyTypeTakesInventorys", wishes: []numsync.Wish{wish(alice, drNumber)},
			ops: []string{"+ alice@example.com Primary none -> +14255550500"}},
		{name: "ConferenceNumberNeverToUser", wishes: []numsync.Wish{wish(alice, conference)}, reject: []string{"alice@example.com CAPABILITY"}},
		{name: "ResourceAccountNeedsVoiceAppNumber", wishes: []numsync.Wish{wish("aa@example.com", n(1))},
			reject: []string{"aa@example.com CAPABILITY"}},
		{name: "ResourceAccountGetsVoiceAppNumber", wishes: []numsync.Wish{wish("aa@example.com", voiceApp)},
			ops: []string{"+ aa@example.com Primary none -> +14255550400"}},
		{name: "UserCannotTakeVoiceAppNumber", wishes: []numsync.Wish{wish(alice, voiceApp)}, reject: []string{"alice@example.com CAPABILITY"}},
		{name: "NumberTaken", setup: holds(bob, n(1)), wishes: []numsync.Wish{wish(alice, n(1))},
			reject: []string{"alice@example.com NUMBER_TAKEN"}, counts: &numsync.Counts{Rejected: 1}},
		{name: "NumberHeldOutsideTheDirectory", setup: heldOutside(n(3)), wishes: []numsync.Wish{wish(alice, n(3))},
			reject: []string{"alice@example.com NUMBER_TAKEN"}, counts: &numsync.Counts{Rejected: 1}},
		{name: "AuthoritativeNeverRemovesOutsideHolders", setup: heldOutside(n(3)), policy: numsync.Policy{Mode: numsync.Authoritative},
			wishes: []numsync.Wish{wish(alice, n(1))}, ops: []string{"+ alice@example.com Primary none -> +14255550101"}},
		{name: "Quarantined", policy: numsync.Policy{QuarantineDays: 3}, wishes: []numsync.Wish{wish(alice, quarantine)},
			reject: []string{"alice@example.com QUARANTINED"}},
		{name: "QuarantineOverriddenByRow", policy: numsync.Policy{QuarantineDays: 3},
			wishes: []numsync.Wish{with(wish(alice, quarantine), func(w *numsync.Wish) { w.AllowQuarantined = true })},
			ops:    []string{"+ alice@example.com Primary none -> +14255550199"}},
		{name: "QuarantineOver", policy: numsync.Policy{QuarantineDays: 1}, wishes: []numsync.Wish{wish(alice, quarantine)},
			ops: []string{"+ alice@example.com Primary none -> +14255550199"}},
		{name: "NoQuarantineByDefault", wishes: []numsync.Wish{wish(alice, quarantine)},
			ops: []string{"+ alice@example.com Primary none -> +14255550199"}},
		{name: "CountryMismatch", wishes: []numsync.Wish{wish("london@example.com", n(1)), wish(alice, gbNumber)},
			reject: []string{"london@example.com COUNTRY_MISMATCH", "alice@example.com COUNTRY_MISMATCH"}},
		{name: "NoCallingPlanLicense", wishes: []numsync.Wish{wish("nocp@example.com", n(1))},
			reject: []string{"nocp@example.com NO_CALLING_PLAN_LICENSE"}},
		{name: "NoCallingPlanLicenseNeededForDirectRouting", wishes: []numsync.Wish{wish("nocp@example.com", drNumber)},
			ops: []string{"+ nocp@example.com Primary none -> +14255550500"}},
		{name: "NoPhoneLicenseWarns", wishes: []numsync.Wish{wish("nophone@example.com", n(1))},
			ops:  []string{"+ nophone@example.com Primary none -> +14255550101"},
			warn: []string{"nophone@example.com NO_PHONE_LICENSE"}, counts: &numsync.Counts{Assign: 1, Warnings: 1}},
		{name: "NoPhoneLicenseRejectsWhenRequired", policy: numsync.Policy{RequirePhoneLicense: true},
			wishes: []numsync.Wish{wish("nophone@example.com", n(1))}, reject: []string{"nophone@example.com NO_PHONE_LICENSE"}},
		{name: "NoExtensionAllowed", wishes: []numsync.Wish{wish(alice, n(1)+";ext=12")},
			reject: []string{"alice@example.com NO_EXTENSION_ALLOWED"}},
		{name: "ExtensionOnDirectRouting",
			wishes: []numsync.Wish{with(wish(alice, drNumber+";ext=12"), func(w *numsync.Wish) { w.Type = numsync.DirectRouting })},
			ops:    []string{"+ alice@example.com Primary none -> +14255550500;ext=12"}},
		{name: "OnPremLineBlocksCallingPlan", wishes: []numsync.Wish{wish("hybrid@example.com", n(1))},
			blocked: []string{"hybrid@example.com ONPREM_LINE_SET"}, counts: &numsync.Counts{Blocked: 1}},
		{name: "OnPremLineDoesNotBlockDirectRouting", wishes: []numsync.Wish{wish("hybrid@example.com", drNumber)},
			ops: []string{"+ hybrid@example.com Primary none -> +14255550500"}},
		{name: "OnPremLineBlockedRowKeepsItsNumber", setup: holds("hybrid@example.com", n(1)),
			wishes:  []numsync.Wish{wish("hybrid@example.com", n(2)), wish(alice, n(1))},
			reject:  []string{"alice@example.com NUMBER_TAKEN"},
			blocked: []string{"hybrid@example.com ONPREM_LINE_SET"}},
		{name: "UnknownLocation", wishes: []numsync.Wish{with(wish(alice, n(1)), func(w *numsync.Wish) { w.LocationID = "loc-nowhere" })},
			reject: []string{"alice@example.com UNKNOWN_LOCATION"}},
		{name: "LocationByUniqueDescription",
			wishes: []numsync.Wish{with(wish(alice, n(1)), func(w *numsync.Wish) { w.LocationID = "  seattle   OFFICE" })},
			ops:    []string{"+ alice@example.com Primary none -> +14255550101@loc-sea"}},
		{name: "LocationByAmbiguousDescription",
			wishes: []numsync.Wish{with(wish(alice, n(1)), func(w *numsync.Wish) { w.LocationID = "Branch" })},
			reject: []string{"alice@example.com UNKNOWN_LOCATION"}},
		{name: "LocationCountry", wishes: []numsync.Wish{with(wish(alice, n(1)), func(w *numsync.Wish) { w.LocationID = "loc-lon" })},
			reject: []string{"alice@example.com LOCATION_COUNTRY"}},
		{name: "LocationNotUpdatable",
			wishes: []numsync.Wish{with(wish(alice, ocFixed), func(w *numsync.Wish) { w.LocationID = "loc-sea" })},
			reject: []string{"alice@example.com LOCATION_NOT_UPDATABLE"}},
		{name: "OperatorManagedLocationMayBeRepeated",
			wishes: []numsync.Wish{with(wish(alice, ocFixed), func(w *numsync.Wish) { w.LocationID = "LOC-HQ" })},
			ops:    []string{"+ alice@example.com Primary none -> +14255550200@loc-hq"}},
		{name: "EmptyLocationKeepsNumbersLocation", wishes: []numsync.Wish{wish(alice, ocFixed)},
			ops: []string{"+ alice@example.com Primary none -> +14255550200@loc-hq"}},
		{name: "ConflictingRows", wishes: []numsync.Wish{wish(alice, n(1)), wish(alice, n(2))},
			reject: []string{"alice@example.com CONFLICTING_ROWS", "alice@example.com CONFLICTING_ROWS"}},
		{name: "DuplicateNumber", wishes: []numsync.Wish{wish(alice, n(1)), wish(bob, n(1))},
			reject: []string{"alice@example.com DUPLICATE_NUMBER", "bob@example.com DUPLICATE_NUMBER"}},
		{name: "RepeatedRowWarnsOnce", wishes: []numsync.Wish{wish(alice, n(1)), wish(alice, n(1))},
			ops:  []string{"+ alice@example.com Primary none -> +14255550101"},
			warn: []string{"alice@example.com DUPLICATE_ROW"}},
		{name: "PrivateAndPrimaryAreSeparateSlots",
			wishes: []numsync.Wish{wish(alice, n(1)), with(wish(alice, n(2)), func(w *numsync.Wish) { w.Category = numsync.Private })},
			ops:    []string{"+ alice@example.com Primary none -> +14255550101", "+ alice@example.com Private none -> +14255550102"}},
		// A value teams-apply.ps1 cannot quote refuses its own row, and the
		// other rows go on (the script is not one throw).
		{name: "UnquotableUPNRejectsItsRow", setup: func(t *numsync.Tenant) {
			t.Users = append(t.Users, user("evil\r\nRemove-Item C:\\@example.com", "US", both...))
		},
			wishes: []numsync.Wish{wish("evil\r\nRemove-Item C:\\@example.com", n(1)), wish(alice, n(2))},
			ops:    []string{"+ alice@example.com Primary none -> +14255550102"},
			reject: []string{"evil\r\nRemove-Item C:\\@example.com BAD_ROW"}},
		{name: "SheetRejectsAreCarried",
			rejects: []numsync.Issue{{Code: numsync.BadNumber, UPN: bob, Number: "12", File: "s.csv", Line: 1, Message: "not a phone number"}},
			reject:  []string{"bob@example.com BAD_NUMBER"}, counts: &numsync.Counts{Rejected: 1}},
	}
	for _, c := range cases {
		t.Run(c.name, c.run)
	}
}

func TestOrdering(t *testing.T) {
	cases := []planCase{
		{name: "SwapTwoUsers", setup: holds(alice, n(1), bob, n(2)),
			wishes: []numsync.Wish{wish(alice, n(2)), wish(bob, n(1))},
			ops: []string{
				"- alice@example.com Primary +14255550101 -> none",
				"~ bob@example.com Primary +14255550102 -> +14255550101",
				"+ alice@example.com Primary none -> +14255550102",
			},
			counts: &numsync.Counts{Change: 2}, pairs: [][2]int{{1, 3}},
			final: map[string]string{"alice@example.com/Primary": n(2), "bob@example.com/Primary": n(1)}},
		{name: "ChainOfThree", setup: holds(alice, n(1), bob, n(2), carol, n(3)),
			wishes: []numsync.Wish{wish(alice, n(2)), wish(bob, n(3)), wish(carol, n(1))},
			ops: []string{
				"- alice@example.com Primary +14255550101 -> none",
				"~ carol@example.com Primary +14255550103 -> +14255550101",
				"~ bob@example.com Primary +14255550102 -> +14255550103",
				"+ alice@example.com Primary none -> +14255550102",
			},
			counts: &numsync.Counts{Change: 3}, pairs: [][2]int{{1, 4}},
			final: map[string]string{"alice@example.com/Primary": n(2), "bob@example.com/Primary": n(3), "carol@example.com/Primary": n(1)}},
		{name: "OpenChainRunsFromItsEnd", setup: holds(alice, n(1), bob, n(2), carol, n(3)),
			wishes: []numsync.Wish{wish(alice, n(2)), wish(bob, n(3)), wish(carol, n(4))},
			ops: []string{
				"~ carol@example.com Primary +14255550103 -> +14255550104",
				"~ bob@example.com Primary +14255550102 -> +14255550103",
				"~ alice@example.com Primary +14255550101 -> +14255550102",
			}},
		{name: "MoveToNumberFreedInSamePlan", setup: holds(alice, n(1)),
			wishes: []numsync.Wish{wish(alice, ""), wish(bob, n(1))},
			ops: []string{
				"- alice@example.com Primary +14255550101 -> none",
				"+ bob@example.com Primary none -> +14255550101",
			},
			counts: &numsync.Counts{Assign: 1, Remove: 1}, pairs: [][2]int{}},
		{name: "NumberFreedByChangeAway", setup: holds(alice, n(1)),
			wishes: []numsync.Wish{wish(bob, n(1)), wish(alice, n(5))},
			ops: []string{
				"~ alice@example.com Primary +14255550101 -> +14255550105",
				"+ bob@example.com Primary none -> +14255550101",
			}},
		{name: "NumberFreedByAuthoritativeRemoval", setup: holds(alice, n(1)),
			policy: numsync.Policy{Mode: numsync.Authoritative}, wishes: []numsync.Wish{wish(bob, n(1))},
			ops: []string{
				"- alice@example.com Primary +14255550101 -> none",
				"+ bob@example.com Primary none -> +14255550101",
			},
			counts: &numsync.Counts{Assign: 1, Remove: 1}},
		{name: "MergeModeLeavesUnnamedIdentities", setup: holds(alice, n(1)), wishes: []numsync.Wish{wish(bob, n(2))},
			ops: []string{"+ bob@example.com Primary none -> +14255550102"}},
		{name: "RejectedIdentityNotRemovedByAuthoritative", setup: holds(alice, n(1), bob, n(2), carol, n(3)),
			policy:  numsync.Policy{Mode: numsync.Authoritative},
			wishes:  []numsync.Wish{with(wish(alice, n(4)), func(w *numsync.Wish) { w.LocationID = "nowhere" })},
			rejects: []numsync.Issue{{Code: numsync.BadNumber, UPN: bob, Number: "12", File: "s.csv", Line: 1, Message: "not a phone number"}},
			ops:     []string{"- carol@example.com Primary +14255550103 -> none"},
			reject:  []string{"bob@example.com BAD_NUMBER", "alice@example.com UNKNOWN_LOCATION"},
			final:   map[string]string{"alice@example.com/Primary": n(1), "bob@example.com/Primary": n(2)}},
		{name: "RejectedUPNsNotRemovedByAuthoritative", setup: holds(alice, n(1), bob, n(2)),
			policy: numsync.Policy{Mode: numsync.Authoritative}, refused: []string{"BOB@example.com"},
			ops: []string{"- alice@example.com Primary +14255550101 -> none"}},
		{name: "RejectionCascadesThroughChain", setup: holds(alice, n(1), bob, n(2), carol, n(3)),
			// carol's row is refused, so carol keeps n3, so bob cannot take it
			// and keeps n2, so alice cannot take n2 either.
			wishes: []numsync.Wish{wish(alice, n(2)), wish(bob, n(3)), with(wish(carol, n(4)), func(w *numsync.Wish) { w.LocationID = "nowhere" })},
			reject: []string{"alice@example.com NUMBER_TAKEN", "bob@example.com NUMBER_TAKEN", "carol@example.com UNKNOWN_LOCATION"},
			final:  map[string]string{"alice@example.com/Primary": n(1), "bob@example.com/Primary": n(2)}},
		{name: "CategoryMove", setup: holds(alice, n(1)),
			wishes: []numsync.Wish{with(wish(alice, n(1)), func(w *numsync.Wish) { w.Category = numsync.Private })},
			ops: []string{
				"- alice@example.com Primary +14255550101 -> none",
				"+ alice@example.com Private none -> +14255550101",
			},
			counts: &numsync.Counts{Change: 1}, pairs: [][2]int{{1, 2}},
			final: map[string]string{"alice@example.com/Private": n(1), "alice@example.com/Primary": ""}},
		{name: "SwapBetweenCategories", setup: func(t *numsync.Tenant) {
			hold(t, alice, numsync.Primary, n(1))
			hold(t, alice, numsync.Private, n(2))
		},
			wishes: []numsync.Wish{wish(alice, n(2)), with(wish(alice, n(1)), func(w *numsync.Wish) { w.Category = numsync.Private })},
			ops: []string{
				"- alice@example.com Primary +14255550101 -> none",
				"~ alice@example.com Private +14255550102 -> +14255550101",
				"+ alice@example.com Primary none -> +14255550102",
			}},
		{name: "TwoSwapsAndAChain", setup: holds(alice, n(1), bob, n(2), carol, n(3), dave, n(4), "erin@example.com", n(5)),
			wishes: []numsync.Wish{wish(alice, n(2)), wish(bob, n(1)), wish(carol, n(4)), wish(dave, n(3)),
				wish("erin@example.com", n(6)), wish("frank@example.com", n(5))},
			ops: []string{
				"- alice@example.com Primary +14255550101 -> none",
				"- carol@example.com Primary +14255550103 -> none",
				"~ bob@example.com Primary +14255550102 -> +14255550101",
				"+ alice@example.com Primary none -> +14255550102",
				"~ dave@example.com Primary +14255550104 -> +14255550103",
				"+ carol@example.com Primary none -> +14255550104",
				"~ erin@example.com Primary +14255550105 -> +14255550106",
				"+ frank@example.com Primary none -> +14255550105",
			},
			pairs: [][2]int{{1, 4}, {2, 6}},
			final: map[string]string{"alice@example.com/Primary": n(2), "bob@example.com/Primary": n(1), "carol@example.com/Primary": n(4),
				"dave@example.com/Primary": n(3), "erin@example.com/Primary": n(6), "frank@example.com/Primary": n(5)}},
	}
	for _, c := range cases {
		t.Run(c.name, c.run)
	}
}
