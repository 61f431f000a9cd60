package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/numsync/numsync"
)

func applyReq(rev int64, ops ...numsync.Op) numsync.ApplyRequest {
	return numsync.ApplyRequest{
		Revision: rev, Actor: "admin@contoso.com", PlanDigest: "sha256:abc", Ops: ops,
		Started: time.Date(2026, 11, 28, 17, 23, 1, 0, time.UTC), Counts: numsync.Counts{Assign: 1},
	}
}

func TestApply(t *testing.T) { bothEngines(t, testApply) }

func testApply(t *testing.T, e *testEngine) {
	ctx := context.Background()
	t.Run("AssignChangeRemove", func(t *testing.T) {
		s, _ := e.openTemp(t)
		seed(t, s) // alice 0101, bob 0102, revision 3
		req := applyReq(3,
			remove("bob@contoso.com", "+14255550102"),
			change("Alice@contoso.com", "+14255550101", "+14255550103"),
			assign("carol@contoso.com", "+14255550102"),
		)
		req.Ops[1].After.Location = "loc-sea"
		queue := []numsync.Message{{UPN: "alice@contoso.com", To: "alice@contoso.com", Raw: []byte("Subject: your number\r\n\r\n+14255550103\r\n")}}
		req.Messages = func() []numsync.Message { return queue }
		run, err := s.Apply(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		if run.Revision != 4 || run.Status != numsync.RunApplied || run.ID == "" || run.Actor != req.Actor || run.PlanDigest != "sha256:abc" ||
			!run.Started.Equal(req.Started) || run.Counts != req.Counts {
			t.Errorf("run = %+v", run)
		}
		tn := tenant(t, s)
		want := map[string]string{"alice@contoso.com/Primary": "+14255550103", "carol@contoso.com/Primary": "+14255550102"}
		if h := holdings(tn); len(h) != 2 || h["alice@contoso.com/Primary"] != want["alice@contoso.com/Primary"] || h["carol@contoso.com/Primary"] != want["carol@contoso.com/Primary"] {
			t.Errorf("assignments = %v, want %v", h, want)
		}
		for key, ev := range map[string]bool{"alice@contoso.com": true, "bob@contoso.com": false, "carol@contoso.com": true} {
			if u := userByKey(tn, key); u.EnterpriseVoice != ev {
				t.Errorf("%s EnterpriseVoice = %v, want %v", key, u.EnterpriseVoice, ev)
			}
		}
		// 0101 was freed by alice's change and not taken again; 0102 was
		// freed by bob and taken by carol in the same apply.
		if rel := numberOf(tn, "+14255550101").ReleasedAt; !rel.Equal(req.Started) {
			t.Errorf("0101 released at %v, want %v", rel, req.Started)
		}
		if rel := numberOf(tn, "+14255550102").ReleasedAt; !rel.IsZero() {
			t.Errorf("0102 was taken again in the same apply but released at %v", rel)
		}
		if loc := numberOf(tn, "+14255550103").LocationID; loc != "loc-sea" {
			t.Errorf("0103 location %q, want loc-sea", loc)
		}
		for _, a := range tn.Assignments {
			if a.Number.E164 == "+14255550103" && (a.LocationID != "loc-sea" || a.Type != numsync.CallingPlan) {
				t.Errorf("alice's assignment = %+v", a)
			}
		}

		entries, err := s.Audit(ctx, run.ID, 0)
		if err != nil || len(entries) != 3 {
			t.Fatalf("Audit = %d entries, %v; want 3", len(entries), err)
		}
		for i, e := range entries {
			if e.RunID != run.ID || e.Actor != req.Actor || e.At.IsZero() || e.Op.Action != req.Ops[i].Action || e.Op.UPN != req.Ops[i].UPN {
				t.Errorf("audit %d = %+v, want op %+v", i, e, req.Ops[i])
			}
		}
		if e := entries[1].Op; e.Before == nil || e.Before.Number.E164 != "+14255550101" || e.After == nil || e.After.Location != "loc-sea" {
			t.Errorf("change audited as %+v", e)
		}
		if later, _ := s.Audit(ctx, "", entries[0].Seq); len(later) != 2 || later[0].Seq != entries[1].Seq {
			t.Errorf("Audit after seq %d = %+v", entries[0].Seq, later)
		}
		if got, err := s.Run(ctx, run.ID); err != nil || got.Revision != 4 || !got.Ended.Equal(run.Ended) {
			t.Errorf("Run(%s) = %+v, %v; want %+v", run.ID, got, err, run)
		}
		msgs, err := s.Outbox(ctx, 0, 0)
		if err != nil || len(msgs) != 1 || msgs[0].RunID != run.ID || msgs[0].To != "alice@contoso.com" || string(msgs[0].Raw) != string(queue[0].Raw) {
			t.Fatalf("Outbox = %+v, %v", msgs, err)
		}
		if err := s.MarkSent(ctx, msgs[0].ID, time.Now()); err != nil {
			t.Fatal(err)
		}
		if err := s.MarkSent(ctx, msgs[0].ID, time.Now()); err != nil {
			t.Errorf("marking a sent message sent again: %v", err)
		}
		if msgs, _ := s.Outbox(ctx, 0, 0); len(msgs) != 0 {
			t.Errorf("outbox after sending = %+v", msgs)
		}
		if err := s.MarkSent(ctx, 999, time.Now()); !errors.Is(err, numsync.ErrNotFound) {
			t.Errorf("MarkSent(999) = %v; want ErrNotFound", err)
		}
		if rev, _ := s.Revision(ctx); rev != 4 {
			t.Errorf("revision after sending mail = %d, want 4", rev)
		}
	})
	t.Run("SwapTwoUsers", func(t *testing.T) {
		s, _ := e.openTemp(t)
		seed(t, s)
		_, err := s.Apply(ctx, applyReq(3,
			remove("alice@contoso.com", "+14255550101"),
			remove("bob@contoso.com", "+14255550102"),
			assign("alice@contoso.com", "+14255550102"),
			assign("bob@contoso.com", "+14255550101"),
		))
		if err != nil {
			t.Fatal(err)
		}
		tn := tenant(t, s)
		if h := holdings(tn); h["alice@contoso.com/Primary"] != "+14255550102" || h["bob@contoso.com/Primary"] != "+14255550101" {
			t.Errorf("after swap: %v", h)
		}
		for _, n := range []string{"+14255550101", "+14255550102"} {
			if rel := numberOf(tn, n).ReleasedAt; !rel.IsZero() {
				t.Errorf("%s swapped but marked released at %v", n, rel)
			}
		}
		for _, k := range []string{"alice@contoso.com", "bob@contoso.com"} {
			if !userByKey(tn, k).EnterpriseVoice {
				t.Errorf("%s lost EnterpriseVoice in a swap", k)
			}
		}
	})
	t.Run("PrivateNextToPrimary", func(t *testing.T) {
		s, _ := e.openTemp(t)
		seed(t, s)
		op := assign("alice@contoso.com", "+14255550103")
		op.Category = numsync.Private
		if _, err := s.Apply(ctx, applyReq(3, op)); err != nil {
			t.Fatal(err)
		}
		if h := holdings(tenant(t, s)); h["alice@contoso.com/Private"] != "+14255550103" || h["alice@contoso.com/Primary"] != "+14255550101" {
			t.Errorf("assignments = %v", h)
		}
	})
	t.Run("LocationOnlyChange", func(t *testing.T) {
		s, _ := e.openTemp(t)
		seed(t, s)
		op := change("alice@contoso.com", "+14255550101", "+14255550101")
		op.After.Location = "loc-sea"
		if _, err := s.Apply(ctx, applyReq(3, op)); err != nil {
			t.Fatal(err)
		}
		tn := tenant(t, s)
		n := numberOf(tn, "+14255550101")
		if n.LocationID != "loc-sea" || !n.ReleasedAt.IsZero() {
			t.Errorf("number = %+v; want location loc-sea and never released", n)
		}
		if h := holdings(tn); h["alice@contoso.com/Primary"] != "+14255550101" {
			t.Errorf("assignments = %v", h)
		}
	})
	t.Run("EnterpriseVoiceStaysWhileANumberIsLeft", func(t *testing.T) {
		s, _ := e.openTemp(t)
		seed(t, s)
		private := assign("alice@contoso.com", "+14255550103")
		private.Category = numsync.Private
		run, err := s.Apply(ctx, applyReq(3, private, remove("alice@contoso.com", "+14255550101")))
		if err != nil {
			t.Fatal(err)
		}
		if u := userByKey(tenant(t, s), "alice@contoso.com"); !u.EnterpriseVoice {
			t.Fatal("alice keeps a Private number but lost EnterpriseVoice")
		}
		private = remove("alice@contoso.com", "+14255550103")
		private.Category = numsync.Private
		if _, err := s.Apply(ctx, applyReq(run.Revision, private)); err != nil {
			t.Fatal(err)
		}
		if u := userByKey(tenant(t, s), "alice@contoso.com"); u.EnterpriseVoice {
			t.Fatal("alice holds nothing but kept EnterpriseVoice")
		}
	})
	t.Run("DirectRoutingNumberJoinsInventory", func(t *testing.T) {
		s, _ := e.openTemp(t)
		seed(t, s)
		op := assign("carol@contoso.com", "+12065550123")
		op.After = &numsync.Holding{Number: numsync.Number{E164: "+12065550123", Ext: "55"}, Type: numsync.DirectRouting}
		if _, err := s.Apply(ctx, applyReq(3, op)); err != nil {
			t.Fatal(err)
		}
		tn := tenant(t, s)
		var n numsync.InventoryNumber
		for _, x := range tn.Numbers {
			if x.E164 == "+12065550123" {
				n = x
			}
		}
		if n.Ext != "55" || n.Type != numsync.DirectRouting || n.Source != numsync.SourceOnPremises || n.Country != "US" ||
			!n.Can(numsync.CapUser) || !n.Can(numsync.CapVoiceApp) {
			t.Errorf("added number = %+v", n)
		}
		if h := holdings(tn); h["carol@contoso.com/Primary"] != "+12065550123;ext=55" {
			t.Errorf("assignments = %v", h)
		}
	})
	t.Run("EmptyPlanMovesRevision", func(t *testing.T) {
		s, _ := e.openTemp(t)
		run, err := s.Apply(ctx, applyReq(0))
		if err != nil || run.Revision != 1 {
			t.Fatalf("Apply(empty) = %+v, %v; want revision 1", run, err)
		}
		if _, err := s.Apply(ctx, applyReq(0)); !errors.Is(err, numsync.ErrStale) {
			t.Fatalf("the same empty plan applied twice: %v", err)
		}
	})
}

// TestApplyRefused checks that an apply that cannot go through whole writes
// nothing at all: not the earlier ops, not the run, not the audit, not the
// outbox, not the revision.
func TestApplyRefused(t *testing.T) { bothEngines(t, testApplyRefused) }

func testApplyRefused(t *testing.T, e *testEngine) {
	ctx := context.Background()
	cases := []struct {
		name string
		req  numsync.ApplyRequest
		want string
	}{
		{"StaleRevision", applyReq(2, assign("carol@contoso.com", "+14255550103")), "stale"},
		{"BeforeDoesNotMatch", applyReq(3,
			assign("carol@contoso.com", "+14255550103"),
			remove("bob@contoso.com", "+14255550104"),
		), "op 2 (remove bob@contoso.com Primary): the store says bob@contoso.com holds +14255550102"},
		{"RemoveFromIdentityWithoutNumber", applyReq(3, remove("carol@contoso.com", "+14255550103")), "holds no number"},
		{"NumberHeldBySomeoneWhoKeepsIt", applyReq(3,
			assign("carol@contoso.com", "+14255550103"),
			change("alice@contoso.com", "+14255550101", "+14255550102"),
		), "+14255550102 is held by bob@contoso.com"},
		{"SlotTaken", applyReq(3, assign("alice@contoso.com", "+14255550103")), "already holds +14255550101"},
		{"CallingPlanNumberNotInInventory", applyReq(3, assign("carol@contoso.com", "+14255550199")), "not in the inventory"},
		{"UnknownUser", applyReq(3, assign("zoe@contoso.com", "+14255550103")), "no such user"},
		// The store learns that zoe is unknown only from its last insert:
		// the op that would have failed first must still be the one named.
		{"UnknownUserThenStaleBefore", applyReq(3,
			assign("zoe@contoso.com", "+14255550103"),
			remove("bob@contoso.com", "+14255550104"),
		), "op 1 (assign zoe@contoso.com Primary): no such user"},
		{"UnknownUserTakingAHeldNumber", applyReq(3, assign("zoe@contoso.com", "+14255550102")), "op 1 (assign zoe@contoso.com Primary): no such user"},
		{"TypeDiffers", applyReq(3, numsync.Op{Action: numsync.Assign, UPN: "carol@contoso.com",
			After: &numsync.Holding{Number: num("+14255550103"), Type: numsync.OperatorConnect}}), "the inventory says CallingPlan"},
		// Numbers join the inventory in one statement at the end; the op
		// whose number the schema refuses is still the one named.
		{"DirectRoutingNumberTheSchemaRefuses", applyReq(3,
			numsync.Op{Action: numsync.Assign, UPN: "carol@contoso.com", Category: numsync.Primary,
				After: &numsync.Holding{Number: num("+12065550001"), Type: numsync.DirectRouting}},
			numsync.Op{Action: numsync.Assign, UPN: "alice@contoso.com", Category: numsync.Private,
				After: &numsync.Holding{Number: num("2065550002"), Type: numsync.DirectRouting}},
		), "op 2 (assign alice@contoso.com Private): add 2065550002 to the inventory"},
		{"UnknownAction", applyReq(3, numsync.Op{Action: "move", UPN: "carol@contoso.com", After: hold("+14255550103")}), "unknown action"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, _ := e.openTemp(t)
			seed(t, s)
			c.req.Messages = func() []numsync.Message {
				return []numsync.Message{{UPN: "carol@contoso.com", To: "carol@contoso.com", Raw: []byte("x")}}
			}
			before := tenant(t, s)
			_, err := s.Apply(ctx, c.req)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("Apply: %v; want an error containing %q", err, c.want)
			}
			if (c.name == "StaleRevision") != errors.Is(err, numsync.ErrStale) {
				t.Errorf("errors.Is(err, ErrStale) = %v for %v", errors.Is(err, numsync.ErrStale), err)
			}
			after := tenant(t, s)
			if after.Revision != before.Revision || len(after.Numbers) != len(before.Numbers) ||
				len(holdings(after)) != 2 || holdings(after)["alice@contoso.com/Primary"] != "+14255550101" {
				t.Errorf("store changed: revision %d -> %d, assignments %v", before.Revision, after.Revision, holdings(after))
			}
			if u := userByKey(after, "carol@contoso.com"); u.EnterpriseVoice {
				t.Errorf("carol got EnterpriseVoice from a refused apply")
			}
			runs, _ := s.Runs(ctx, 0)
			audit, _ := s.Audit(ctx, "", 0)
			msgs, _ := s.Outbox(ctx, 0, 0)
			if len(runs)+len(audit)+len(msgs) != 0 {
				t.Errorf("refused apply left %d runs, %d audit entries, %d messages", len(runs), len(audit), len(msgs))
			}
		})
	}
}

