package importer

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"
)

// Limits on what one input file may hold, so that a damaged or hostile
// file (a header line of 50 MB, a binary file named .csv) costs bounded
// memory and gives messages of bounded size. A line or cell over its limit
// is a BAD_ROW that names the limit; its content is never read whole nor
// copied into a message. README ("Limits") lists them.
const (
	// MaxLineBytes bounds a physical line. Exports' rows are a few
	// hundred bytes; a longer line is skipped unread.
	MaxLineBytes = 64 << 10
	// MaxCellBytes bounds one cell (after decoding).
	MaxCellBytes = 4 << 10
	// MaxRowBytes bounds a row, which quoted cells may spread over many
	// lines: a quote that is never closed would make the rest of the
	// file one row.
	MaxRowBytes = 1 << 20
	// maxMessageBytes bounds the text of one problem: values quoted in it
	// are cut to fit.
	maxMessageBytes = 1 << 10
)

// clip cuts s to at most maxMessageBytes, on a character boundary, saying
// how much was left out.
func clip(s string) string {
	if len(s) <= maxMessageBytes {
		return s
	}
	cut := maxMessageBytes - 40
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return fmt.Sprintf("%s… (%d more bytes)", s[:cut], len(s)-cut)
}

// lineCap passes text on to the CSV reader, but gives every physical line
// longer than max as an empty line (its line break kept, so that line
// numbers stay right) and notes its number: encoding/csv would otherwise
// hold the whole line, and the record it makes, in memory.
type lineCap struct {
	in      *bufio.Reader // buffer larger than max
	max     int
	line    int   // physical lines started so far
	pending int   // bytes of the current line still to pass on
	long    []int // lines given as empty, in order, not yet reported
	// sinceRow counts the bytes passed on since the CSV reader last
	// returned a row; past MaxRowBytes reading fails with errRowTooLong.
	sinceRow int
}

// errRowTooLong stops the CSV reader inside a row longer than MaxRowBytes.
var errRowTooLong = errors.New("row too long")

// rowRead tells c that the CSV reader returned a row.
func (c *lineCap) rowRead() { c.sinceRow = 0 }

func newLineCap(in io.Reader, max int) *lineCap {
	return &lineCap{in: bufio.NewReaderSize(in, max+1), max: max}
}

func (c *lineCap) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	if c.sinceRow > MaxRowBytes {
		return 0, errRowTooLong
	}
	n, err := c.read(p)
	c.sinceRow += n
	return n, err
}

func (c *lineCap) read(p []byte) (int, error) {
	if c.pending == 0 {
		head, err := c.in.Peek(c.max + 1)
		i := bytes.IndexByte(head, '\n')
		switch {
		case i >= 0:
			c.pending = i + 1
		case len(head) > c.max:
			c.line++
			c.long = append(c.long, c.line)
			if err := skipLine(c.in); err != nil {
				return 0, err
			}
			p[0] = '\n'
			return 1, nil
		case len(head) == 0:
			return 0, err
		default:
			c.pending = len(head) // the last line, without a line break
		}
		c.line++
	}
	n, err := c.in.Read(p[:min(len(p), c.pending)])
	c.pending -= n
	return n, err
}

// longBefore takes the first line given as empty that comes before line
// (any, with line 0), reporting whether there is one.
func (c *lineCap) longBefore(line int) (int, bool) {
	if len(c.long) == 0 || (line > 0 && c.long[0] >= line) {
		return 0, false
	}
	l := c.long[0]
	c.long = c.long[1:]
	return l, true
}
