package store

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/numsync/numsync"
)

func TestReservations(t *testing.T) { bothEngines(t, testReservations) }

func testReservations(t *testing.T, e *testEngine) {
	ctx := context.Background()
	s, path := e.openTemp(t)
	seed(t, s)
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	rev := func() int64 {
		r, err := s.Revision(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	start := rev()

	n, err := s.Reserve(ctx, []numsync.Reservation{
		{Number: "+14255550103", UPN: "carol@contoso.com", Until: now.AddDate(0, 0, 7)},
		{Number: "+14255550104", Note: "reception desk"},
	}, "admin@contoso.com", now)
	if err != nil || n != 2 {
		t.Fatalf("Reserve: %d, %v", n, err)
	}
	if rev() != start+1 {
		t.Errorf("revision %d after a reserve, want %d", rev(), start+1)
	}

	t.Run("RefusedForSomeoneElse", func(t *testing.T) {
		_, err := s.Reserve(ctx, []numsync.Reservation{{Number: "+14255550101", UPN: "bob@contoso.com"}, {Number: "+14255550103", UPN: "bob@contoso.com"}}, "admin@contoso.com", now)
		var re *ReservedError
		if !errors.As(err, &re) || re.Held.UPN != "carol@contoso.com" {
			t.Fatalf("err %v, want the number reserved for carol", err)
		}
		if got, _ := s.Reservations(ctx); len(got) != 2 {
			t.Errorf("a refused reserve kept part of its work: %+v", got)
		}
	})
	t.Run("NotInInventory", func(t *testing.T) {
		if _, err := s.Reserve(ctx, []numsync.Reservation{{Number: "+14255550199", UPN: "bob@contoso.com"}}, "admin@contoso.com", now); !errors.Is(err, numsync.ErrNotFound) {
			t.Fatalf("err %v, want not found", err)
		}
	})
	t.Run("SameReserveeChangesNothingTwice", func(t *testing.T) {
		before := rev()
		if n, err := s.Reserve(ctx, []numsync.Reservation{{Number: "+14255550103", UPN: "Carol@Contoso.com", Until: now.AddDate(0, 0, 7)}}, "admin@contoso.com", now); err != nil || n != 1 {
			t.Fatalf("re-reserving for the same identity: %d %v", n, err)
		}
		if n, err := s.Reserve(ctx, []numsync.Reservation{{Number: "+14255550103", UPN: "Carol@Contoso.com", Until: now.AddDate(0, 0, 7)}}, "admin@contoso.com", now); err != nil || n != 0 {
			t.Fatalf("the same reservation again: %d %v, want nothing changed", n, err)
		}
		if rev() != before+1 {
			t.Errorf("revision moved %d, want 1", rev()-before)
		}
	})
	t.Run("LapsedReservationCanBeTaken", func(t *testing.T) {
		later := now.AddDate(0, 0, 8)
		if _, err := s.Reserve(ctx, []numsync.Reservation{{Number: "+14255550103", UPN: "bob@contoso.com"}}, "other@contoso.com", later); err != nil {
			t.Fatalf("reserving after the lapse: %v", err)
		}
	})

	released, err := s.Release(ctx, []string{"+14255550104", "+14255550101"}, "admin@contoso.com", now)
	if err != nil || len(released) != 1 || released[0].Note != "reception desk" {
		t.Fatalf("Release: %+v %v", released, err)
	}

	// Everything survives a reopen, the log included.
	s.Close()
	s = openAt(t, path)
	got, err := s.Reservations(ctx)
	if err != nil || len(got) != 1 || got[0].UPN != "bob@contoso.com" || got[0].By != "other@contoso.com" || !got[0].Until.IsZero() {
		t.Fatalf("after reopen: %+v %v", got, err)
	}
	log, err := s.ReservationLog(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, c := range log {
		actions = append(actions, c.Action+" "+c.Reservation.Number+" "+c.Actor)
	}
	want := []string{
		"reserve +14255550103 admin@contoso.com", "reserve +14255550104 admin@contoso.com",
		"reserve +14255550103 admin@contoso.com", "reserve +14255550103 other@contoso.com",
		"release +14255550104 admin@contoso.com",
	}
	if len(actions) != len(want) {
		t.Fatalf("log %q, want %q", actions, want)
	}
	for i := range want {
		if actions[i] != want[i] {
			t.Errorf("log[%d] = %q, want %q", i, actions[i], want[i])
		}
	}
}
