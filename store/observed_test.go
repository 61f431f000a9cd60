package store

import (
	"context"
	"testing"
	"time"

	"github.com/numsync/numsync"
)

func TestObservedIsKeptApartFromAssignments(t *testing.T) {
	bothEngines(t, testObservedIsKeptApartFromAssignments)
}

func testObservedIsKeptApartFromAssignments(t *testing.T, e *testEngine) {
	ctx := context.Background()
	s, _ := e.openTemp(t)
	at := time.Date(2026, 12, 3, 2, 0, 0, 0, time.UTC)
	full := []numsync.ObservedNumber{
		{Number: "+14255550101", HolderID: "oid-1", Category: numsync.Primary, ActivationState: "activated", At: at},
		{Number: "+14255550102", At: at},
	}
	rev, _ := s.Revision(ctx)
	if err := s.RecordObserved(ctx, full, true); err != nil {
		t.Fatal(err)
	}
	// A read-back of one number updates it and leaves the other.
	later := at.Add(time.Hour)
	if err := s.RecordObserved(ctx, []numsync.ObservedNumber{{Number: "+14255550102", HolderID: "oid-2", Category: numsync.Private, LocationID: "loc", ActivationState: "assignmentFailed", At: later}}, false); err != nil {
		t.Fatal(err)
	}
	got, err := s.Observed(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].HolderID != "oid-1" || got[1].HolderID != "oid-2" || got[1].ActivationState != "assignmentFailed" || !got[1].At.Equal(later) {
		t.Fatalf("observed = %+v", got)
	}
	// A full read forgets numbers the tenant no longer has.
	if err := s.RecordObserved(ctx, full[:1], true); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Observed(ctx); len(got) != 1 {
		t.Errorf("after a full read of one number: %+v", got)
	}
	if r, _ := s.Revision(ctx); r != rev {
		t.Errorf("revision moved %d -> %d: what Teams shows is not an apply", rev, r)
	}
	tn, _ := s.Tenant(ctx)
	if len(tn.Assignments) != 0 {
		t.Errorf("observing changed the assignments: %+v", tn.Assignments)
	}
}
