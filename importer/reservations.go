package importer

import (
	"errors"
	"fmt"
	"io"

	"github.com/numsync/numsync"
)

const (
	resNumber = iota
	resFor
	resNote
	resUntil
)

var reservationsSchema = append([]Column{
	resNumber: {Name: "Number", Aliases: []string{"TelephoneNumber", "PhoneNumber"}, Required: true},
	resFor:    {Name: "ReservedFor", Aliases: []string{"UserPrincipalName", "UPN", "For"}},
	resNote:   {Name: "Note"},
	resUntil:  {Name: "Until"},
},
	// Further columns of the file `numsync reservations export` writes.
	known("ReservedBy", "ReservedAt", "Status")...)

// ReadReservations reads a reservations file (Number, ReservedFor, Note,
// Until), as `numsync reservations export` writes it or a person keeps it.
// A reservation is all or nothing: the first bad row is the error, with
// its line and column.
func ReadReservations(path string) ([]numsync.Reservation, error) {
	r, err := OpenFile(path, reservationsSchema)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	var rs []numsync.Reservation
	seen := map[string]int{}
	for {
		rec, err := r.Next()
		if errors.Is(err, io.EOF) {
			return rs, nil
		}
		if err != nil {
			return nil, err
		}
		n, err := numsync.ParseNumber(rec.Value(resNumber), "")
		if err != nil || n.Ext != "" {
			return nil, rec.Error(resNumber, numsync.BadNumber, fmt.Errorf("%q: want a number in E.164 such as +442079460000", rec.Value(resNumber)), "")
		}
		if first, ok := seen[n.E164]; ok {
			return nil, rec.Error(resNumber, numsync.BadRow, fmt.Errorf("%s is listed again (first on line %d)", n.E164, first), "")
		}
		seen[n.E164] = rec.Line
		res := numsync.Reservation{Number: n.E164, UPN: rec.Value(resFor), Note: rec.Value(resNote)}
		if res.UPN == "" && res.Note == "" {
			return nil, rec.Error(resFor, numsync.BadRow, errors.New("a reservation needs a ReservedFor identity or a Note"), "")
		}
		if res.Until, err = numsync.ParseUntil(rec.Value(resUntil)); err != nil {
			return nil, rec.Error(resUntil, numsync.BadRow, err, "")
		}
		rs = append(rs, res)
	}
}
