package importer

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"

	"github.com/numsync/numsync"
)

// Dialect is how a CSV file turned out to be written.
type Dialect struct {
	// Encoding is "UTF-8", "UTF-8 with BOM", "UTF-16LE", "UTF-16BE" or
	// "Windows-1252".
	Encoding string
	// Comma is the field delimiter: ',', ';' or '\t' (or whatever an Excel
	// "sep=" line named).
	Comma rune
}

// Column declares a column an importer understands. Header cells match a
// column by its name or one of its aliases, ignoring case, surrounding
// white space and the spaces, dashes, dots and underscores people put
// inside names ("Phone Number" is PhoneNumber).
type Column struct {
	Name     string
	Aliases  []string
	Required bool
}

// sniffSize is how much of a file is looked at to find its encoding and
// delimiter; a header line longer than this falls back to a comma.
const sniffSize = 64 << 10

// Reader reads the records of one CSV file, one at a time, after working
// out its encoding and delimiter and binding its header to a schema.
type Reader struct {
	file     string
	lines    *lineCap
	csv      *csv.Reader
	tape     *tape       // what csv read, to place quoting errors in their cell
	held     *heldRecord // read ahead while a long line before it was reported
	lastLine int         // where the last row read starts
	ended    bool        // a row over MaxRowBytes ended the file
	lineOff  int         // physical lines before the first line the csv reader saw
	cols     []int       // schema column -> index in the record, -1 when absent
	header   []string
	schema   []Column
	dialect  Dialect
	warnings []numsync.Issue
	closer   io.Closer
}

// OpenFile opens path and reads its header; see [NewReader].
func OpenFile(path string, schema []Column) (*Reader, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	r, err := NewReader(f, path, schema)
	if err != nil {
		f.Close()
		return nil, err
	}
	r.closer = f
	return r, nil
}

// NewReader detects the encoding and delimiter of in, skips a leading
// PowerShell "#TYPE" line or Excel "sep=" line, reads the header and binds
// it to schema. file names the input in errors. A file that cannot be read
// as CSV or lacks a required column gives a [*RowError] for the file;
// header cells that match no column give one warning (see
// [Reader.Warnings]).
func NewReader(in io.Reader, file string, schema []Column) (*Reader, error) {
	r := &Reader{file: file, schema: schema}
	text, err := r.decode(in)
	if err != nil {
		return nil, err
	}
	if err := r.skipPreamble(text); err != nil {
		return nil, err
	}
	if r.dialect.Comma == 0 {
		r.dialect.Comma = sniffComma(text)
	}
	r.lines = newLineCap(text, MaxLineBytes)
	r.tape = newTape(r.lines)
	r.csv = csv.NewReader(r.tape)
	r.csv.Comma = r.dialect.Comma
	r.csv.FieldsPerRecord = -1 // a short or long row is one bad row, not the end of the file
	r.csv.ReuseRecord = true
	if err := r.readHeader(); err != nil {
		return nil, err
	}
	return r, nil
}

// Close closes the file [OpenFile] opened.
func (r *Reader) Close() error {
	if r.closer == nil {
		return nil
	}
	return r.closer.Close()
}

// Dialect returns how the file is written.
func (r *Reader) Dialect() Dialect { return r.dialect }

// Warnings returns the warnings about the file as a whole (unknown
// columns, encoding guesses).
func (r *Reader) Warnings() []numsync.Issue { return r.warnings }

func (r *Reader) fileError(line int, code numsync.Reason, err error, hint string) *RowError {
	return &RowError{File: r.file, Line: line, Code: code, Err: err, Hint: hint}
}

func (r *Reader) warn(code numsync.Reason, line int, msg, hint string) {
	r.warnings = append(r.warnings, numsync.Issue{Code: code, File: r.file, Line: line, Message: clip(msg), Hint: hint})
}

