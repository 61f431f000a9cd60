package numsync

import "time"

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
