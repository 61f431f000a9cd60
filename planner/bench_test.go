package planner

import (
	"fmt"
	"io"
	"testing"

	"github.com/numsync/numsync"
)

// BenchmarkPlan100k plans 100,000 rows against 100,000 users and 150,000
// numbers of which 60,000 are held: a third of the rows unchanged, the rest
// swaps, moves to free numbers, removals and new assignments.
func BenchmarkPlan100k(b *testing.B) {
	in := bigInput()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		p := Plan(in)
		if len(p.Ops) != 75_000 || p.Counts.Unchanged != 30_000 {
			b.Fatalf("plan has %d ops (counts %+v)", len(p.Ops), p.Counts)
		}
	}
}

// BenchmarkWritePlan100k writes the plan.json of BenchmarkPlan100k's plan
// and takes its digest, as a plan and an apply do.
func BenchmarkWritePlan100k(b *testing.B) {
	p := Plan(bigInput())
	b.ReportAllocs()
	for b.Loop() {
		if err := WritePlan(io.Discard, p); err != nil {
			b.Fatal(err)
		}
		if Digest(p) == "" {
			b.Fatal("no digest")
		}
	}
}

// bigInput is 100,000 rows against 100,000 users and 150,000 numbers of
// which 60,000 are held.
func bigInput() Input {
	const users, numbers, held = 100_000, 150_000, 60_000
	num := func(i int) numsync.Number { return numsync.Number{E164: fmt.Sprintf("+1425%07d", i)} }
	ten := &numsync.Tenant{Revision: 1}
	for i := range users {
		ten.Users = append(ten.Users, user(fmt.Sprintf("user%06d@example.com", i), "US", both...))
	}
	for i := range numbers {
		ten.Numbers = append(ten.Numbers, numsync.InventoryNumber{Number: num(i), Type: numsync.CallingPlan, Country: "US",
			Capabilities: []numsync.Capability{numsync.CapUser}, LocationUpdateSupported: true})
	}
	for i := range held {
		ten.Assignments = append(ten.Assignments, numsync.Assignment{UPN: ten.Users[i].UPN, Category: numsync.Primary,
			Number: num(i), Type: numsync.CallingPlan})
	}
	wishes := make([]numsync.Wish, users)
	for i := range users {
		w := numsync.Wish{UPN: ten.Users[i].UPN, Category: numsync.Primary, Notify: true, Source: numsync.Source{File: "big.csv", Line: i + 2}}
		switch {
		case i < 30_000: // unchanged
			w.Number = num(i)
		case i < 40_000: // swap with the neighbour: 5,000 cycles, each a remove and a change and an assign
			w.Number = num(i ^ 1)
		case i < 50_000: // move to a free number
			w.Number = num(100_000 + i)
		case i < held: // remove
		default: // new assignment
			w.Number = num(i)
		}
		wishes[i] = w
	}
	return Input{Tenant: ten, Wishes: wishes, Now: now, RowsRead: users, Sheets: 1}
}

// BenchmarkAllocate100k plans 100,000 "next:" rows against two ranges of
// 100,000 numbers each, a tenth of which are held; every row is served.
func BenchmarkAllocate100k(b *testing.B) {
	const users, numbers = 100_000, 200_000
	num := func(i int) numsync.Number { return numsync.Number{E164: fmt.Sprintf("+1206%07d", 2_000_000+i)} }
	ten := &numsync.Tenant{Revision: 1}
	for i := range users {
		ten.Users = append(ten.Users, user(fmt.Sprintf("user%06d@example.com", i), "US", both...))
	}
	for i := range numbers {
		ten.Numbers = append(ten.Numbers, numsync.InventoryNumber{Number: num(i), Type: numsync.CallingPlan, Country: "US",
			Capabilities: []numsync.Capability{numsync.CapUser}, LocationUpdateSupported: true})
	}
	for i := 0; i < numbers; i += 10 {
		ten.Assignments = append(ten.Assignments, numsync.Assignment{UPN: fmt.Sprintf("held%06d@example.com", i), Category: numsync.Primary,
			Number: num(i), Type: numsync.CallingPlan})
	}
	wishes := make([]numsync.Wish, users)
	for i := range wishes {
		wishes[i] = numsync.Wish{UPN: ten.Users[i].UPN, Category: numsync.Primary, Notify: true, Next: "site=Seattle",
			Source: numsync.Source{File: "wave.csv", Line: i + 2}}
	}
	ranges := []numsync.Range{
		{Name: "A", First: num(0).E164, Last: num(99_999).E164, Site: "Seattle"},
		{Name: "B", First: num(100_000).E164, Last: num(199_999).E164, Site: "Seattle"},
	}
	if err := numsync.ValidateRanges(ranges); err != nil {
		b.Fatal(err)
	}
	in := Input{Tenant: ten, Wishes: wishes, Now: now, RowsRead: users, Sheets: 1, Policy: numsync.Policy{Ranges: ranges}}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		p := Plan(in)
		if len(p.Ops) != users || len(p.Rejects) != 0 {
			b.Fatalf("plan has %d ops, %d rejects", len(p.Ops), len(p.Rejects))
		}
	}
}
