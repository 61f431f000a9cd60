package planner

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/numsync/numsync"
)

// usRange is the fixture's US Calling Plan numbers n(1)…n(9).
func usRange() numsync.Range {
	return numsync.Range{Name: "US-CP", First: n(1), Last: n(9), Type: numsync.CallingPlan, Country: "US", LocationID: "loc-sea"}
}

func next(upn, sel string) numsync.Wish {
	return with(wish(upn, ""), func(w *numsync.Wish) { w.Next = sel })
}

func withRanges(rs ...numsync.Range) numsync.Policy { return numsync.Policy{Ranges: rs} }

func TestAllocate(t *testing.T) {
	for _, c := range []planCase{
		{
			name: "LowestFreeNumbersInSheetOrder",
			// n(1) is held, n(3) wanted by a row by number: both are passed over.
			setup:  holds(dave, n(1)),
			policy: withRanges(usRange()),
			wishes: []numsync.Wish{next(carol, "US-CP"), wish(erin, n(3)), next(alice, "US-CP"), next(bob, "us-cp")},
			ops: []string{
				"+ alice@example.com Primary none -> +14255550104@loc-sea",
				"+ bob@example.com Primary none -> +14255550105@loc-sea",
				"+ carol@example.com Primary none -> +14255550102@loc-sea",
				"+ erin@example.com Primary none -> +14255550103",
			},
		},
		{
			name: "PassesOverMainNumbersWhoseExtensionsAreUsed",
			setup: func(ten *numsync.Tenant) {
				ten.Assignments = append(ten.Assignments, numsync.Assignment{UPN: dave, Category: numsync.Primary,
					Number: numsync.Number{E164: n(1), Ext: "7"}, Type: numsync.DirectRouting})
			},
			policy: withRanges(numsync.Range{Name: "low", First: n(1), Last: n(4)}),
			wishes: []numsync.Wish{next(alice, "low"), with(wish(erin, n(2)+";ext=9"), func(w *numsync.Wish) { w.Type = numsync.DirectRouting }), next(bob, "low")},
			ops: []string{
				"+ alice@example.com Primary none -> +14255550103",
				"+ bob@example.com Primary none -> +14255550104",
			},
			// Erin's row is refused (an extension on a Calling Plan
			// number), but what it asks for is still not handed out.
			reject: []string{"erin@example.com TYPE_MISMATCH"},
		},
		{
			name: "PassesOverNumbersHeldOutsideTheDirectory",
			setup: func(ten *numsync.Tenant) {
				for i := range ten.Numbers {
					if ten.Numbers[i].E164 == n(1) {
						ten.Numbers[i].Outside = numsync.OutsideHolder{ID: "cloud-only-1", Type: "User"}
					}
				}
			},
			policy: withRanges(usRange()),
			wishes: []numsync.Wish{next(alice, "US-CP")},
			ops:    []string{"+ alice@example.com Primary none -> +14255550102@loc-sea"},
		},
		{
			name:   "KeepsANumberOfTheRangeItHolds",
			setup:  holds(alice, n(7)),
			policy: withRanges(numsync.Range{Name: "US-CP", First: n(1), Last: n(9)}),
			wishes: []numsync.Wish{next(bob, "US-CP"), next(alice, "US-CP")},
			ops:    []string{"+ bob@example.com Primary none -> +14255550101"},
			counts: &numsync.Counts{Assign: 1, Unchanged: 1},
		},
		{
			name:   "MovesANumberFromOutsideTheRangeIntoIt",
			setup:  holds(alice, gbNumber),
			policy: withRanges(numsync.Range{Name: "low", First: n(1), Last: n(2)}),
			wishes: []numsync.Wish{next(alice, "low")},
			ops:    []string{"~ alice@example.com Primary +442071838750 -> +14255550101"},
		},
		{
			name: "SkipsQuarantinedNumbers",
			setup: func(ten *numsync.Tenant) {
				for i := range ten.Numbers {
					if ten.Numbers[i].E164 == n(1) {
						ten.Numbers[i].ReleasedAt = now.AddDate(0, 0, -1)
					}
				}
			},
			policy: numsync.Policy{QuarantineDays: 3, Ranges: []numsync.Range{usRange()}},
			wishes: []numsync.Wish{next(alice, "US-CP")},
			ops:    []string{"+ alice@example.com Primary none -> +14255550102@loc-sea"},
		},
		{
			name:   "ExhaustedRowsSayHowManyWereShort",
			setup:  holds(dave, n(2)),
			policy: withRanges(numsync.Range{Name: "small", First: n(1), Last: n(3)}),
			wishes: []numsync.Wish{next(alice, "small"), next(bob, "small"), next(carol, "small"), next(erin, "small")},
			ops: []string{
				"+ alice@example.com Primary none -> +14255550101",
				"+ bob@example.com Primary none -> +14255550103",
			},
			reject: []string{"carol@example.com RANGE_EXHAUSTED", "erin@example.com RANGE_EXHAUSTED"},
		},
		{
			name:   "CountryAndCapabilityMustFitTheIdentity",
			policy: withRanges(numsync.Range{Name: "all", Prefix: "+1425555"}),
			// london is in GB, aa is a resource account: the range's US
			// user numbers fit neither (voiceApp is the one for aa).
			wishes: []numsync.Wish{next("london@example.com", "all"), next("aa@example.com", "all")},
			ops:    []string{"+ aa@example.com Primary none -> +14255550400"},
			reject: []string{"london@example.com RANGE_EXHAUSTED"},
		},
		{
			name: "SelectsBySiteAndTypeAcrossRanges",
			policy: withRanges(
				numsync.Range{Name: "hq-high", First: n(5), Last: n(9), Site: "HQ", Type: numsync.CallingPlan},
				numsync.Range{Name: "hq-low", First: n(3), Last: n(4), Site: "HQ", Type: numsync.CallingPlan},
				numsync.Range{Name: "other", First: n(1), Last: n(2), Site: "Branch", Type: numsync.CallingPlan},
			),
			wishes: []numsync.Wish{next(alice, "site=hq,type=CallingPlan"), next(bob, "site=HQ")},
			ops: []string{
				"+ alice@example.com Primary none -> +14255550103",
				"+ bob@example.com Primary none -> +14255550104",
			},
		},
		{
			name:   "NoLicenceUsesUpNoNumber",
			policy: withRanges(usRange()),
			wishes: []numsync.Wish{next("nocp@example.com", "US-CP"), next(alice, "US-CP")},
			ops:    []string{"+ alice@example.com Primary none -> +14255550101@loc-sea"},
			reject: []string{"nocp@example.com NO_CALLING_PLAN_LICENSE"},
		},
		{
			name:   "LeavesTheNumbersOfRefusedRows",
			policy: withRanges(usRange()),
			rejects: []numsync.Issue{{Code: numsync.DuplicateNumber, UPN: carol, Number: n(1), File: "s.csv", Line: 1, Message: "m"},
				{Code: numsync.NoExtensionAllowed, UPN: dave, Number: n(2) + ";ext=4", File: "s.csv", Line: 2, Message: "m"}},
			wishes: []numsync.Wish{next(alice, "US-CP")},
			ops:    []string{"+ alice@example.com Primary none -> +14255550103@loc-sea"},
			reject: []string{"carol@example.com DUPLICATE_NUMBER", "dave@example.com NO_EXTENSION_ALLOWED"},
		},
		{
			name:   "ReservedNumbersGoOnlyToTheirReservees",
			policy: withRanges(usRange()),
			reserve: []numsync.Reservation{
				{Number: n(1), UPN: "Bob@Example.com"},
				{Number: n(2), Note: "lobby phone"},
				{Number: n(3), UPN: carol, Until: now.Add(-time.Hour)}, // lapsed
				{Number: n(7), UPN: erin},
			},
			wishes: []numsync.Wish{next(alice, "US-CP"), wish(dave, n(7)), next(bob, "US-CP"), wish(frank, n(2))},
			ops: []string{
				"+ alice@example.com Primary none -> +14255550103@loc-sea",
				"+ bob@example.com Primary none -> +14255550101@loc-sea",
			},
			reject: []string{"dave@example.com RESERVED", "frank@example.com RESERVED"},
		},
		{
			name:    "AReserveeGetsTheNumberByNameOrByRange",
			policy:  withRanges(usRange()),
			reserve: []numsync.Reservation{{Number: n(5), UPN: carol}, {Number: n(6), UPN: erin}},
			wishes:  []numsync.Wish{next(alice, "US-CP"), next(carol, "US-CP"), wish(erin, n(6)), wish(dave, n(5))},
			ops: []string{
				"+ alice@example.com Primary none -> +14255550101@loc-sea",
				"+ carol@example.com Primary none -> +14255550105@loc-sea",
				"+ erin@example.com Primary none -> +14255550106",
			},
			reject: []string{"dave@example.com RESERVED"},
		},
		{
			name:    "TheHolderOfAReservedNumberKeepsIt",
			setup:   holds(alice, n(1)),
			policy:  withRanges(usRange()),
			reserve: []numsync.Reservation{{Number: n(1), UPN: bob}},
			wishes:  []numsync.Wish{wish(alice, n(1)), next(bob, "US-CP")},
			ops:     []string{"+ bob@example.com Primary none -> +14255550102@loc-sea"},
			counts:  &numsync.Counts{Assign: 1, Unchanged: 1},
		},
		{
			name:   "UnknownRangeAndUnknownUser",
			policy: withRanges(usRange()),
			wishes: []numsync.Wish{next(alice, "Paris"), next("nobody@example.com", "US-CP"), next("gone@example.com", "US-CP")},
			reject: []string{"alice@example.com UNKNOWN_RANGE", "nobody@example.com UNKNOWN_USER", "gone@example.com USER_DISABLED"},
		},
	} {
		t.Run(c.name, c.run)
	}
}