// TestTwoHandlesApplyAtOnce opens the file twice, as two numsync processes
// would, and applies two plans made at the same revision concurrently:
// exactly one wins, the other is refused as stale.
func TestTwoHandlesApplyAtOnce(t *testing.T) { bothEngines(t, testTwoHandlesApplyAtOnce) }

func testTwoHandlesApplyAtOnce(t *testing.T, e *testEngine) {
	ctx := context.Background()
	s1, path := e.openTemp(t)
	seed(t, s1)
	s2 := openAt(t, path)
	reqs := []numsync.ApplyRequest{
		applyReq(3, assign("carol@contoso.com", "+14255550103")),
		applyReq(3, assign("carol@contoso.com", "+14255550104")),
	}
	errs := make([]error, 2)
	var wg sync.WaitGroup
	for i, s := range []*Store{s1, s2} {
		wg.Go(func() { _, errs[i] = s.Apply(ctx, reqs[i]) })
	}
	wg.Wait()
	var won, stale int
	for _, err := range errs {
		switch {
		case err == nil:
			won++
		case errors.Is(err, numsync.ErrStale):
			stale++
		default:
			t.Errorf("apply failed otherwise: %v", err)
		}
	}
	if won != 1 || stale != 1 {
		t.Fatalf("%d applied, %d stale; want one of each (%v)", won, stale, errs)
	}
	tn := tenant(t, s2)
	if tn.Revision != 4 || len(holdings(tn)) != 3 {
		t.Errorf("revision %d, assignments %v", tn.Revision, holdings(tn))
	}
}

