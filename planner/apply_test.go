package planner

import (
	"bytes"
	"context"
	"errors"
	"io"
	"mime/quotedprintable"
	"net/mail"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/numsync/numsync"
	"github.com/numsync/numsync/internal/fakeclock"
	"github.com/numsync/numsync/store"
)

const admin = "admin@example.com"

// openStore opens a new SQLite store file in the test's directory.
func openStore(t *testing.T) (*store.Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "numsync.db")
	return reopen(t, path), path
}

func reopen(t *testing.T, path string) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), path)
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// seed loads the fixture tenant (with its assignments) into st, as the
// imports would, and makes admin a Teams Telephony Administrator.
func seed(t *testing.T, st numsync.Store, ten *numsync.Tenant) {
	t.Helper()
	ctx := context.Background()
	users := make([]numsync.User, len(ten.Users))
	for i, u := range ten.Users {
		u.ObjectID = "oid-" + u.Key()
		u.DisplayName = strings.Split(u.UPN, "@")[0]
		users[i] = u
	}
	if _, err := st.ImportUsers(ctx, users, numsync.UserImportOptions{Source: "csv"}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.ImportLocations(ctx, ten.Locations, nil); err != nil {
		t.Fatal(err)
	}
	var recs []numsync.InventoryRecord
	for _, n := range ten.Numbers {
		rec := numsync.InventoryRecord{InventoryNumber: n}
		for _, a := range ten.Assignments {
			if a.Number == n.Number {
				rec.HolderID, rec.Category = "oid-"+numsync.UPNKey(a.UPN), a.Category
			}
		}
		recs = append(recs, rec)
	}
	res, err := st.ImportNumbers(ctx, recs, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Problems) > 0 {
		t.Fatalf("seeding the store: %+v", res.Problems)
	}
	if _, err := st.GrantRole(ctx, numsync.RoleGrant{Principal: admin, Role: numsync.RoleTeamsTelephonyAdmin}); err != nil {
		t.Fatal(err)
	}
}

// seeded opens a store holding the fixture with the given assignments.
func seeded(t *testing.T, assign ...string) (*store.Store, string) {
	t.Helper()
	st, path := openStore(t)
	ten := fixture()
	holds(assign...)(ten)
	seed(t, st, ten)
	return st, path
}

func snapshot(t *testing.T, st numsync.Store) *numsync.Tenant {
	t.Helper()
	ten, err := st.Tenant(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return ten
}

// holdings lists the store's assignments as "upn/category=number", sorted.
func holdings(t *testing.T, st numsync.Store) string {
	t.Helper()
	var out []string
	for _, a := range snapshot(t, st).Assignments {
		out = append(out, numsync.UPNKey(a.UPN)+"/"+string(a.Category)+"="+a.Number.String())
	}
	slices.Sort(out)
	return strings.Join(out, " ")
}

func planOn(t *testing.T, st numsync.Store, policy numsync.Policy, wishes ...numsync.Wish) *numsync.Plan {
	t.Helper()
	return Plan(Input{Tenant: snapshot(t, st), Wishes: wishes, Policy: policy, Now: time.Now()})
}

func TestApply(t *testing.T) {
	ctx := context.Background()

	t.Run("ApplyThenReplanIsEmpty", func(t *testing.T) {
		st, _ := seeded(t, alice, n(1), bob, n(2), carol, n(3))
		wishes := []numsync.Wish{
			wish(alice, n(2)), wish(bob, n(1)), // swap
			wish(carol, ""), // remove
			with(wish(dave, n(4)), func(w *numsync.Wish) { w.LocationID = "Seattle office" }), // assign
			wish("hybrid@example.com", n(5)), // blocked
			wish("nobody@example.com", n(6)), // rejected
			with(wish("erin@example.com", drOutside), func(w *numsync.Wish) { w.Type = numsync.DirectRouting }),
		}
		p := planOn(t, st, numsync.Policy{}, wishes...)
		rev := p.Revision
		run, err := Apply(ctx, st, p, ApplyOptions{Actor: admin, MaxRemoves: numsync.DefaultMaxRemoves, MailFrom: "Telephony <telephony@example.com>"})
		if err != nil {
			t.Fatal(err)
		}
		if run.Status != numsync.RunApplied || run.Revision != rev+1 || run.PlanDigest != Digest(p) {
			t.Errorf("run = %+v, want applied at revision %d with the plan's digest", run, rev+1)
		}
		want := "alice@example.com/Primary=" + n(2) + " bob@example.com/Primary=" + n(1) +
			" dave@example.com/Primary=" + n(4) + " erin@example.com/Primary=" + drOutside
		if got := holdings(t, st); got != want {
			t.Errorf("after apply:\n  got  %s\n  want %s", got, want)
		}
		again := planOn(t, st, numsync.Policy{}, wishes...)
		if len(again.Ops) != 0 {
			t.Errorf("re-planning the same sheets gives %q, want no operations", opLines(again))
		}
		if again.Counts.Unchanged != 5 || again.Counts.Rejected != 1 || again.Counts.Blocked != 1 {
			t.Errorf("re-plan counts %+v, want 5 unchanged, 1 rejected, 1 blocked", again.Counts)
		}
		for _, u := range snapshot(t, st).Users {
			switch u.Key() {
			case alice, dave:
				if !u.EnterpriseVoice {
					t.Errorf("%s holds a number but EnterpriseVoice is off", u.UPN)
				}
			case carol:
				if u.EnterpriseVoice {
					t.Errorf("%s lost its last number but EnterpriseVoice is on", u.UPN)
				}
			}
		}

		msgs, err := st.Outbox(ctx, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(msgs) != 4 { // alice, bob, dave, erin
			t.Fatalf("outbox has %d messages, want 4", len(msgs))
		}
		var daves *numsync.Message
		for i := range msgs {
			if msgs[i].UPN == dave {
				daves = &msgs[i]
			}
		}
		if daves == nil || daves.To != dave {
			t.Fatalf("no message to dave: %+v", msgs)
		}
		m, err := mail.ReadMessage(bytes.NewReader(daves.Raw))
		if err != nil {
			t.Fatalf("message is not RFC 5322: %v\n%s", err, daves.Raw)
		}
		for _, h := range []string{"From", "To", "Subject", "Date", "Message-Id", "Mime-Version", "Content-Type"} {
			if m.Header.Get(h) == "" {
				t.Errorf("message lacks %s header:\n%s", h, daves.Raw)
			}
		}
		if _, err := m.Header.Date(); err != nil {
			t.Errorf("bad Date header: %v", err)
		}
		if from, err := mail.ParseAddress(m.Header.Get("From")); err != nil || from.Address != "telephony@example.com" {
			t.Errorf("From = %q (%v)", m.Header.Get("From"), err)
		}
		body, err := io.ReadAll(quotedprintable.NewReader(m.Body))
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"+1 425-555-0104", "Calling Plan", "Seattle office"} {
			if !strings.Contains(string(body), want) {
				t.Errorf("body lacks %q:\n%s", want, body)
			}
		}
	})

	t.Run("StalePlanRefused", func(t *testing.T) {
		st, _ := seeded(t, alice, n(1))
		p := planOn(t, st, numsync.Policy{}, wish(bob, n(2)))
		if _, err := Apply(ctx, st, p, ApplyOptions{Actor: admin}); err != nil {
			t.Fatal(err)
		}
		before := holdings(t, st)
		rev, _ := st.Revision(ctx)
		run, err := Apply(ctx, st, p, ApplyOptions{Actor: admin})
		var stale *StaleError
		if !errors.As(err, &stale) || !errors.Is(err, numsync.ErrStale) {
			t.Fatalf("second apply: err = %v, want a stale plan error", err)
		}
		if stale.PlanRevision != p.Revision || stale.StoreRevision != rev || strings.Contains(err.Error(), "\n") {
			t.Errorf("stale error %q does not name both revisions on one line", err)
		}
		if run.Status != numsync.RunStale {
			t.Errorf("run status %s, want %s", run.Status, numsync.RunStale)
		}
		if got, _ := st.Revision(ctx); got != rev || holdings(t, st) != before {
			t.Errorf("a stale apply changed the store")
		}
	})

	t.Run("EmptyPlanOnEmptyStoreAppliesOnce", func(t *testing.T) {
		st, _ := openStore(t)
		p := Plan(Input{Tenant: snapshot(t, st)})
		if p.Revision != 0 {
			t.Fatalf("empty store at revision %d, want 0", p.Revision)
		}
		if _, err := st.GrantRole(ctx, numsync.RoleGrant{Principal: admin, Role: numsync.RoleTeamsAdmin}); err != nil {
			t.Fatal(err)
		}
		// Granting the role moved the store on: the plan is stale now.
		if _, err := Apply(ctx, st, p, ApplyOptions{Actor: admin}); !errors.Is(err, numsync.ErrStale) {
			t.Fatalf("err = %v, want stale", err)
		}
		p = Plan(Input{Tenant: snapshot(t, st)})
		run, err := Apply(ctx, st, p, ApplyOptions{Actor: admin})
		if err != nil || run.Status != numsync.RunNothingToDo {
			t.Fatalf("run %+v, err %v, want nothing-to-do", run, err)
		}
	})

	t.Run("ThresholdBreachAppliesNothing", func(t *testing.T) {
		st, _ := seeded(t, alice, n(1), bob, n(2), carol, n(3))
		p := planOn(t, st, numsync.Policy{Mode: numsync.Authoritative}, wish(dave, n(4)))
		if p.Removals() != 3 {
			t.Fatalf("Removals = %d, want 3", p.Removals())
		}
		before, rev := holdings(t, st), p.Revision
		// The zero value is a count of 0: no removal at all.
		for _, limit := range []numsync.Threshold{{}, {Count: 2}, {Percent: 50}} {
			run, err := Apply(ctx, st, p, ApplyOptions{Actor: admin, MaxRemoves: limit})
			var held *HeldBackError
			if !errors.As(err, &held) || held.Removes != 3 || held.Limit >= 3 {
				t.Fatalf("limit %s: err = %v, want held back", limit, err)
			}
			if run.Status != numsync.RunHeldBack || held.Run.ID != run.ID {
				t.Errorf("run %+v, want status %s", run, numsync.RunHeldBack)
			}
			if got, _ := st.Revision(ctx); got != rev || holdings(t, st) != before {
				t.Errorf("a held back plan changed the store")
			}
		}
		if _, err := Apply(ctx, st, p, ApplyOptions{Actor: admin, MaxRemoves: numsync.Threshold{Count: 3}}); err != nil {
			t.Fatalf("raised limit: %v", err)
		}
		if got := holdings(t, st); got != "dave@example.com/Primary="+n(4) {
			t.Errorf("after apply: %s", got)
		}
	})

	t.Run("SwapIsNotCountedAsRemoval", func(t *testing.T) {
		st, _ := seeded(t, alice, n(1), bob, n(2))
		p := planOn(t, st, numsync.Policy{}, wish(alice, n(2)), wish(bob, n(1)))
		if p.Removals() != 0 {
			t.Errorf("a swap counts %d removals, want 0", p.Removals())
		}
		// Even a guard that allows no removal at all lets the swap through.
		if _, err := Apply(ctx, st, p, ApplyOptions{Actor: admin, MaxRemoves: numsync.Threshold{Percent: 1}}); err != nil {
			t.Fatal(err)
		}
	})

	// A number one row frees and another row takes ends with someone: the
	// guard counts only numbers that end with nobody.
	t.Run("NumberHandedOnIsNotCountedAsRemoval", func(t *testing.T) {
		st, _ := seeded(t, alice, n(1), bob, n(2))
		p := planOn(t, st, numsync.Policy{}, wish(alice, ""), wish(carol, n(1)), wish(bob, ""))
		if p.Removals() != 1 || p.Counts.Remove != 2 {
			t.Fatalf("Removals = %d (rows remove %d); want 1: only bob's number ends with nobody", p.Removals(), p.Counts.Remove)
		}
		if _, err := Apply(ctx, st, p, ApplyOptions{Actor: admin, MaxRemoves: numsync.Threshold{Count: 1}}); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("UnauthorisedActorAppliesNothing", func(t *testing.T) {
		st, _ := seeded(t, alice, n(1))
		p := planOn(t, st, numsync.Policy{}, wish(alice, ""))
		for _, actor := range []string{"mallory@example.com", ""} {
			run, err := Apply(ctx, st, p, ApplyOptions{Actor: actor})
			var na *NotAuthorizedError
			if !errors.As(err, &na) || na.Reason() != numsync.NotAuthorized {
				t.Fatalf("actor %q: err = %v, want not authorised", actor, err)
			}
			if run.Status != numsync.RunNotAuthorized {
				t.Errorf("run status %s, want %s", run.Status, numsync.RunNotAuthorized)
			}
		}
		if got := holdings(t, st); got != "alice@example.com/Primary="+n(1) {
			t.Errorf("an unauthorised apply changed the store: %s", got)
		}
		// Roles match the actor without case.
		if _, err := Apply(ctx, st, p, ApplyOptions{Actor: "Admin@Example.com", MaxRemoves: numsync.DefaultMaxRemoves}); err != nil {
			t.Errorf("admin in other case: %v", err)
		}
	})

	t.Run("LockedStoreFailsFastNamingHolder", func(t *testing.T) {
		st, _ := seeded(t, alice, n(1))
		if _, err := st.Lock(ctx, "nightly run on host7 pid 4242", time.Minute); err != nil {
			t.Fatal(err)
		}
		p := planOn(t, st, numsync.Policy{}, wish(bob, n(2)))
		_, err := Apply(ctx, st, p, ApplyOptions{Actor: admin})
		var locked *numsync.LockedError
		if !errors.As(err, &locked) || !strings.Contains(err.Error(), "host7 pid 4242") {
			t.Fatalf("err = %v, want a lock error naming the holder", err)
		}
	})

	t.Run("WaitingApplyGoesThroughOnceTheHolderLetsGo", func(t *testing.T) {
		st, _ := seeded(t, alice, n(1))
		l, err := st.Lock(ctx, "nightly run on host7 pid 4242", time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		p := planOn(t, st, numsync.Policy{}, wish(bob, n(2)))
		clock := fakeclock.New(time.Now())
		waiting := make(chan string, 10)
		done := make(chan error, 1)
		go func() {
			_, err := Apply(ctx, st, p, ApplyOptions{Actor: admin, Wait: true, PollInterval: time.Second, Clock: clock,
				Waiting: func(le *numsync.LockedError) { waiting <- le.Holder }})
			done <- err
		}()
		// Two looks at the lock, a poll interval apart, find it taken.
		for range 2 {
			select {
			case holder := <-waiting:
				if holder != "nightly run on host7 pid 4242" {
					t.Errorf("waiting for %q, want the holder named", holder)
				}
			case err := <-done:
				t.Fatalf("apply with Wait returned while the store was locked: %v", err)
			}
			clock.BlockUntil(1)
			clock.Advance(time.Second)
		}
		clock.BlockUntil(1)
		if got := holdings(t, st); got != "alice@example.com/Primary="+n(1) {
			t.Fatalf("a waiting apply changed the store: %s", got)
		}
		if err := l.Release(ctx); err != nil {
			t.Fatal(err)
		}
		clock.Advance(time.Second)
		if err := <-done; err != nil {
			t.Fatalf("waiting apply: %v", err)
		}
		if got := holdings(t, st); !strings.Contains(got, "bob@example.com/Primary="+n(2)) {
			t.Errorf("after the wait: %s", got)
		}
	})

	t.Run("LockOfCrashedHolderExpires", func(t *testing.T) {
		st, path := seeded(t, alice, n(1))
		clock := fakeclock.New(time.Now())
		st.UseClock(clock)
		// A holder that took the lock and died without releasing it.
		dead := reopen(t, path)
		dead.UseClock(clock)
		if _, err := dead.Lock(ctx, "killed process", time.Minute); err != nil {
			t.Fatal(err)
		}
		p := planOn(t, st, numsync.Policy{}, wish(bob, n(2)))
		if _, err := Apply(ctx, st, p, ApplyOptions{Actor: admin, Clock: clock}); !errors.Is(err, numsync.ErrLocked) {
			t.Fatalf("apply within the dead holder's ttl: %v, want ErrLocked", err)
		}
		clock.Advance(time.Minute)
		if _, err := Apply(ctx, st, planOn(t, st, numsync.Policy{}, wish(bob, n(2))), ApplyOptions{Actor: admin, Clock: clock}); err != nil {
			t.Fatalf("apply after the lock expired: %v", err)
		}
	})

	t.Run("HeldLockIsRenewedWhileTheRunGoesOn", func(t *testing.T) {
		st, path := seeded(t, alice, n(1))
		clock := fakeclock.New(time.Now())
		st.UseClock(clock)
		other := reopen(t, path)
		other.UseClock(clock)
		release, err := Hold(ctx, st, ApplyOptions{Actor: admin, LockHolder: "long run", LockTTL: 3 * time.Minute, Clock: clock})
		if err != nil {
			t.Fatal(err)
		}
		defer release()
		// The renewal waits a third of the ttl; each time it has renewed,
		// it waits again.
		for range 4 {
			clock.BlockUntil(1)
			clock.Advance(time.Minute)
		}
		clock.BlockUntil(1)
		// Four minutes on, past the first lease, the lock is still held.
		if _, err := other.Lock(ctx, "someone else", time.Minute); !errors.Is(err, numsync.ErrLocked) {
			t.Fatalf("another writer got the lock of a run that renews it: %v", err)
		}
	})

	t.Run("TwoConcurrentApplies", func(t *testing.T) {
		for _, wait := range []bool{false, true} {
			st, path := seeded(t, alice, n(1))
			other := reopen(t, path)
			// Both plans were made from the same revision and want n1 for
			// different people: at most one may happen.
			p1 := planOn(t, st, numsync.Policy{}, wish(alice, ""), wish(bob, n(1)))
			p2 := planOn(t, other, numsync.Policy{}, wish(alice, ""), wish(carol, n(1)))
			var wg sync.WaitGroup
			errs := make([]error, 2)
			for i, job := range []struct {
				st numsync.Store
				p  *numsync.Plan
			}{{st, p1}, {other, p2}} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					_, errs[i] = Apply(ctx, job.st, job.p, ApplyOptions{Actor: admin, MaxRemoves: numsync.DefaultMaxRemoves, LockHolder: "apply " + string(rune('A'+i)),
						Wait: wait, PollInterval: 10 * time.Millisecond})
				}()
			}
			wg.Wait()
			won := 0
			for _, err := range errs {
				switch {
				case err == nil:
					won++
				case errors.Is(err, numsync.ErrStale) || errors.Is(err, numsync.ErrLocked):
				default:
					t.Fatalf("wait=%v: unexpected error %v", wait, err)
				}
			}
			if won != 1 {
				t.Fatalf("wait=%v: %d applies won (errors %v), want exactly 1", wait, won, errs)
			}
			got := holdings(t, st)
			if got != "bob@example.com/Primary="+n(1) && got != "carol@example.com/Primary="+n(1) {
				t.Errorf("wait=%v: store ends as %q", wait, got)
			}
		}
	})
}

func TestRollback(t *testing.T) {
	ctx := context.Background()

	t.Run("RoundTrip", func(t *testing.T) {
		st, _ := seeded(t, alice, n(1), bob, n(2), carol, n(3))
		original := holdings(t, st)
		p := planOn(t, st, numsync.Policy{QuarantineDays: 30},
			wish(alice, n(2)), wish(bob, n(1)), wish(carol, ""), wish(dave, n(4)),
			with(wish(dave, n(5)), func(w *numsync.Wish) { w.Category = numsync.Private }))
		run, err := Apply(ctx, st, p, ApplyOptions{Actor: admin, MaxRemoves: numsync.DefaultMaxRemoves})
		if err != nil {
			t.Fatal(err)
		}
		back, err := Rollback(ctx, st, run.ID, RollbackOptions{Policy: numsync.Policy{QuarantineDays: 30}})
		if err != nil {
			t.Fatal(err)
		}
		if len(back.Rejects) != 0 || back.Counts.Change != 2 || back.Counts.Remove != 2 || back.Counts.Assign != 1 {
			t.Fatalf("rollback plan: %q rejects %+v counts %+v", opLines(back), back.Rejects, back.Counts)
		}
		// As numsync rollback does: the guard is for sheets.
		if _, err := Apply(ctx, st, back, ApplyOptions{Actor: admin, MaxRemoves: numsync.Threshold{Count: len(back.Ops)}}); err != nil {
			t.Fatal(err)
		}
		if got := holdings(t, st); got != original {
			t.Errorf("after rollback:\n  got  %s\n  want %s", got, original)
		}
	})

	t.Run("PartsChangedSinceAreRejected", func(t *testing.T) {
		st, _ := seeded(t, alice, n(1), bob, n(2))
		run1, err := Apply(ctx, st, planOn(t, st, numsync.Policy{},
			wish(alice, n(6)), wish(bob, n(8)), wish(dave, n(4))), ApplyOptions{Actor: admin})
		if err != nil {
			t.Fatal(err)
		}
		// A later run gives alice's old number to erin and moves dave on.
		if _, err := Apply(ctx, st, planOn(t, st, numsync.Policy{},
			wish("erin@example.com", n(1)), wish(dave, n(7))), ApplyOptions{Actor: admin}); err != nil {
			t.Fatal(err)
		}
		back, err := Rollback(ctx, st, run1.ID, RollbackOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if got, want := codes(back.Rejects), []string{"alice@example.com NUMBER_TAKEN", "dave@example.com CHANGED_SINCE"}; strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("rejects %q, want %q\n%+v", got, want, back.Rejects)
		}
		if got := strings.Join(opLines(back), ","); got != "~ bob@example.com Primary +14255550108 -> +14255550102" {
			t.Errorf("ops %q, want bob's change back only", got)
		}
		for _, r := range back.Rejects {
			if !strings.HasPrefix(r.File, "run ") || r.Line == 0 {
				t.Errorf("reject %+v does not point at the run's audit entry", r)
			}
		}
	})

	t.Run("ChangedByAnImport", func(t *testing.T) {
		st, _ := seeded(t, alice, n(1))
		run, err := Apply(ctx, st, planOn(t, st, numsync.Policy{}, wish(alice, n(2))), ApplyOptions{Actor: admin})
		if err != nil {
			t.Fatal(err)
		}
		// A fresh inventory export says alice holds n3 now.
		ten := snapshot(t, st)
		var recs []numsync.InventoryRecord
		for _, num := range ten.Numbers {
			if num.E164 == n(3) {
				recs = append(recs, numsync.InventoryRecord{InventoryNumber: num, HolderID: "oid-" + alice, Category: numsync.Primary})
			}
		}
		if _, err := st.ImportNumbers(ctx, recs, nil); err != nil {
			t.Fatal(err)
		}
		back, err := Rollback(ctx, st, run.ID, RollbackOptions{})
		if err != nil {
			t.Fatal(err)
		}
		// The import recorded what it changed, so the rollback names it.
		if len(back.Ops) != 0 || len(back.Rejects) != 1 || back.Rejects[0].Code != numsync.ChangedSince ||
			!strings.Contains(back.Rejects[0].Message, "(inventory import, ") {
			t.Errorf("rollback plan %q rejects %+v, want alice refused as changed by the inventory import", opLines(back), back.Rejects)
		}
	})

	t.Run("RunThatChangedNothing", func(t *testing.T) {
		st, _ := seeded(t, alice, n(1))
		run, err := Apply(ctx, st, planOn(t, st, numsync.Policy{}), ApplyOptions{Actor: admin})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Rollback(ctx, st, run.ID, RollbackOptions{}); err == nil || !strings.Contains(err.Error(), "nothing to roll back") {
			t.Errorf("err = %v, want nothing to roll back", err)
		}
		if _, err := Rollback(ctx, st, "no-such-run", RollbackOptions{}); !errors.Is(err, numsync.ErrNotFound) {
			t.Errorf("unknown run: err = %v, want not found", err)
		}
	})
}