// decode returns in as UTF-8 text, recognising the byte order marks Excel
// and PowerShell write, UTF-16 without a mark (NUL bytes between ASCII
// letters), and falling back to Windows-1252 when the start of the file is
// not UTF-8, as Excel's "CSV (Comma delimited)" is on Western Windows.
func (r *Reader) decode(in io.Reader) (*bufio.Reader, error) {
	br := bufio.NewReaderSize(in, sniffSize)
	head, err := br.Peek(sniffSize)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return nil, err
	}
	utf16 := func(name string, e unicode.Endianness, bom unicode.BOMPolicy) *bufio.Reader {
		r.dialect.Encoding = name
		return bufio.NewReaderSize(transform.NewReader(br, unicode.UTF16(e, bom).NewDecoder()), sniffSize)
	}
	switch {
	case bytes.HasPrefix(head, []byte{0xEF, 0xBB, 0xBF}):
		r.dialect.Encoding = "UTF-8 with BOM"
		br.Discard(3)
		return br, nil
	case bytes.HasPrefix(head, []byte{0xFF, 0xFE}):
		return utf16("UTF-16LE", unicode.LittleEndian, unicode.ExpectBOM), nil
	case bytes.HasPrefix(head, []byte{0xFE, 0xFF}):
		return utf16("UTF-16BE", unicode.BigEndian, unicode.ExpectBOM), nil
	case len(head) >= 2 && head[0] != 0 && head[1] == 0:
		return utf16("UTF-16LE", unicode.LittleEndian, unicode.IgnoreBOM), nil
	case len(head) >= 2 && head[0] == 0 && head[1] != 0:
		return utf16("UTF-16BE", unicode.BigEndian, unicode.IgnoreBOM), nil
	}
	r.dialect.Encoding = "UTF-8"
	if !validUTF8Prefix(head, len(head) == sniffSize) {
		r.dialect.Encoding = "Windows-1252"
		r.warn(numsync.NotUTF8, 0, "the file is not UTF-8; it was read as Windows-1252",
			`save it from Excel as "CSV UTF-8 (Comma delimited)" so that every character survives`)
		return bufio.NewReaderSize(transform.NewReader(br, charmap.Windows1252.NewDecoder()), sniffSize), nil
	}
	return br, nil
}

// validUTF8Prefix reports whether b is UTF-8, allowing a rune cut in two at
// the end when b is only the start of the file.
func validUTF8Prefix(b []byte, truncated bool) bool {
	for len(b) > 0 {
		c, size := utf8.DecodeRune(b)
		if c == utf8.RuneError && size <= 1 {
			return truncated && !utf8.FullRune(b)
		}
		b = b[size:]
	}
	return true
}

// skipPreamble drops the lines spreadsheet and PowerShell exports put above
// the header: "#TYPE Deserialized.…" (Export-Csv before PowerShell 6) and
// Excel's "sep=;" which also names the delimiter.
func (r *Reader) skipPreamble(text *bufio.Reader) error {
	for range 2 {
		head, _ := text.Peek(6)
		switch {
		case len(head) >= 5 && strings.EqualFold(string(head[:5]), "#TYPE"):
		case len(head) >= 5 && strings.EqualFold(string(head[:4]), "sep="):
			c, _ := utf8.DecodeRune(head[4:])
			if c == '\r' || c == '\n' || c == '"' || c == utf8.RuneError {
				return nil
			}
			r.dialect.Comma = c
		default:
			return nil
		}
		if err := skipLine(text); err != nil {
			return err
		}
		r.lineOff++
	}
	return nil
}

// skipLine discards up to and including the next newline without holding
// the line in memory, however long it is.
func skipLine(text *bufio.Reader) error {
	for {
		_, err := text.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		return err
	}
}

// sniffComma picks the delimiter that occurs most often in the header line
// outside quotes; ties go to tab, then semicolon, since those rarely occur
// inside a column name and a comma sometimes does.
func sniffComma(text *bufio.Reader) rune {
	head, _ := text.Peek(sniffSize)
	var commas, semis, tabs int
	quoted := false
scan:
	for _, c := range head {
		switch {
		case c == '"':
			quoted = !quoted
		case quoted:
		case c == '\n':
			break scan
		case c == ',':
			commas++
		case c == ';':
			semis++
		case c == '\t':
			tabs++
		}
	}
	switch {
	case tabs > 0 && tabs >= semis && tabs >= commas:
		return '\t'
	case semis > 0 && semis >= commas:
		return ';'
	}
	return ','
}

// normName folds a header cell or column name to the form they are
// compared in.
func normName(s string) string {
	var b strings.Builder
	for _, c := range strings.ToLower(strings.TrimSpace(s)) {
		switch c {
		case ' ', '-', '_', '.', '"', '\uFEFF', '\u200B', '\u200C', '\u200D', '\u00A0':
		default:
			b.WriteRune(c)
		}
	}
	return b.String()
}

