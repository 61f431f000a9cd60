package numsync

import "time"

// NumberState is where an inventory number stands.
type NumberState string

// Number states, as status and reports show them.
const (
	StateFree        NumberState = "free"
	StateAssigned    NumberState = "assigned"
	StateQuarantined NumberState = "quarantined"
)

// InQuarantine reports whether the number was released less than days ago
// (rule R9) as of now.
func (n InventoryNumber) InQuarantine(now time.Time, days int) bool {
	return days > 0 && !n.ReleasedAt.IsZero() && now.Before(n.ReleasedAt.AddDate(0, 0, days))
}

// NumberStates returns the state of every inventory number of t, keyed by
// E.164.
func (t *Tenant) NumberStates(now time.Time, quarantineDays int) map[string]NumberState {
	held := make(map[string]bool, len(t.Assignments))
	for _, a := range t.Assignments {
		held[a.Number.E164] = true
	}
	states := make(map[string]NumberState, len(t.Numbers))
	for _, n := range t.Numbers {
		switch {
		case held[n.E164]:
			states[n.E164] = StateAssigned
		case n.InQuarantine(now, quarantineDays):
			states[n.E164] = StateQuarantined
		default:
			states[n.E164] = StateFree
		}
	}
	return states
}
