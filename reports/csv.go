package reports

import (
	"bufio"
	"encoding/csv"
	"iter"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/numsync/numsync"
)

// isE164Cell reports whether a cell is exactly one number as numsync
// writes it: "+" and 2 to 15 digits, the first not 0, with an optional
// ";ext=" and 1 to 10 digits. It is written out rather than as a regular
// expression because every cell of every report passes through it.
func isE164Cell(s string) bool {
	num, ext, hasExt := strings.Cut(s, ";ext=")
	if len(num) < 3 || len(num) > 16 || num[0] != '+' || num[1] == '0' || !allDigits(num[1:]) {
		return false
	}
	return !hasExt || (len(ext) >= 1 && len(ext) <= 10 && allDigits(ext))
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// SafeCell returns s as it is written into a CSV cell so that no spreadsheet
// runs it as a formula and Excel keeps phone numbers as text:
//
//   - A cell that is one E.164 number ("+14255550101", or with ";ext=101")
//     gets a leading horizontal tab, inside quotes. Written bare, Excel takes
//     the "+" for a formula sign and shows 14255550101 (1.43E+11 for longer
//     numbers), and a number with an extension becomes a formula error. A
//     cell that starts with a tab is neither a number nor a formula to a
//     spreadsheet, so it stays text and shows +14255550101 (the tab is
//     invisible). The usual `="+14255550101"` trick was rejected because it
//     is itself a formula and runs wherever formulas run. A reader that
//     strips the tab is left with a plain number, never a formula, and
//     numsync's own readers trim it (see [numsync.ParseNumber]).
//   - Any other cell starting with =, +, -, @, tab or carriage return (or
//     the full-width ＝ ＋ － ＠ that some spreadsheet locales also accept)
//     gets a leading apostrophe, the OWASP advice against CSV injection.
//     The apostrophe shows in the cell; that is the point: the text is
//     shown, not evaluated.
//   - A NUL is written as "⟨U+0000⟩": spreadsheets and terminals that
//     show the file would cut the cell there or echo it raw.
func SafeCell(s string) string {
	if strings.IndexByte(s, 0) >= 0 {
		s = strings.ReplaceAll(s, "\x00", "⟨U+0000⟩")
	}
	if isE164Cell(s) {
		return "\t" + s
	}
	r, _ := utf8.DecodeRuneInString(s)
	switch r {
	case '=', '+', '-', '@', '\t', '\r', '＝', '＋', '－', '＠':
		return "'" + s
	}
	return s
}

// utf8BOM starts every CSV file: without it Excel reads UTF-8 as the
// Windows code page and garbles non-ASCII names.
const utf8BOM = "\uFEFF"

// writeCSV writes a header and rows as RFC 4180 CSV (CRLF line ends), with
// every cell passed through [SafeCell]. Rows come one at a time and may
// reuse one slice, so that a report of a large tenant never holds all its
// rows as cells at once.
func writeCSV(w *bufio.Writer, header []string, rows iter.Seq[[]string]) {
	w.WriteString(utf8BOM)
	// w is larger than the csv writer's own buffer, so the csv writer
	// writes into it directly.
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	record := make([]string, len(header))
	put := func(cells []string) {
		for i := range record {
			record[i] = ""
			if i < len(cells) {
				record[i] = SafeCell(cells[i])
			}
		}
		// Write errors stick in w, whose Flush reports them.
		_ = cw.Write(record)
	}
	put(header)
	for r := range rows {
		put(r)
	}
	cw.Flush()
}

// putHolding sets the number, type and location cells of a holding,
// empty for none.
func putHolding(cells []string, h *numsync.Holding) {
	if h == nil {
		cells[0], cells[1], cells[2] = "", "", ""
		return
	}
	cells[0], cells[1], cells[2] = h.Number.String(), string(h.Type), h.Location
}

func sourceText(s *numsync.Source) string {
	if s == nil {
		return ""
	}
	return sourceString(*s)
}

// sourceString is [numsync.Source.String] in one allocation instead of
// fmt's several: every row of plan.csv and reconciliation.csv has one.
func sourceString(s numsync.Source) string {
	if s.File == "" {
		return ""
	}
	var buf [64]byte
	b := append(buf[:0], s.File...)
	b = append(b, ':')
	return string(strconv.AppendInt(b, int64(s.Line), 10))
}

// planCSV lists the operations in plan order, one a line. The pair column
// names the other step of a change carried out as a remove and an assign
// (see [numsync.Op.Pair]): the two lines are one change.
func (f *facts) planCSV(w *bufio.Writer) {
	header := []string{"seq", "action", "upn", "category",
		"before_number", "before_type", "before_location",
		"after_number", "after_type", "after_location",
		"country", "notify", "source", "pair"}
	writeCSV(w, header, func(yield func([]string) bool) {
		row := make([]string, len(header))
		for i, op := range f.plan.Ops {
			row[0], row[1], row[2], row[3] = strconv.Itoa(i+1), string(op.Action), op.UPN, string(op.Category)
			putHolding(row[4:7], op.Before)
			putHolding(row[7:10], op.After)
			row[10], row[11], row[12] = f.numberCountry(opNumber(op)), strconv.FormatBool(op.Notify), sourceText(op.Source)
			row[13] = ""
			if op.Pair != 0 {
				row[13] = strconv.Itoa(op.Pair)
			}
			if !yield(row) {
				return
			}
		}
	})
}

// issuesCSV lists rejected or blocked rows with where they came from.
func issuesCSV(w *bufio.Writer, issues []numsync.Issue) {
	header := []string{"file", "line", "column", "identity", "number", "code", "message", "hint"}
	writeCSV(w, header, func(yield func([]string) bool) {
		for _, is := range issues {
			line := ""
			if is.Line > 0 {
				line = strconv.Itoa(is.Line)
			}
			if !yield([]string{is.File, line, is.Column, is.UPN, is.Number, string(is.Code), is.Message, is.Hint}) {
				return
			}
		}
	})
}

// adCleanupCSV lists, per waiting number, the user whose msRTCSIP-Line must
// be cleared in the on-premises directory.
func (f *facts) adCleanupCSV(w *bufio.Writer) {
	header := []string{"dn", "upn", "msRTCSIP-Line", "waiting_number", "source"}
	writeCSV(w, header, func(yield func([]string) bool) {
		for _, is := range f.adWaiting() {
			var dn, line string
			upn := is.UPN
			if u := f.x.User(numsync.UPNKey(is.UPN)); u != nil {
				dn, line, upn = u.DN, u.OnPremLine, u.UPN
			}
			src := numsync.Source{File: is.File, Line: is.Line}
			if !yield([]string{dn, upn, line, is.Number, src.String()}) {
				return
			}
		}
	})
}