func (r *Reader) readHeader() error {
	var rec []string
	var line int
	for {
		var err error
		rec, line, err = r.read()
		if long, ok := r.lines.longBefore(line); ok {
			return r.fileError(long+r.lineOff, numsync.BadRow, tooLong(), "check that this is the CSV file meant, with its header line first")
		}
		if errors.Is(err, io.EOF) {
			return r.fileError(0, numsync.BadRow, errors.New("the file is empty: no header line"), "")
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return r.fileError(pe.StartLine+r.lineOff, numsync.BadRow, fmt.Errorf("header line cannot be read: %w", pe.Err), quoteHint)
		}
		if err != nil {
			return err
		}
		if !blank(rec) {
			break
		}
	}
	line += r.lineOff
	r.header = make([]string, len(rec))
	for i, h := range rec {
		if len(h) > MaxCellBytes {
			return r.fileError(line, numsync.BadRow, cellTooLong(i, len(h)), "check that this is the CSV file meant, with its header line first")
		}
		r.header[i] = strings.TrimSpace(strings.Trim(h, "\uFEFF"))
	}
	byName := make(map[string]int)
	for i, c := range r.schema {
		byName[normName(c.Name)] = i
		for _, a := range c.Aliases {
			byName[normName(a)] = i
		}
	}
	r.cols = make([]int, len(r.schema))
	for i := range r.cols {
		r.cols[i] = -1
	}
	var unknown []string
	for i, h := range r.header {
		c, ok := byName[normName(h)]
		switch {
		case normName(h) == "":
		case !ok:
			unknown = append(unknown, h)
		case r.cols[c] >= 0:
			return r.fileError(line, numsync.BadRow,
				fmt.Errorf("columns %q and %q both give %s", r.header[r.cols[c]], h, r.schema[c].Name),
				"keep one of them")
		default:
			r.cols[c] = i
		}
	}
	var missing []string
	for i, c := range r.schema {
		if c.Required && r.cols[i] < 0 {
			m := c.Name
			if len(c.Aliases) > 0 {
				m += " (or " + strings.Join(c.Aliases, ", ") + ")"
			}
			missing = append(missing, m)
		}
	}
	if len(missing) > 0 {
		return r.fileError(line, numsync.BadRow,
			fmt.Errorf("missing column %s; found %s", strings.Join(missing, ", "), quoteList(r.header)),
			fmt.Sprintf("the header was split at %s; check the header line and the delimiter", commaName(r.dialect.Comma)))
	}
	if len(unknown) > 0 {
		r.warn(numsync.UnknownColumn, line, "ignored unknown column(s) "+quoteList(unknown), "")
	}
	return nil
}

func quoteList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", n)
	}
	return strings.Join(q, ", ")
}

func commaName(c rune) string {
	switch c {
	case ',':
		return "commas"
	case ';':
		return "semicolons"
	case '\t':
		return "tabs"
	}
	return fmt.Sprintf("%q", c)
}

const quoteHint = `a cell that contains the delimiter, a quote or a line break must be enclosed in double quotes, with quotes inside it doubled ("")`

func blank(rec []string) bool {
	for _, f := range rec {
		if strings.TrimSpace(f) != "" {
			return false
		}
	}
	return true
}

// Record is one row of a file, bound to the schema of its [Reader]. It is
// valid until the next call of [Reader.Next].
type Record struct {
	Line   int // physical line where the row starts
	fields []string
	r      *Reader
}

// Next returns the next non-blank row. At the end it returns io.EOF. A row
// that cannot be read (bad quoting, wrong number of cells, invalid UTF-8)
// gives a [*RowError] with code BAD_ROW; reading may continue after it.
// With a wrong number of cells the record comes along too, its missing
// cells empty. Any other error is an I/O error and ends the file.
func (r *Reader) Next() (Record, error) {
	for {
		rec, line, err := r.read()
		if long, ok := r.lines.longBefore(line); ok {
			// Reported in its place among the rows; the row read after
			// it comes next.
			r.held = &heldRecord{rec, line, err}
			return Record{}, r.rowError(long+r.lineOff, tooLong(), "")
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return Record{}, r.quoteError(pe)
			}
			return Record{}, err
		}
		if blank(rec) {
			continue
		}
		r.tape.forget(line)
		line += r.lineOff
		if len(rec) != len(r.header) {
			// The record goes along so the caller can name the row's identity.
			return Record{Line: line, fields: rec, r: r}, r.rowError(line,
				fmt.Errorf("the row has %d cells but the header has %d", len(rec), len(r.header)),
				fmt.Sprintf("cells are separated by %s; a cell containing one must be enclosed in double quotes", commaName(r.dialect.Comma)))
		}
		for i, f := range rec {
			if len(f) > MaxCellBytes {
				return Record{}, r.rowError(line, cellTooLong(i, len(f)), "")
			}
			if !utf8.ValidString(f) {
				return Record{}, r.rowError(line, errors.New("the row is not valid UTF-8"),
					`save the file from Excel as "CSV UTF-8 (Comma delimited)"`)
			}
		}
		return Record{Line: line, fields: rec, r: r}, nil
	}
}

