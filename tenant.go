package numsync

import "time"

// Tenant is a snapshot of the store at one revision.
type Tenant struct {
	Revision    int64
	Users       []User
	Numbers     []InventoryNumber
	Locations   []EmergencyLocation
	Assignments []Assignment
}

// NumberState is where an inventory number stands.
type NumberState string

// Number states, as status and reports show them.
const (
	StateFree        NumberState = "free"
	StateAssigned    NumberState = "assigned"
	StateQuarantined NumberState = "quarantined"
)

// AllNumberStates lists the states in the order reports show them.
var AllNumberStates = []NumberState{StateAssigned, StateFree, StateQuarantined}

// InQuarantine reports whether the number was released less than days ago
// (rule R9) as of now.
func (n InventoryNumber) InQuarantine(now time.Time, days int) bool {
	return days > 0 && !n.ReleasedAt.IsZero() && now.Before(n.ReleasedAt.AddDate(0, 0, days))
}

// NumberStates returns the state of every inventory number of t, keyed by
// [Number.String]: a Direct Routing number with an extension is a line of
// its own. A number held by an [OutsideHolder] is assigned.
func (t *Tenant) NumberStates(now time.Time, quarantineDays int) map[string]NumberState {
	held := make(map[string]bool, len(t.Assignments))
	for _, a := range t.Assignments {
		held[a.Number.String()] = true
	}
	states := make(map[string]NumberState, len(t.Numbers))
	for _, n := range t.Numbers {
		switch {
		case held[n.String()] || !n.Outside.IsZero():
			states[n.String()] = StateAssigned
		case n.InQuarantine(now, quarantineDays):
			states[n.String()] = StateQuarantined
		default:
			states[n.String()] = StateFree
		}
	}
	return states
}