// TestAllocateMessage checks what an exhausted row tells the reviewer.
func TestAllocateMessage(t *testing.T) {
	p := Plan(Input{Tenant: fixture(), Now: now, Policy: withRanges(numsync.Range{Name: "one", First: n(1), Last: n(1)}),
		Wishes: []numsync.Wish{next(alice, "one"), next(bob, "one"), next(carol, "one")}})
	if len(p.Rejects) != 2 {
		t.Fatalf("rejects %+v, want 2", p.Rejects)
	}
	r := p.Rejects[0]
	for _, want := range []string{"next:one", "2 rows are short", "usage location US"} {
		if !strings.Contains(r.Message, want) {
			t.Errorf("message %q lacks %q", r.Message, want)
		}
	}
	if r.Number != "next:one" || r.File != "s.csv" || r.Hint == "" {
		t.Errorf("reject %+v: want the cell as written, the place and a hint", r)
	}
}

// TestAllocateDeterministic plans the same rows against the same tenant
// many times, with the tenant's numbers and assignments in other orders (as
// another machine's store might list them), and wants the same numbers.
func TestAllocateDeterministic(t *testing.T) {
	rows := []numsync.Wish{next(alice, "US-CP"), next(bob, "US-CP"), wish(carol, n(2)), next(erin, "US-CP"), next(frank, "US-CP")}
	plan := func(reverse bool) []string {
		ten := fixture()
		holds(dave, n(4))(ten)
		if reverse {
			slices.Reverse(ten.Numbers)
			slices.Reverse(ten.Users)
		}
		return opLines(Plan(Input{Tenant: ten, Wishes: rows, Policy: withRanges(usRange()), Now: now}))
	}
	want := plan(false)
	if len(want) != 5 {
		t.Fatalf("plan %q, want 5 operations", want)
	}
	for i := range 20 {
		if got := plan(i%2 == 1); !slices.Equal(got, want) {
			t.Fatalf("plan %d differs:\n  got  %q\n  want %q", i, got, want)
		}
	}
}

