package ldapsync

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/numsync/numsync"
)

// CleanupEntry is one user of an ad-cleanup.csv: whose msRTCSIP-Line to
// clear, and the value the plan saw, which is the only value numsync will
// delete.
type CleanupEntry struct {
	DN  string // empty when the report did not know it: the user is found by UPN
	UPN string
	// CurrentLine is msRTCSIP-Line as the report wrote it: normalised to
	// E.164 (with ";ext=") when it was a number, else the raw value.
	CurrentLine string
	// Waiting are the numbers held back until the line is cleared.
	Waiting []string
	// Source is the file and the first line of the user's rows.
	Source numsync.Source
}

// CleanupError is a line of an ad-cleanup.csv that cannot be used.
type CleanupError struct {
	File string
	Line int // physical line, 1-based; 0 when the file as a whole is wrong
	Msg  string
}

func (e *CleanupError) Error() string {
	if e.Line == 0 {
		return e.File + ": " + e.Msg
	}
	return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
}

// The columns of ad-cleanup.csv as the reports package writes them. Only
// dn, upn and the line are needed; the others are kept for the results.
const (
	colDN      = "dn"
	colUPN     = "upn"
	colLine    = "msrtcsip-line"
	colWaiting = "waiting_number"
)

// maxCleanupCell bounds one cell: a DN, UPN or phone number is far shorter,
// so anything longer is not an ad-cleanup.csv.
const maxCleanupCell = 64 << 10

// ReadCleanup reads the ad-cleanup.csv that a numsync plan wrote, undoing
// the spreadsheet-safe encoding of its cells (the tab before E.164 numbers,
// the apostrophe before cells that look like formulas). The file has one
// row per waiting number; rows of the same user become one entry, in the
// order users first appear. Errors are [*CleanupError]s naming file and line.
func ReadCleanup(path string) ([]CleanupEntry, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("reading the AD clean-up list: %w", err)
	}
	defer f.Close()
	return readCleanup(f, path)
}

func readCleanup(r io.Reader, file string) ([]CleanupEntry, error) {
	fail := func(line int, format string, args ...any) error {
		return &CleanupError{File: file, Line: line, Msg: fmt.Sprintf(format, args...)}
	}
	br := bufio.NewReader(r)
	head, _ := br.Peek(3)
	switch {
	case bytes.HasPrefix(head, []byte{0xEF, 0xBB, 0xBF}):
		_, _ = br.Discard(3)
	case bytes.HasPrefix(head, []byte{0xFF, 0xFE}), bytes.HasPrefix(head, []byte{0xFE, 0xFF}):
		return nil, fail(0, "the file is UTF-16 (saved as \"Unicode text\"): use the ad-cleanup.csv numsync wrote, or save it as \"CSV UTF-8\"")
	}
	cr := csv.NewReader(br)
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err == io.EOF {
		return nil, fail(0, "the file is empty: want the ad-cleanup.csv of a numsync plan")
	}
	if err != nil {
		return nil, csvError(file, err)
	}
	cols := map[string]int{}
	for i, h := range header {
		cols[strings.ToLower(strings.TrimSpace(h))] = i
	}
	for _, need := range []string{colDN, colUPN, colLine} {
		if _, ok := cols[need]; !ok {
			return nil, fail(1, "no %q column (found %s): want the ad-cleanup.csv of a numsync plan, with columns dn, upn, msRTCSIP-Line", need, strings.Join(header, ", "))
		}
	}
	waitCol, hasWait := cols[colWaiting]

	var out []CleanupEntry
	byKey := map[string]int{}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, csvError(file, err)
		}
		line, _ := cr.FieldPos(0)
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue
		}
		cell := func(col int) (string, error) {
			v := rec[col]
			if len(v) > maxCleanupCell {
				return "", fail(line, "column %d is %d bytes long: not an ad-cleanup.csv cell", col+1, len(v))
			}
			if !utf8.ValidString(v) {
				return "", fail(line, "column %d is not UTF-8 text: use the ad-cleanup.csv numsync wrote, or save it as \"CSV UTF-8\"", col+1)
			}
			// Spaces are trimmed on both sides of the encoding: a hand-edited
			// cell may have gained some, and the values have none.
			return strings.TrimSpace(unsafeCell(strings.TrimSpace(v))), nil
		}
		var e CleanupEntry
		for _, c := range []struct {
			dst *string
			col int
		}{{&e.DN, cols[colDN]}, {&e.UPN, cols[colUPN]}, {&e.CurrentLine, cols[colLine]}} {
			if *c.dst, err = cell(c.col); err != nil {
				return nil, err
			}
		}
		if e.DN == "" && e.UPN == "" {
			return nil, fail(line, "neither dn nor upn is given: numsync cannot tell whose msRTCSIP-Line to clear")
		}
		key := "upn:" + numsync.UPNKey(e.UPN)
		if e.DN != "" {
			n, err := normDN(e.DN)
			if err != nil {
				return nil, fail(line, "dn %q is not a distinguished name: %v", e.DN, err)
			}
			key = "dn:" + n
		}
		var waiting string
		if hasWait {
			if waiting, err = cell(waitCol); err != nil {
				return nil, err
			}
		}
		if i, ok := byKey[key]; ok {
			prev := &out[i]
			if prev.CurrentLine != e.CurrentLine || numsync.UPNKey(prev.UPN) != numsync.UPNKey(e.UPN) {
				return nil, fail(line, "%s is also on line %d with %s %q, here %q: the file was edited; write it again with numsync plan", who(e), prev.Source.Line, "msRTCSIP-Line", prev.CurrentLine, e.CurrentLine)
			}
			if waiting != "" && !slices.Contains(prev.Waiting, waiting) {
				prev.Waiting = append(prev.Waiting, waiting)
			}
			continue
		}
		if waiting != "" {
			e.Waiting = []string{waiting}
		}
		e.Source = numsync.Source{File: file, Line: line}
		byKey[key] = len(out)
		out = append(out, e)
	}
}

// csvError places an encoding/csv error in the file.
func csvError(file string, err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		msg := pe.Err.Error()
		if errors.Is(pe.Err, csv.ErrFieldCount) {
			msg = "wrong number of cells for the header: the file was edited; write it again with numsync plan"
		}
		return &CleanupError{File: file, Line: pe.Line, Msg: msg}
	}
	return &CleanupError{File: file, Msg: err.Error()}
}

// who names the user of e for messages.
func who(e CleanupEntry) string {
	if e.DN != "" {
		return e.DN
	}
	return e.UPN
}

// unsafeCell undoes the apostrophe the reports put before a cell that would
// otherwise start with a formula character. The tab before an E.164 number
// is white space, which the caller trims.
func unsafeCell(s string) string {
	if rest, ok := strings.CutPrefix(s, "'"); ok {
		r, _ := utf8.DecodeRuneInString(rest)
		switch r {
		case '=', '+', '-', '@', '\t', '\r', '＝', '＋', '－', '＠':
			return rest
		}
	}
	return s
}
