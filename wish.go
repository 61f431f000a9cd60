package numsync

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Wish is one normalised row of an assignment sheet: what an administrator
// wants an identity to hold in one category. A zero Number means "hold
// nothing in this category" (remove), unless Next asks for a number.
type Wish struct {
	UPN      string
	Category Category
	Number   Number
	// Next, when set, is a [Selector] in its canonical form: the row wants
	// the next free number of the ranges it selects, which the planner
	// chooses (Number is then zero).
	Next       string     `json:",omitempty"`
	Type       NumberType // empty: take the inventory's
	LocationID string
	Notify     bool
	// AllowQuarantined lets the row take a number still in quarantine (R9).
	AllowQuarantined bool
	Source           Source
}

// Remove reports whether the wish is to hold no number.
func (w Wish) Remove() bool { return w.Number.IsZero() && w.Next == "" }

// Policy is the part of the configuration that shapes a plan and guards
// its apply.
type Policy struct {
	Mode Mode
	// MaxRemoves holds a plan back when it removes more assignments.
	MaxRemoves Threshold
	// QuarantineDays keeps a removed number from being reassigned (R9).
	QuarantineDays int
	// AssignmentBlock makes removals block the number in Teams for the
	// quarantine days too (see [Op.BlockDays]).
	AssignmentBlock bool `json:",omitempty"`
	// RequirePhoneLicense turns NO_PHONE_LICENSE from a warning into a reject.
	RequirePhoneLicense bool
	// Ranges are the named number ranges sheet rows can ask the next free
	// number of (see [Selector]).
	Ranges []Range `json:",omitempty"`
	// Leavers, when set, removes the numbers of users disabled in, or gone
	// from, the directory for longer than it allows, in any mode.
	Leavers *LeaversPolicy `json:",omitempty"`
}

// LeaversPolicy is when the numbers of users who left are taken back.
type LeaversPolicy struct {
	// AfterDays is how long an account must have been disabled or absent
	// (see [User.InactiveSince]); 0 takes the numbers at the next plan.
	AfterDays int
}

// Leaver reports whether u has been disabled or absent for longer than
// the policy allows as of now.
func (l *LeaversPolicy) Leaver(u *User, now time.Time) bool {
	return l != nil && (!u.Enabled || u.Absent) && !u.InactiveSince.IsZero() &&
		!now.Before(u.InactiveSince.AddDate(0, 0, l.AfterDays))
}

// DefaultMaxRemoves is the removal guard when none is configured.
var DefaultMaxRemoves = Threshold{Count: 500}

// Threshold is a limit written as a count ("500") or a percentage ("5%") of
// the current assignments.
type Threshold struct {
	Count   int
	Percent float64 // used when > 0
}

// ParseThreshold reads "500" or "5%".
func ParseThreshold(s string) (Threshold, error) {
	s = strings.TrimSpace(s)
	if p, ok := strings.CutSuffix(s, "%"); ok {
		f, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil || f <= 0 || f > 100 {
			return Threshold{}, fmt.Errorf("bad percentage %q (want e.g. 5%%)", s)
		}
		return Threshold{Percent: f}, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return Threshold{}, fmt.Errorf("bad limit %q (want a count such as 500 or a percentage such as 5%%)", s)
	}
	return Threshold{Count: n}, nil
}

// Limit returns the largest allowed count given the number of current
// assignments.
func (t Threshold) Limit(current int) int {
	if t.Percent > 0 {
		return int(float64(current) * t.Percent / 100)
	}
	return t.Count
}

func (t Threshold) String() string {
	if t.Percent > 0 {
		return strconv.FormatFloat(t.Percent, 'f', -1, 64) + "%"
	}
	return strconv.Itoa(t.Count)
}
