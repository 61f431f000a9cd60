package numsync

import (
	"strings"
	"time"
)

// ObservedNumber is a number as Teams showed it when numsync last read it
// from the tenant. The store keeps it apart from the assignments, which
// are what runs applied (desired): the two differ while a push is under
// way, after one failed, or when someone changed Teams by hand.
type ObservedNumber struct {
	Number          string // E.164, with ";ext=" for a Direct Routing extension
	HolderID        string // cloud object id of the holder; empty when free
	Category        Category
	LocationID      string
	ActivationState string
	At              time.Time
}

// Observed is the record as an observation of Teams at time at.
func (r InventoryRecord) Observed(at time.Time) ObservedNumber {
	return ObservedNumber{Number: r.Number.String(), HolderID: r.HolderID, Category: r.Category,
		LocationID: r.LocationID, ActivationState: r.ActivationState, At: at}
}

// ObservedDiff is a number whose state in Teams, as last read, is not what
// runs applied: another holder (or none), or an activation that failed.
type ObservedDiff struct {
	Observed ObservedNumber
	// DesiredUPN holds the number in the store; empty when the store has
	// it free.
	DesiredUPN string
}

// DiffObserved returns the numbers of obs whose Teams state differs from
// the tenant's assignments, in the order of obs. Holders are compared by
// cloud object id, without case; a store holder without one never matches.
func (t *Tenant) DiffObserved(obs []ObservedNumber) []ObservedDiff {
	ids := make(map[string]string, len(t.Users))
	for _, u := range t.Users {
		ids[u.Key()] = strings.ToLower(u.ObjectID)
	}
	type holder struct{ upn, id string }
	desired := make(map[string]holder, len(t.Assignments))
	for _, a := range t.Assignments {
		desired[a.Number.String()] = holder{a.UPN, ids[UPNKey(a.UPN)]}
	}
	var diffs []ObservedDiff
	for _, o := range obs {
		want, held := desired[o.Number]
		same := held == (o.HolderID != "") && (!held || (want.id != "" && strings.EqualFold(o.HolderID, want.id)))
		if !same || strings.EqualFold(o.ActivationState, "assignmentFailed") {
			diffs = append(diffs, ObservedDiff{Observed: o, DesiredUPN: want.upn})
		}
	}
	return diffs
}

// HolderNames returns a function that names the holder of a number in
// Teams by its cloud object id: the UPN of the user with that id, the id
// itself when no user has it, or "(free)" for no holder.
func (t *Tenant) HolderNames() func(objectID string) string {
	upns := make(map[string]string, len(t.Users))
	for _, u := range t.Users {
		if u.ObjectID != "" {
			upns[strings.ToLower(u.ObjectID)] = u.UPN
		}
	}
	return func(id string) string {
		if id == "" {
			return "(free)"
		}
		if upn, ok := upns[strings.ToLower(id)]; ok {
			return upn
		}
		return id
	}
}
