package importer

import (
	"errors"
	"strconv"
	"strings"

	"github.com/numsync/numsync"
)

// RowError is a problem with one row (or, with Line at the header, one
// file) of an input file: where it is, which rule it breaks and what the
// person who wrote the file should do about it. Like encoding/csv's
// ParseError it prints as "file:line: …" and unwraps to its cause.
type RowError struct {
	File   string
	Line   int    // physical line where the row starts (1-based); 0 when unknown
	Column string // header cell as written in the file; empty for the whole row
	Code   numsync.Reason
	UPN    string // identity the row names, when known
	Number string // number as written, when known
	Err    error
	Hint   string // what to do; empty when the message says it all
}

func (e *RowError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		b.WriteByte(':')
		b.WriteString(strconv.Itoa(e.Line))
	}
	b.WriteString(": ")
	if e.Column != "" {
		b.WriteString("column ")
		b.WriteString(e.Column)
		b.WriteString(": ")
	}
	b.WriteString(string(e.Code))
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(clip(e.Err.Error()))
	}
	return b.String()
}

// Unwrap returns the cause.
func (e *RowError) Unwrap() error { return e.Err }

// Issue converts the error to the issue that plans and reports carry. A
// cause that brings its own hint (a [numsync.NumberError]) lends it when
// the error has none.
func (e *RowError) Issue() numsync.Issue {
	is := numsync.Issue{
		Code:   e.Code,
		UPN:    clip(e.UPN),
		Number: clip(e.Number),
		File:   e.File,
		Line:   e.Line,
		Column: e.Column,
		Hint:   e.Hint,
	}
	if e.Err != nil {
		is.Message = clip(e.Err.Error())
	}
	var ne *numsync.NumberError
	if is.Hint == "" && errors.As(e.Err, &ne) {
		is.Hint = ne.Hint
	}
	return is
}
