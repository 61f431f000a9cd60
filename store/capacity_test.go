package store

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/numsync/numsync"
)

// TestTakenSince: the numbers applied runs gave out are read back from the
// audit log by time, a change of location alone and a removal are not
// takes, and the log's start is known.
func TestTakenSince(t *testing.T) { bothEngines(t, testTakenSince) }

func testTakenSince(t *testing.T, e *testEngine) {
	ctx := context.Background()
	s, _ := e.openTemp(t)
	seed(t, s)
	if taken, start, err := s.TakenSince(ctx, time.Time{}); err != nil || len(taken) != 0 || !start.IsZero() {
		t.Fatalf("empty log: %v %v %v", taken, start, err)
	}
	before := time.Now().Add(-time.Second)
	relocate := change("alice@contoso.com", "+14255550101", "+14255550101")
	relocate.After.Location = "loc-sea"
	ops := []numsync.Op{
		remove("bob@contoso.com", "+14255550102"),
		relocate,
		assign("carol@contoso.com", "+14255550103"),
		assign("bob@contoso.com", "+14255550104"),
	}
	rev, err := s.Revision(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Apply(ctx, numsync.ApplyRequest{Revision: rev, Actor: "admin@contoso.com", Ops: ops}); err != nil {
		t.Fatal(err)
	}
	taken, start, err := s.TakenSince(ctx, before)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, tk := range taken {
		got = append(got, tk.Number.String())
		if tk.At.Before(before) {
			t.Errorf("take at %v, before the apply", tk.At)
		}
	}
	if want := []string{"+14255550103", "+14255550104"}; !slices.Equal(got, want) {
		t.Errorf("taken %q, want %q", got, want)
	}
	if start.Before(before) {
		t.Errorf("log starts at %v, before the only run", start)
	}
	if later, _, err := s.TakenSince(ctx, time.Now().Add(time.Hour)); err != nil || len(later) != 0 {
		t.Errorf("taken after the last run: %v %v", later, err)
	}
}
