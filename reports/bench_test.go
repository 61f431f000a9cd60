package reports

import (
	"bufio"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/numsync/numsync"
)

// bigInput is a migration wave: n users each moving to a new number, with
// a rejected and a blocked row for every hundredth.
func bigInput(n int) Input {
	t := &numsync.Tenant{}
	p := &numsync.Plan{Mode: numsync.Merge}
	for i := range n {
		upn := fmt.Sprintf("user%06d@contoso.com", i)
		oldN := num(fmt.Sprintf("+1425%07d", i), "")
		newN := num(fmt.Sprintf("+1206%07d", i), "")
		t.Users = append(t.Users, numsync.User{UPN: upn, DN: "CN=" + upn + ",DC=contoso,DC=com", UsageLocation: "US", OnPremLine: "tel:" + newN.E164})
		t.Numbers = append(t.Numbers,
			numsync.InventoryNumber{Number: oldN, Type: numsync.CallingPlan, Country: "US"},
			numsync.InventoryNumber{Number: newN, Type: numsync.OperatorConnect, Country: "US"})
		t.Assignments = append(t.Assignments, numsync.Assignment{UPN: upn, Category: numsync.Primary, Number: oldN, Type: numsync.CallingPlan})
		p.Ops = append(p.Ops, numsync.Op{Action: numsync.Change, UPN: upn, Category: numsync.Primary,
			Before: hold(oldN, numsync.CallingPlan, ""), After: hold(newN, numsync.OperatorConnect, "loc"), Notify: true, Source: src("wave.csv", i+2)})
		if i%100 == 0 {
			p.Rejects = append(p.Rejects, numsync.Issue{Code: numsync.NumberTaken, UPN: upn, Number: newN.E164, File: "wave.csv", Line: i + 2, Message: "taken"})
			p.Blocked = append(p.Blocked, numsync.Issue{Code: numsync.OnPremLineSet, UPN: upn, Number: newN.E164, File: "wave.csv", Line: i + 2})
		}
	}
	start := time.Date(2024, 5, 1, 2, 0, 0, 0, time.UTC)
	return Input{Plan: p, Tenant: t, RunID: "bench", Started: start, Finished: start.Add(time.Minute), Now: start}
}

// BenchmarkWrite100k writes every report of a 100,000-operation plan.
func BenchmarkWrite100k(b *testing.B) {
	in := bigInput(100_000)
	dir := b.TempDir()
	b.ReportAllocs()
	for b.Loop() {
		if err := Write(dir, in); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRender100k renders every report of a 100,000-operation plan
// into a discarding buffer: the CPU part of BenchmarkWrite100k, without the
// disk.
func BenchmarkRender100k(b *testing.B) {
	in := bigInput(100_000)
	w := bufio.NewWriterSize(io.Discard, 64<<10)
	b.ReportAllocs()
	for b.Loop() {
		f := newFacts(in)
		for _, render := range []func(*bufio.Writer){f.planCSV, f.reconciliationCSV, f.adCleanupCSV, f.adCleanupLDIF,
			f.adCleanupPS1, f.teamsApplyPS1, f.html, f.metrics, func(w *bufio.Writer) { w.WriteString(f.summary()) }} {
			render(w)
		}
		w.Flush()
	}
}
