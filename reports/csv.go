package reports

import (
	"bytes"
	"encoding/csv"
	"iter"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"numsync"
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
func SafeCell(s string) string {
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

// writeCSV renders a header and rows as RFC 4180 CSV (CRLF line ends), with
// every cell passed through [SafeCell].
func writeCSV(header []string, rows [][]string) []byte {
	return writeCSVSeq(header, slices.Values(rows))
}

// writeCSVSeq is writeCSV for rows made one at a time, so that a report of
// a large tenant never holds all its rows as cells at once.
func writeCSVSeq(header []string, rows iter.Seq[[]string]) []byte {
	var buf bytes.Buffer
	buf.WriteString(utf8BOM)
	w := csv.NewWriter(&buf)
	w.UseCRLF = true
	record := make([]string, len(header))
	put := func(cells []string) {
		for i := range record {
			record[i] = ""
			if i < len(cells) {
				record[i] = SafeCell(cells[i])
			}
		}
		// A bytes.Buffer does not fail; the csv writer keeps no other error.
		_ = w.Write(record)
	}
	put(header)
	for r := range rows {
		put(r)
	}
	w.Flush()
	return buf.Bytes()
}

// holdingCells are the number, type and location of a holding, empty for
// none.
func holdingCells(h *numsync.Holding) []string {
	if h == nil {
		return []string{"", "", ""}
	}
	return []string{h.Number.String(), string(h.Type), h.Location}
}

func sourceText(s *numsync.Source) string {
	if s == nil {
		return ""
	}
	return s.String()
}

// planCSV lists the operations in plan order, one a line.
func (f *facts) planCSV() []byte {
	header := []string{"seq", "action", "upn", "category",
		"before_number", "before_type", "before_location",
		"after_number", "after_type", "after_location",
		"country", "notify", "source"}
	rows := make([][]string, 0, len(f.plan.Ops))
	for i, op := range f.plan.Ops {
		row := []string{strconv.Itoa(i + 1), string(op.Action), op.UPN, string(op.Category)}
		row = append(row, holdingCells(op.Before)...)
		row = append(row, holdingCells(op.After)...)
		row = append(row, f.numberCountry(opNumber(op)), strconv.FormatBool(op.Notify), sourceText(op.Source))
		rows = append(rows, row)
	}
	return writeCSV(header, rows)
}

// issuesCSV lists rejected or blocked rows with where they came from.
func issuesCSV(issues []numsync.Issue) []byte {
	header := []string{"file", "line", "column", "identity", "number", "code", "message", "hint"}
	rows := make([][]string, 0, len(issues))
	for _, is := range issues {
		line := ""
		if is.Line > 0 {
			line = strconv.Itoa(is.Line)
		}
		rows = append(rows, []string{is.File, line, is.Column, is.UPN, is.Number, string(is.Code), is.Message, is.Hint})
	}
	return writeCSV(header, rows)
}

// adCleanupCSV lists, per waiting number, the user whose msRTCSIP-Line must
// be cleared in the on-premises directory.
func (f *facts) adCleanupCSV() []byte {
	header := []string{"dn", "upn", "msRTCSIP-Line", "waiting_number", "source"}
	var rows [][]string
	for _, is := range f.adWaiting() {
		var dn, line string
		upn := is.UPN
		if u, ok := f.users[numsync.UPNKey(is.UPN)]; ok {
			dn, line, upn = u.DN, u.OnPremLine, u.UPN
		}
		src := numsync.Source{File: is.File, Line: is.Line}
		rows = append(rows, []string{dn, upn, line, is.Number, src.String()})
	}
	return writeCSV(header, rows)
}
