package graph_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/numsync/numsync"
	"github.com/numsync/numsync/graph"
	"github.com/numsync/numsync/graph/graphtest"
	"github.com/numsync/numsync/store"
)

// tenant is n users user0…, each holding number i when held[i] is set, in
// a real store and on a contract server alike.
type tenant struct {
	st  *store.Store
	s   *graphtest.Server
	cfg graph.Config
	ids map[string]string
}

func newTenant(t *testing.T, n int, held ...int) *tenant {
	t.Helper()
	ctx := context.Background()
	s, cfg := newServer(t)
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "numsync.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	tn := &tenant{st: st, s: s, cfg: cfg, ids: map[string]string{}}
	var users []numsync.User
	var recs []numsync.InventoryRecord
	for i := range n {
		u := numsync.User{UPN: upn(i), ObjectID: fmt.Sprintf("oid-%d", i), Kind: numsync.KindUser, UsageLocation: "US", Enabled: true}
		users = append(users, u)
		tn.ids[numsync.UPNKey(u.UPN)] = u.ObjectID
		r := numsync.InventoryRecord{InventoryNumber: numsync.InventoryNumber{Number: num(i), Type: numsync.DirectRouting, Country: "US",
			Capabilities: []numsync.Capability{numsync.CapUser}, Source: numsync.SourceOnPremises}}
		for _, h := range held {
			if h == i {
				r.HolderID, r.Category = u.ObjectID, numsync.Primary
			}
		}
		recs = append(recs, r)
		s.AddNumber(graphtest.FromRecord(r))
	}
	if _, err := st.ImportUsers(ctx, users, numsync.UserImportOptions{Source: "csv"}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.ImportNumbers(ctx, recs, nil); err != nil {
		t.Fatal(err)
	}
	return tn
}

func upn(i int) string          { return fmt.Sprintf("user%d@contoso.com", i) }
func num(i int) numsync.Number  { return numsync.Number{E164: fmt.Sprintf("+1206555%04d", i)} }
func dr(i int) *numsync.Holding { return &numsync.Holding{Number: num(i), Type: numsync.DirectRouting} }
func oid(i int) string          { return fmt.Sprintf("oid-%d", i) }
func (tn *tenant) objectID(u string) (string, bool) {
	id := tn.ids[numsync.UPNKey(u)]
	return id, id != ""
}

// apply applies ops to the store and returns the run's id.
func (tn *tenant) apply(t *testing.T, ops []numsync.Op) string {
	t.Helper()
	ctx := context.Background()
	rev, _ := tn.st.Revision(ctx)
	run, err := tn.st.Apply(ctx, numsync.ApplyRequest{Revision: rev, Actor: "admin@contoso.com", Ops: ops})
	if err != nil {
		t.Fatal(err)
	}
	return run.ID
}

// push pushes run id with what the store recorded so far.
func (tn *tenant) push(t *testing.T, c *graph.Client, id string, ops []numsync.Op) graph.PushResult {
	t.Helper()
	ctx := context.Background()
	outs, err := tn.st.Outcomes(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.Push(ctx, graph.PushRequest{RunID: id, Ops: ops, Outcomes: outs, ObjectID: tn.objectID, Actor: "admin@contoso.com", Recorder: tn.st})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestPushSwapFreesBeforeTaking(t *testing.T) {
	tn := newTenant(t, 2, 0, 1)
	// user0 and user1 swap numbers, as the planner writes a swap.
	ops := []numsync.Op{
		{Action: numsync.Remove, UPN: upn(0), Category: numsync.Primary, Before: dr(0)},
		{Action: numsync.Remove, UPN: upn(1), Category: numsync.Primary, Before: dr(1)},
		{Action: numsync.Assign, UPN: upn(0), Category: numsync.Primary, After: dr(1)},
		{Action: numsync.Assign, UPN: upn(1), Category: numsync.Primary, After: dr(0)},
	}
	id := tn.apply(t, ops)
	res := tn.push(t, newClient(t, tn.cfg), id, ops)
	if res.Succeeded != 4 || len(res.Drift) != 0 {
		t.Fatalf("push = %+v", res)
	}
	for i, want := range []string{oid(1), oid(0)} {
		if a, _ := tn.s.Number(num(i).E164); a.AssignmentTargetID != want {
			t.Errorf("%s is held by %q, want %q", num(i), a.AssignmentTargetID, want)
		}
	}
	reqs := tn.s.Requests()
	var order []string
	for _, r := range reqs {
		if r.Method == "POST" {
			order = append(order, r.Path[len(graph.PathNumbers)+1:])
		}
	}
	if fmt.Sprint(order) != "[unassignNumber unassignNumber assignNumber assignNumber]" {
		t.Errorf("actions in order %v, want both frees before both takes", order)
	}
	outs, _ := tn.st.Outcomes(context.Background(), id)
	for _, o := range outs {
		if o.State != numsync.PushSucceeded || o.Via != numsync.ViaGraph || o.Attempts != 1 {
			t.Errorf("outcome %+v", o)
		}
	}
}

func TestPushTokenExpiresMidway(t *testing.T) {
	tn := newTenant(t, 6)
	var ops []numsync.Op
	for i := range 6 {
		ops = append(ops, numsync.Op{Action: numsync.Assign, UPN: upn(i), Category: numsync.Primary, After: dr(i)})
	}
	id := tn.apply(t, ops)
	c := newClient(t, tn.cfg)
	tn.s.HoldAfter(3)
	done := make(chan graph.PushResult)
	go func() { done <- tn.push(t, c, id, ops) }()
	tn.s.WaitHeld(1)
	tn.s.ExpireTokens()
	tn.s.Release()
	res := <-done
	if res.Succeeded != 6 {
		t.Fatalf("push = %+v", res)
	}
	if n := tn.s.TokensIssued(); n != 2 {
		t.Errorf("%d tokens issued, want 2: the expired one renewed once", n)
	}
	for k, n := range tn.s.Actions() {
		if n != 1 {
			t.Errorf("%s accepted %d times", k, n)
		}
	}
}

func TestPushStopsRetryingAfterMaxAttempts(t *testing.T) {
	tn := newTenant(t, 1)
	ops := []numsync.Op{{Action: numsync.Assign, UPN: upn(0), Category: numsync.Primary, After: dr(0)}}
	id := tn.apply(t, ops)
	tn.cfg.MaxAttempts = 2
	c := newClient(t, tn.cfg)
	tn.s.FailAssign(num(0).E164, 5)
	for try := 1; try <= 3; try++ {
		res := tn.push(t, c, id, ops)
		if res.Failed != 1 {
			t.Fatalf("push %d = %+v, want the operation failed", try, res)
		}
	}
	if got := tn.s.Actions()["assignNumber "+num(0).E164]; got != 2 {
		t.Errorf("assign sent %d times over 3 pushes, want 2 (max_attempts)", got)
	}
	outs, _ := tn.st.Outcomes(context.Background(), id)
	if o := outs[0]; o.State != numsync.PushFailed || o.Attempts != 2 || o.ErrorCode != "OperationFailed" || o.Error == "" {
		t.Errorf("outcome %+v, want failed after 2 attempts with Teams' reason", o)
	}
}

func TestPushReportsDrift(t *testing.T) {
	tn := newTenant(t, 2)
	ops := []numsync.Op{{Action: numsync.Assign, UPN: upn(0), Category: numsync.Primary, After: dr(0)}}
	id := tn.apply(t, ops)
	c := newClient(t, tn.cfg)
	// Teams reports the operation done, but the number's activation
	// failed afterwards.
	tn.s.FailActivation(num(0).E164)
	res := tn.push(t, c, id, ops)
	if res.Succeeded != 1 || len(res.Drift) != 1 || res.Drift[0].Number != num(0).E164 || res.Drift[0].Reason != "activationState is assignmentFailed" {
		t.Fatalf("push = %+v, want %s reported as drift", res, num(0))
	}
}

func TestPushUnknownTargetAndDryRun(t *testing.T) {
	tn := newTenant(t, 2)
	ops := []numsync.Op{
		{Action: numsync.Assign, UPN: upn(0), Category: numsync.Primary, After: dr(0)},
		{Action: numsync.Assign, UPN: "nobody@contoso.com", Category: numsync.Primary, After: dr(1)},
	}
	tn.ids[numsync.UPNKey(upn(0))] = "" // user0 has no cloud object id
	c := newClient(t, tn.cfg)
	ctx := context.Background()
	// The store refuses an apply for an unknown user, so the run here is
	// of two operations of user1, and the push is given the ops to test.
	id := tn.apply(t, []numsync.Op{
		{Action: numsync.Assign, UPN: upn(1), Category: numsync.Primary, After: dr(0)},
		{Action: numsync.Remove, UPN: upn(1), Category: numsync.Primary, Before: dr(0)},
	})
	var out strings.Builder
	res, err := c.Push(ctx, graph.PushRequest{RunID: id, Ops: ops, ObjectID: tn.objectID, Recorder: tn.st, DryRun: true, DryRunOut: &out})
	if err != nil || len(tn.s.Requests()) != 0 {
		t.Fatalf("dry run: %v, %d requests sent", err, len(tn.s.Requests()))
	}
	if !strings.Contains(out.String(), "step 2 nobody@contoso.com: POST ") || !strings.Contains(out.String(), `"telephoneNumber":"+12065550001"`) {
		t.Errorf("dry run printed %q", out.String())
	}
	res = tn.push(t, c, id, ops)
	for _, o := range res.Outcomes {
		if o.State != numsync.PushFailed || o.ErrorCode != "UnknownTarget" {
			t.Errorf("outcome %+v, want failed: no cloud object id to assign to", o)
		}
	}
	if n := len(tn.s.Actions()); n != 0 {
		t.Errorf("%d actions sent for identities without an object id", n)
	}
}

func TestPushResumesSubmittedByPolling(t *testing.T) {
	tn := newTenant(t, 3)
	var ops []numsync.Op
	for i := range 3 {
		ops = append(ops, numsync.Op{Action: numsync.Assign, UPN: upn(i), Category: numsync.Primary, After: dr(i)})
	}
	id := tn.apply(t, ops)
	c := newClient(t, tn.cfg)
	// Teams accepts the three actions but their operations never end while
	// the first push runs; it is stopped once it polls each of them.
	tn.s.FinishAfterPolls(1 << 30)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() {
		_, err := c.Push(ctx, graph.PushRequest{RunID: id, Ops: ops, ObjectID: tn.objectID, Recorder: tn.st})
		done <- err
	}()
	tn.s.WaitPolls(3)
	cancel()
	if err := <-done; err == nil {
		t.Fatal("the stopped push reported no error")
	}
	outs, _ := tn.st.Outcomes(context.Background(), id)
	for _, o := range outs {
		if o.State != numsync.PushSubmitted || o.OperationURL == "" {
			t.Fatalf("after the stop: %+v, want submitted with its operation's URL", o)
		}
	}
	tn.s.FinishAfterPolls(1)
	res := tn.push(t, c, id, ops)
	if res.Succeeded != 3 {
		t.Fatalf("resumed push = %+v", res)
	}
	for k, n := range tn.s.Actions() {
		if n != 1 {
			t.Errorf("%s sent %d times: a submitted operation must be polled, not resent", k, n)
		}
	}
	outs, _ = tn.st.Outcomes(context.Background(), id)
	for _, o := range outs {
		if o.Attempts != 1 {
			t.Errorf("outcome %+v, want one attempt", o)
		}
	}
}
