package store

import (
	"context"
	"flag"
	"fmt"
	"runtime"
	"testing"

	"github.com/numsync/numsync"
)

// benchRows is the size of the benchmark tenant; -store.rows changes it to
// look at how the costs grow.
var benchRows = 100_000

// benchEngine is the engine the benchmarks run on.
var benchEngine = "sqlite"

func init() {
	flag.IntVar(&benchRows, "store.rows", benchRows, "rows in the store benchmarks")
	flag.StringVar(&benchEngine, "store.engine", benchEngine, "engine of the store benchmarks: sqlite or postgres")
}

func benchUsers(n int) []numsync.User {
	users := make([]numsync.User, n)
	for i := range users {
		users[i] = user(fmt.Sprintf("user%06d@contoso.com", i), fmt.Sprintf("%08x-0000-4000-8000-%012x", i, i), "US")
	}
	return users
}

func benchNumber(i int) string { return fmt.Sprintf("+1206%07d", 5000000+i) }

// benchInventory lists n free numbers; with holders, number i belongs to user i.
func benchInventory(n int, holders bool) []numsync.InventoryRecord {
	recs := make([]numsync.InventoryRecord, n)
	for i := range recs {
		holder := ""
		if holders {
			holder = fmt.Sprintf("%08x-0000-4000-8000-%012x", i, i)
		}
		recs[i] = inv(benchNumber(i), numsync.CallingPlan, holder, i+2)
	}
	return recs
}

func benchStore(b *testing.B, users, numbers int) *Store {
	b.Helper()
	ctx := context.Background()
	s, _ := openTemp(b)
	if _, err := s.ImportUsers(ctx, benchUsers(users), numsync.UserImportOptions{Source: "csv"}); err != nil {
		b.Fatal(err)
	}
	if _, err := s.ImportNumbers(ctx, benchInventory(numbers, false), nil); err != nil {
		b.Fatal(err)
	}
	return s
}

// BenchmarkApply applies 100,000 operations per iteration, alternately
// assigning a number to each of 100,000 users and removing them again.
func BenchmarkApply(b *testing.B) {
	ctx := context.Background()
	s := benchStore(b, benchRows, benchRows)
	assigns := make([]numsync.Op, benchRows)
	removes := make([]numsync.Op, benchRows)
	for i := range assigns {
		upn := fmt.Sprintf("user%06d@contoso.com", i)
		assigns[i] = assign(upn, benchNumber(i))
		removes[i] = remove(upn, benchNumber(i))
	}
	rev, _ := s.Revision(ctx)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		ops := assigns
		if i%2 == 1 {
			ops = removes
		}
		run, err := s.Apply(ctx, numsync.ApplyRequest{Revision: rev, Actor: "bench", Ops: ops})
		if err != nil {
			b.Fatal(err)
		}
		rev = run.Revision
		i++
	}
	b.ReportMetric(float64(benchRows), "ops/apply")
}

// BenchmarkImportNumbers loads a 100,000-number inventory whose numbers are
// all held, into a store with the users but no numbers yet.
func BenchmarkImportNumbers(b *testing.B) {
	ctx := context.Background()
	users := benchUsers(benchRows)
	recs := benchInventory(benchRows, true)
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		s, _ := openTemp(b)
		if _, err := s.ImportUsers(ctx, users, numsync.UserImportOptions{Source: "csv"}); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		r, err := s.ImportNumbers(ctx, recs, nil)
		if err != nil || r.Added != benchRows {
			b.Fatalf("import = %+v, %v", r.Added, err)
		}
		b.StopTimer()
		s.Close()
		b.StartTimer()
	}
}

// BenchmarkImportNumbersUnchanged re-imports the same 100,000 held numbers:
// the nightly case, where almost nothing changed.
func BenchmarkImportNumbersUnchanged(b *testing.B) {
	ctx := context.Background()
	s := benchStore(b, benchRows, 0)
	recs := benchInventory(benchRows, true)
	if _, err := s.ImportNumbers(ctx, recs, nil); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		r, err := s.ImportNumbers(ctx, recs, nil)
		if err != nil || r.Unchanged != benchRows {
			b.Fatalf("import = %+v, %v", r, err)
		}
	}
}

// BenchmarkTenant reads a snapshot of 100,000 users, numbers and assignments.
func BenchmarkTenant(b *testing.B) {
	ctx := context.Background()
	s := benchStore(b, benchRows, 0)
	if _, err := s.ImportNumbers(ctx, benchInventory(benchRows, true), nil); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	var tn *numsync.Tenant
	for b.Loop() {
		var err error
		tn, err = s.Tenant(ctx)
		if err != nil || len(tn.Assignments) != benchRows {
			b.Fatalf("tenant: %v", err)
		}
	}
	// What a plan keeps in memory: the heap the last snapshot holds.
	b.StopTimer()
	var with, without runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&with)
	runtime.KeepAlive(tn)
	tn = nil
	runtime.GC()
	runtime.ReadMemStats(&without)
	b.ReportMetric(float64(with.HeapAlloc-without.HeapAlloc)/(1<<20), "snapshot-MB")
}

// BenchmarkUnfinishedOutcomes reads what has not landed in Teams after two
// 100,000-operation runs, the first of them recorded as landed: what every
// run's reports read.
func BenchmarkUnfinishedOutcomes(b *testing.B) {
	ctx := context.Background()
	s := benchStore(b, benchRows, benchRows)
	assigns := make([]numsync.Op, benchRows)
	removes := make([]numsync.Op, benchRows)
	for i := range assigns {
		upn := fmt.Sprintf("user%06d@contoso.com", i)
		assigns[i] = assign(upn, benchNumber(i))
		removes[i] = remove(upn, benchNumber(i))
	}
	rev, _ := s.Revision(ctx)
	first, err := s.Apply(ctx, numsync.ApplyRequest{Revision: rev, Actor: "bench", Ops: assigns})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := s.Apply(ctx, numsync.ApplyRequest{Revision: first.Revision, Actor: "bench", Ops: removes}); err != nil {
		b.Fatal(err)
	}
	landed := make([]numsync.OpOutcome, benchRows)
	for i := range landed {
		landed[i] = numsync.OpOutcome{RunID: first.ID, Step: i + 1, State: numsync.PushSucceeded, Via: numsync.ViaPowerShell}
	}
	if err := s.RecordOutcomes(ctx, landed); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		outs, err := s.UnfinishedOutcomes(ctx)
		if err != nil || len(outs) != benchRows {
			b.Fatalf("%d unfinished, %v", len(outs), err)
		}
	}
}
