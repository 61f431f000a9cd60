package reports

import (
	"bufio"
	"time"

	"github.com/numsync/numsync"
)

// ReservationStatus is "active" or "lapsed", as the reservations listing
// and its CSV say.
func ReservationStatus(r numsync.Reservation, now time.Time) string {
	if r.Active(now) {
		return "active"
	}
	return "lapsed"
}

// WriteReservationsCSV writes the reservations to path atomically, in the
// columns `numsync reservations import` reads back (Number, ReservedFor,
// Note, Until), with who reserved each and when, and its status at now.
func WriteReservationsCSV(path string, rs []numsync.Reservation, now time.Time) error {
	return writeAtomic(path, func(w *bufio.Writer) {
		writeCSV(w, []string{"Number", "ReservedFor", "Note", "Until", "ReservedBy", "ReservedAt", "Status"},
			func(yield func([]string) bool) {
				for _, r := range rs {
					if !yield([]string{r.Number, r.UPN, r.Note, formatRFC3339(r.Until), r.By, formatRFC3339(r.At), ReservationStatus(r, now)}) {
						return
					}
				}
			})
	})
}

func formatRFC3339(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}
