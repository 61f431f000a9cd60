package graph_test

import (
	"context"
	"flag"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/numsync/numsync"
	"github.com/numsync/numsync/graph"
	"github.com/numsync/numsync/graph/graphtest"
	"github.com/numsync/numsync/store"
)

var (
	benchOps     = flag.Int("graph.ops", 100_000, "operations pushed by BenchmarkPush")
	benchCeiling = flag.Int("graph.ceiling", 1000, "Graph requests a second the contract server allows in BenchmarkPush (429 above)")
	benchWorkers = flag.Int("graph.concurrency", 32, "teams.concurrency of BenchmarkPush")
)

// BenchmarkPush pushes an applied run of -graph.ops assigns to the
// contract server with 20 ms latency per request and a ceiling of
// -graph.ceiling requests a second, recording outcomes in a real SQLite
// store. Each operation is two requests (the action and one read of its
// operation), so the ceiling allows ceiling*30 operations a minute;
// ops/min is what the push reached.
func BenchmarkPush(b *testing.B) {
	ctx := context.Background()
	n := *benchOps
	st, err := store.Open(ctx, filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	s := graphtest.New()
	defer s.Close()
	users := make([]numsync.User, n)
	recs := make([]numsync.InventoryRecord, n)
	ops := make([]numsync.Op, n)
	ids := make(map[string]string, n)
	for i := range n {
		upn, oid := fmt.Sprintf("user%06d@contoso.com", i), fmt.Sprintf("%08x-0000-4000-8000-%012x", i, i)
		num := numsync.Number{E164: fmt.Sprintf("+1206%07d", 5000000+i)}
		users[i] = numsync.User{UPN: upn, ObjectID: oid, Kind: numsync.KindUser, UsageLocation: "US", Enabled: true}
		recs[i] = numsync.InventoryRecord{InventoryNumber: numsync.InventoryNumber{Number: num, Type: numsync.DirectRouting, Country: "US",
			Capabilities: []numsync.Capability{numsync.CapUser}, Source: numsync.SourceOnPremises}}
		ops[i] = numsync.Op{Action: numsync.Assign, UPN: upn, Category: numsync.Primary, After: &numsync.Holding{Number: num, Type: numsync.DirectRouting}}
		ids[numsync.UPNKey(upn)] = oid
		s.AddNumber(graphtest.FromRecord(recs[i]))
	}
	if _, err := st.ImportUsers(ctx, users, numsync.UserImportOptions{Source: "csv"}); err != nil {
		b.Fatal(err)
	}
	if _, err := st.ImportNumbers(ctx, recs, nil); err != nil {
		b.Fatal(err)
	}
	rev, _ := st.Revision(ctx)
	run, err := st.Apply(ctx, numsync.ApplyRequest{Revision: rev, Actor: "bench", Ops: ops})
	if err != nil {
		b.Fatal(err)
	}
	s.FinishAfterPolls(1)
	s.SetLatency(20*time.Millisecond, *benchCeiling)
	ca := filepath.Join(b.TempDir(), "ca.pem")
	writeFile(b, ca, s.CAPEM())
	b.Setenv("TEST_GRAPH_SECRET", graphtest.ClientSecret)
	c, err := graph.New(graph.Config{TenantID: graphtest.TenantID, ClientID: graphtest.ClientID, ClientSecretEnv: "TEST_GRAPH_SECRET",
		GraphURL: s.URL(), AuthorityHost: s.AuthorityHost(), CAFile: ca, Concurrency: *benchWorkers, PollInterval: 200 * time.Millisecond})
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	start := time.Now()
	res, err := c.Push(ctx, graph.PushRequest{RunID: run.ID, Ops: ops, Actor: "bench", Recorder: st,
		ObjectID: func(upn string) (string, bool) { id, ok := ids[numsync.UPNKey(upn)]; return id, ok }})
	elapsed := time.Since(start)
	b.StopTimer()
	if err != nil {
		b.Fatal(err)
	}
	if res.Succeeded != n {
		b.Fatalf("%d of %d operations succeeded", res.Succeeded, n)
	}
	st2 := c.Stats()
	b.ReportMetric(float64(n)/elapsed.Minutes(), "ops/min")
	b.ReportMetric(float64(*benchCeiling)*30, "ceiling-ops/min")
	b.ReportMetric(float64(st2.Throttled), "throttled")
	b.ReportMetric(float64(st2.Requests)/float64(n), "requests/op")
}