// heldRecord is a result of the CSV reader held back for the next call.
type heldRecord struct {
	rec  []string
	line int
	err  error
}

// read returns the next result of the CSV reader (or the one held back)
// with the line the record starts at, counted as the CSV reader counts
// (without r.lineOff); 0 at the end of the file.
func (r *Reader) read() ([]string, int, error) {
	if h := r.held; h != nil {
		r.held = nil
		return h.rec, h.line, h.err
	}
	if r.ended {
		return nil, 0, io.EOF
	}
	rec, err := r.csv.Read()
	r.lines.rowRead()
	var pe *csv.ParseError
	line := 0
	switch {
	case err == nil:
		line, _ = r.csv.FieldPos(0)
		r.lastLine = line
	case errors.Is(err, errRowTooLong):
		// The rows before it were read; the rest of the file is the one
		// row that never ends (encoding/csv would have read it whole).
		r.ended = true
		err = r.rowError(r.lastLine+r.lineOff, fmt.Errorf("the row after this one runs on for more than the limit of %d bytes (a quote that is never closed?); the rest of the file was not read", MaxRowBytes),
			quoteHint)
	case errors.As(err, &pe):
		line = pe.StartLine
	}
	return rec, line, err
}

func tooLong() error {
	return fmt.Errorf("the line is longer than the limit of %d bytes; it was skipped unread", MaxLineBytes)
}

func cellTooLong(i, n int) error {
	return fmt.Errorf("cell %d has %d bytes, more than the limit of %d; the row was skipped", i+1, n, MaxCellBytes)
}

// quoteError places a quoting error of the CSV reader in its cell and
// column ("cell 3, column PhoneNumber"), not at a byte offset that means
// nothing to the person with the spreadsheet.
func (r *Reader) quoteError(pe *csv.ParseError) *RowError {
	e := r.rowError(pe.StartLine+r.lineOff, pe.Err, quoteHint)
	cell := r.tape.cellAt(pe.StartLine, pe.Line, pe.Column, r.dialect.Comma)
	switch {
	case cell == 0:
	case cell <= len(r.header):
		e.Column = r.header[cell-1]
		e.Err = fmt.Errorf("cell %d: %w", cell, pe.Err)
	default:
		e.Err = fmt.Errorf("cell %d, beyond the header's %d columns: %w", cell, len(r.header), pe.Err)
	}
	if pe.Err == csv.ErrQuote && pe.Line > pe.StartLine {
		e.Err = fmt.Errorf("%w (the quote opened on line %d is still open on line %d)", e.Err, pe.StartLine+r.lineOff, pe.Line+r.lineOff)
	}
	return e
}

func (r *Reader) rowError(line int, err error, hint string) *RowError {
	return &RowError{File: r.file, Line: line, Code: numsync.BadRow, Err: err, Hint: hint}
}

// Value returns the trimmed cell of schema column col, "" when the file
// lacks the column.
func (rec Record) Value(col int) string {
	i := rec.r.cols[col]
	if i < 0 || i >= len(rec.fields) {
		return ""
	}
	return strings.TrimSpace(rec.fields[i])
}

// ColumnName returns the header cell of schema column col as the file
// writes it, for messages.
func (rec Record) ColumnName(col int) string {
	if i := rec.r.cols[col]; i >= 0 {
		return rec.r.header[i]
	}
	return rec.r.schema[col].Name
}

// hiddenWarning returns a HIDDEN_CHARACTER warning naming the first cell
// of the row that holds a bidirectional or invisible control, or nil.
func (rec Record) hiddenWarning(upn string) *numsync.Issue {
	for i, f := range rec.fields {
		if !numsync.HasHidden(f) {
			continue
		}
		col := ""
		if i < len(rec.r.header) {
			col = rec.r.header[i]
		}
		return &numsync.Issue{Code: numsync.HiddenCharacter, UPN: upn, File: rec.r.file, Line: rec.Line, Column: col,
			Message: fmt.Sprintf("the cell holds invisible or direction-changing characters: %s", numsync.ShowHidden(f)),
			Hint:    "retype the cell: such characters can make a value read as another (a domain, a number) in reports and scripts"}
	}
	return nil
}

// Error builds a [*RowError] about column col of the row (col < 0: the
// whole row).
func (rec Record) Error(col int, code numsync.Reason, err error, hint string) *RowError {
	e := &RowError{File: rec.r.file, Line: rec.Line, Code: code, Err: err, Hint: hint}
	if col >= 0 {
		e.Column = rec.ColumnName(col)
	}
	return e
}
