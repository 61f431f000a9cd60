package importer

import (
	"bytes"
	"io"
	"unicode/utf8"
)

// tape passes the text of a file to the CSV reader and keeps what it passed
// from the start of the row being read, so that a quoting error, which
// encoding/csv places by byte offset, can be placed in its cell and column.
// It holds the current row and the reader's look-ahead, not the file.
type tape struct {
	in    io.Reader
	text  []byte // the text from the start of line first on
	first int    // line number (as the CSV reader counts) where text starts
}

func newTape(in io.Reader) *tape { return &tape{in: in, first: 1} }

func (t *tape) Read(p []byte) (int, error) {
	n, err := t.in.Read(p)
	t.text = append(t.text, p[:n]...)
	return n, err
}

// tapeKeep is how much text the tape lets pile up before it forgets the
// rows already read: forgetting row by row would scan every byte twice.
const tapeKeep = 256 << 10

// forget drops the text before line once enough has piled up.
func (t *tape) forget(line int) {
	if len(t.text) < tapeKeep {
		return
	}
	for t.first < line {
		i := bytes.IndexByte(t.text, '\n')
		if i < 0 {
			break
		}
		t.text = t.text[i+1:]
		t.first++
	}
	// Copy the rest down so that the array does not keep the whole file.
	t.text = append(make([]byte, 0, len(t.text)+tapeKeep), t.text...)
}

// cellAt returns the 1-based cell of the row starting at line start that
// holds the byte at column col (1-based) of line line: the cell whose
// quotes are at fault when the CSV reader stops there. A quote left open
// is the fault of the cell that opened it, however far on the reader
// noticed. It returns 0 when the tape no longer has the row.
func (t *tape) cellAt(start, line, col int, comma rune) int {
	if start < t.first || line < start {
		return 0
	}
	text := t.text
	for l := t.first; l < start; l++ {
		i := bytes.IndexByte(text, '\n')
		if i < 0 {
			return 0
		}
		text = text[i+1:]
	}
	end := 0
	for l := start; l < line; l++ {
		i := bytes.IndexByte(text[end:], '\n')
		if i < 0 {
			return 0
		}
		end += i + 1
	}
	end = min(len(text), end+col-1)
	cell, quoted, fieldStart := 1, false, true
	for i := 0; i < end; {
		r, size := utf8.DecodeRune(text[i:])
		switch {
		case fieldStart && r == '"':
			quoted = true
		case quoted && r == '"' && i+1 < end && text[i+1] == '"':
			size++ // a doubled quote stays inside the cell
		case quoted && r == '"':
			quoted = false
		case !quoted && r == comma:
			cell++
			fieldStart = true
			i += size
			continue
		}
		fieldStart = false
		i += size
	}
	return cell
}
