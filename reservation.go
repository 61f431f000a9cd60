package numsync

import (
	"fmt"
	"strings"
	"time"
)

// Reservation keeps a number for one identity (UPN), or for a purpose
// only a note names (no UPN: for no one yet), until a time or for good.
// A reserved number is given only to its reservee; after Until the
// reservation has lapsed and holds nothing back.
type Reservation struct {
	Number string // E.164
	UPN    string // the reservee; empty when only Note says what it is for
	Note   string
	Until  time.Time // zero: until released
	By     string    // who reserved it
	At     time.Time // when
}

// Active reports whether the reservation still holds at now.
func (r Reservation) Active(now time.Time) bool { return r.Until.IsZero() || now.Before(r.Until) }

// For reports whether the reservation is for the identity upn.
func (r Reservation) For(upn string) bool { return r.UPN != "" && UPNKey(r.UPN) == UPNKey(upn) }

// Describe says whom (or what) the reservation is for and until when, for
// messages.
func (r Reservation) Describe() string {
	var b strings.Builder
	b.WriteString("reserved")
	if r.UPN != "" {
		b.WriteString(" for " + r.UPN)
	}
	if r.Note != "" {
		b.WriteString(" (" + r.Note + ")")
	}
	if !r.Until.IsZero() {
		b.WriteString(" until " + r.Until.UTC().Format("2006-01-02"))
	}
	return b.String()
}

// ActiveReservations indexes the reservations that hold at now by number.
func ActiveReservations(rs []Reservation, now time.Time) map[string]*Reservation {
	out := make(map[string]*Reservation, len(rs))
	for i := range rs {
		if rs[i].Active(now) {
			out[rs[i].Number] = &rs[i]
		}
	}
	return out
}

// ReservationChange is one entry of the reservations' audit log.
type ReservationChange struct {
	Seq         int64
	At          time.Time
	Actor       string
	Action      string // "reserve" or "release"
	Reservation Reservation
}

// ParseUntil reads the end of a reservation: a date ("2026-12-31", which
// keeps the number through that day, UTC) or an RFC 3339 time; empty is
// no end.
func ParseUntil(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	if d, err := time.Parse("2006-01-02", s); err == nil {
		return d.AddDate(0, 0, 1), nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not a date (want 2026-12-31, or an RFC 3339 time such as 2026-12-31T18:00:00Z)", s)
	}
	return t.UTC(), nil
}