// TestTenantIsASnapshot reads the tenant over and over while another handle
// assigns every number and takes them back again (by an apply, or by
// importing an export that lists them free), several times: every snapshot
// must show the tenant wholly before or wholly after an apply or import,
// never half of one. The users and the assignments are read on two
// connections, so this also holds them to one revision; with splitTries 0
// it checks the one-transaction read.
func TestTenantIsASnapshot(t *testing.T) {
	bothEngines(t, func(t *testing.T, e *testEngine) {
		for _, tries := range []int{splitTries, 0} {
			t.Run(fmt.Sprintf("splitTries=%d", tries), func(t *testing.T) {
				defer func(was int) { splitTries = was }(splitTries)
				splitTries = tries
				testTenantIsASnapshot(t, e)
			})
		}
	})
}

func testTenantIsASnapshot(t *testing.T, e *testEngine) {
	ctx := context.Background()
	const n, rounds = 2000, 4
	writer, path := e.openTemp(t)
	if _, err := writer.ImportUsers(ctx, benchUsers(n), numsync.UserImportOptions{Source: "csv"}); err != nil {
		t.Fatal(err)
	}
	if _, err := writer.ImportNumbers(ctx, benchInventory(n, false), nil); err != nil {
		t.Fatal(err)
	}
	reader := openAt(t, path)
	assigns, removes := make([]numsync.Op, n), make([]numsync.Op, n)
	for i := range assigns {
		upn := fmt.Sprintf("user%06d@contoso.com", i)
		assigns[i], removes[i] = assign(upn, benchNumber(i)), remove(upn, benchNumber(i))
	}
	done := make(chan error)
	go func() {
		for r := range int64(rounds) {
			var err error
			switch r % 4 {
			case 0, 2:
				_, err = writer.Apply(ctx, applyReq(2+r, assigns...))
			case 1: // an export that lists every number free, imported
				_, err = writer.ImportNumbers(ctx, benchInventory(n, false), nil)
			case 3:
				_, err = writer.Apply(ctx, applyReq(2+r, removes...))
			}
			if err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	seen := map[int64]bool{}
	for finished := false; !finished; {
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
			finished = true
		default:
		}
		tn := tenant(t, reader)
		seen[tn.Revision] = true
		voice := 0
		for _, u := range tn.Users {
			if u.EnterpriseVoice {
				voice++
			}
		}
		want := 0
		if tn.Revision%2 == 1 { // after an assigning apply
			want = n
		}
		if len(tn.Assignments) != want || voice != want {
			t.Fatalf("snapshot at revision %d has %d assignments and %d voice users; want %d", tn.Revision, len(tn.Assignments), voice, want)
		}
	}
	if len(seen) < 2 {
		t.Errorf("every snapshot was at revision %v; the reads never overlapped an apply", seen)
	}
}

// TestOutboxPages reads the outbox a page at a time: ids above the last
// one read, oldest first, sent messages left out, and the count of those
// still to send.
func TestOutboxPages(t *testing.T) { bothEngines(t, testOutboxPages) }

func testOutboxPages(t *testing.T, e *testEngine) {
	ctx := context.Background()
	s, _ := e.openTemp(t)
	var queue []numsync.Message
	for i := range 5 {
		to := fmt.Sprintf("user%d@contoso.com", i)
		queue = append(queue, numsync.Message{UPN: to, To: to, Raw: []byte("Subject: " + to)})
	}
	req := applyReq(0)
	req.Messages = func() []numsync.Message { return queue }
	if _, err := s.Apply(ctx, req); err != nil {
		t.Fatal(err)
	}
	all, err := s.Outbox(ctx, 0, 0)
	if err != nil || len(all) != 5 {
		t.Fatalf("Outbox(0, 0) = %d messages, %v; want all 5", len(all), err)
	}
	if err := s.MarkSent(ctx, all[2].ID, time.Now()); err != nil {
		t.Fatal(err)
	}
	var got []string
	for after := int64(0); ; {
		page, err := s.Outbox(ctx, after, 2)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		if len(page) > 2 {
			t.Fatalf("page of %d messages, limit 2", len(page))
		}
		for _, m := range page {
			got = append(got, m.UPN)
			after = m.ID
		}
	}
	want := []string{queue[0].UPN, queue[1].UPN, queue[3].UPN, queue[4].UPN}
	if !slices.Equal(got, want) {
		t.Errorf("paged outbox = %v, want %v", got, want)
	}
	if n, err := s.OutboxLen(ctx); err != nil || n != 4 {
		t.Errorf("OutboxLen = %d, %v; want 4", n, err)
	}
}
