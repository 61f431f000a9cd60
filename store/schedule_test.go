package store

import (
	"context"
	"testing"
	"time"
)

// TestClaimTick: of two schedulers, the first to claim a tick gets it and
// the other is told who has it; a later tick is free again, an earlier one
// (a scheduler whose clock lags) is not.
func TestClaimTick(t *testing.T) { bothEngines(t, testClaimTick) }

func testClaimTick(t *testing.T, e *testEngine) {
	ctx := context.Background()
	a, target := e.openTemp(t)
	b := openAt(t, target)
	tick := time.Date(2026, 12, 3, 2, 0, 0, 0, time.UTC)
	claim := func(s *Store, at time.Time, holder string, want bool, wantBy string) {
		t.Helper()
		got, by, err := s.ClaimTick(ctx, at, holder)
		if err != nil || got != want || by != wantBy {
			t.Fatalf("ClaimTick(%s, %s) = %v, %q, %v; want %v, %q", at.Format(time.TimeOnly), holder, got, by, err, want, wantBy)
		}
	}
	claim(a, tick, "host-a", true, "host-a")
	claim(b, tick, "host-b", false, "host-a")
	claim(a, tick, "host-a", false, "host-a")
	claim(b, tick.Add(time.Hour), "host-b", true, "host-b")
	claim(a, tick, "host-a", false, "host-b")
	if rev, _ := a.Revision(ctx); rev != 0 {
		t.Errorf("claiming ticks moved the revision to %d", rev)
	}
}