// TestAllocateApplied applies a range-based plan to a real store: the same
// sheets then plan nothing, and two plans made from one range at the same
// revision cannot both be applied.
func TestAllocateApplied(t *testing.T) {
	ctx := context.Background()
	policy := withRanges(usRange())
	opts := ApplyOptions{Actor: admin, MaxRemoves: numsync.DefaultMaxRemoves}

	t.Run("ReplanIsUnchanged", func(t *testing.T) {
		st, _ := seeded(t, dave, n(1))
		rows := []numsync.Wish{next(alice, "US-CP"), next(bob, "US-CP")}
		p := planOn(t, st, policy, rows...)
		if _, err := Apply(ctx, st, p, opts); err != nil {
			t.Fatal(err)
		}
		want := "alice@example.com/Primary=" + n(2) + " bob@example.com/Primary=" + n(3) + " dave@example.com/Primary=" + n(1)
		if got := holdings(t, st); got != want {
			t.Errorf("after apply:\n  got  %s\n  want %s", got, want)
		}
		again := planOn(t, st, policy, rows...)
		if len(again.Ops) != 0 || again.Counts.Unchanged != 2 {
			t.Errorf("re-plan: ops %q counts %+v, want none and 2 unchanged", opLines(again), again.Counts)
		}
	})

	t.Run("SecondPlanFromTheSameRangeIsStale", func(t *testing.T) {
		st, _ := seeded(t)
		first := planOn(t, st, policy, next(alice, "US-CP"))
		second := planOn(t, st, policy, next(bob, "US-CP"))
		if a, b := first.Ops[0].After.Number, second.Ops[0].After.Number; a != b {
			t.Fatalf("both plans should pick the lowest free number, got %s and %s", a, b)
		}
		if _, err := Apply(ctx, st, first, opts); err != nil {
			t.Fatal(err)
		}
		before := holdings(t, st)
		if _, err := Apply(ctx, st, second, opts); !errors.Is(err, numsync.ErrStale) {
			t.Fatalf("second apply: err %v, want stale", err)
		}
		if got := holdings(t, st); got != before {
			t.Errorf("the refused plan changed the store: %s, want %s", got, before)
		}
		third := planOn(t, st, policy, next(bob, "US-CP"))
		if got := third.Ops[0].After.Number.E164; got != n(2) {
			t.Errorf("a new plan gives bob %s, want %s", got, n(2))
		}
	})
}
