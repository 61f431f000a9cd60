package ldapsync

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/go-ldap/ldap/v3"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

// maxLDIFLine bounds one unfolded LDIF line. AD exports carry photos of a
// few hundred kilobytes; anything far larger is not an export of users.
const maxLDIFLine = 8 << 20

// LDIFError is a line of an LDIF file that cannot be read.
type LDIFError struct {
	File string
	Line int
	Msg  string
}

func (e *LDIFError) Error() string { return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg) }

// LDIFReader reads the entries of an LDIF export (RFC 2849 content records)
// as ldapsearch and ldifde write them: a "version: 1" line, comments, folded
// lines, base64 values ("attr:: …"), ldifde's "changetype: add", and
// ldapsearch's search result trailer and continuation references, which are
// skipped. Values given by URL ("attr:< file:///…") are refused, so that an
// export cannot make numsync read other files. UTF-8 (with or without BOM)
// and UTF-16 with BOM (ldifde -u) are read.
type LDIFReader struct {
	file  string
	br    *bufio.Reader
	line  int      // physical lines read so far
	start bool     // no record read yet: "version:" is still allowed
	refs  []string // continuation references skipped since the last Next
}

// NewLDIFReader reads LDIF from r; file names it in errors.
func NewLDIFReader(r io.Reader, file string) *LDIFReader {
	br := bufio.NewReader(r)
	bom, _ := br.Peek(3)
	switch {
	case bytes.HasPrefix(bom, []byte{0xEF, 0xBB, 0xBF}):
		_, _ = br.Discard(3)
	case bytes.HasPrefix(bom, []byte{0xFF, 0xFE}), bytes.HasPrefix(bom, []byte{0xFE, 0xFF}):
		dec := unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM).NewDecoder()
		br = bufio.NewReader(transform.NewReader(br, dec))
	}
	return &LDIFReader{file: file, br: br, start: true}
}

func (r *LDIFReader) errorf(line int, format string, args ...any) error {
	return &LDIFError{File: r.file, Line: line, Msg: fmt.Sprintf(format, args...)}
}

// Next returns the next entry and the line its "dn:" is on, or io.EOF after
// the last one.
func (r *LDIFReader) Next() (*ldap.Entry, int, error) {
	var (
		e      *ldap.Entry
		dnLine int
		skip   bool // inside a record that is not an entry
		byName map[string]*ldap.EntryAttribute
	)
	for {
		text, n, err := r.logicalLine()
		if err == io.EOF {
			if e != nil {
				return e, dnLine, nil
			}
			return nil, 0, io.EOF
		}
		if err != nil {
			return nil, 0, err
		}
		if strings.TrimSpace(text) == "" {
			if e != nil {
				return e, dnLine, nil
			}
			skip = false
			continue
		}
		if text[0] == '#' || skip {
			continue
		}
		name, value, err := r.attrValue(text, n)
		if err != nil {
			return nil, 0, err
		}
		if e == nil {
			switch strings.ToLower(name) {
			case "dn":
				e = &ldap.Entry{DN: string(value)}
				dnLine = n
				byName = map[string]*ldap.EntryAttribute{}
				r.start = false
			case "version":
				if !r.start || string(value) != "1" {
					return nil, 0, r.errorf(n, "unexpected %q: only \"version: 1\" at the start of the file is LDIF", text)
				}
				r.start = false
			case "search", "result":
				// ldapsearch's trailer ("search: 2", "result: 0 Success").
				skip = true
			case "ref":
				// A continuation reference as ldapsearch prints it.
				r.refs = append(r.refs, string(value))
				skip = true
			default:
				return nil, 0, r.errorf(n, "a record must start with \"dn:\", not %q: is this an LDIF export?", name)
			}
			continue
		}
		switch lower := strings.ToLower(name); {
		case lower == "dn":
			return nil, 0, r.errorf(n, "a second \"dn:\" inside entry %q: entries must be separated by a blank line", e.DN)
		case lower == "changetype":
			if !strings.EqualFold(string(value), "add") {
				return nil, 0, r.errorf(n, "entry %q is a change record (changetype: %s), not an export: export the users with ldapsearch or ldifde", e.DN, value)
			}
		case lower == "control":
			return nil, 0, r.errorf(n, "entry %q carries a control line: this is a change file, not an export", e.DN)
		default:
			a := byName[lower]
			if a == nil {
				a = &ldap.EntryAttribute{Name: name}
				byName[lower] = a
				e.Attributes = append(e.Attributes, a)
			}
			a.Values = append(a.Values, string(value))
			a.ByteValues = append(a.ByteValues, value)
		}
	}
}

// attrValue splits "name: value", "name:: base64" and refuses "name:< url".
func (r *LDIFReader) attrValue(text string, n int) (string, []byte, error) {
	name, rest, ok := strings.Cut(text, ":")
	if !ok || name == "" {
		return "", nil, r.errorf(n, "expected \"attribute: value\", got %q", clip(text))
	}
	for _, c := range name {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == ';' || c == '.' || c == '=') {
			return "", nil, r.errorf(n, "%q is not an attribute name", clip(name))
		}
	}
	switch {
	case strings.HasPrefix(rest, ":"):
		b64 := strings.TrimSpace(rest[1:])
		v, err := base64.StdEncoding.DecodeString(b64)
		if err != nil {
			return "", nil, r.errorf(n, "attribute %s: bad base64 value: %v", name, err)
		}
		return name, v, nil
	case strings.HasPrefix(rest, "<"):
		return "", nil, r.errorf(n, "attribute %s takes its value from a URL (%s); numsync does not read files an export points to: export with the values inline", name, clip(strings.TrimSpace(rest[1:])))
	}
	return name, []byte(strings.TrimLeft(rest, " ")), nil
}

// logicalLine returns the next line with its continuation lines (those
// starting with one space) joined, and the number of its first physical
// line.
func (r *LDIFReader) logicalLine() (string, int, error) {
	first, err := r.physicalLine(nil)
	if err != nil {
		return "", 0, err
	}
	n := r.line
	buf := first
	for {
		b, err := r.br.Peek(1)
		if err != nil || b[0] != ' ' {
			break
		}
		_, _ = r.br.Discard(1)
		if buf, err = r.physicalLine(buf); err != nil && err != io.EOF {
			return "", 0, err
		}
	}
	return string(buf), n, nil
}

// physicalLine appends the next line, without its line ending, to buf.
func (r *LDIFReader) physicalLine(buf []byte) ([]byte, error) {
	start := len(buf)
	for {
		chunk, err := r.br.ReadSlice('\n')
		buf = append(buf, chunk...)
		if len(buf) > maxLDIFLine {
			return nil, r.errorf(r.line+1, "line longer than %d bytes", maxLDIFLine)
		}
		switch {
		case err == bufio.ErrBufferFull:
			continue
		case err == io.EOF && len(buf) == start:
			return buf, io.EOF
		case err != nil && err != io.EOF:
			return nil, fmt.Errorf("reading %s: %w", r.file, err)
		}
		r.line++
		buf = bytes.TrimSuffix(buf, []byte("\n"))
		return bytes.TrimSuffix(buf, []byte("\r")), nil
	}
}

// clip shortens text quoted in an error.
func clip(s string) string {
	if len(s) > 60 {
		return s[:60] + "…"
	}
	return s
}

// ldifSource walks the entries of an LDIF file.
type ldifSource struct {
	path string
}

func (s *ldifSource) name() string    { return s.path }
func (s *ldifSource) bases() []string { return []string{s.path} }

func (s *ldifSource) walk(ctx context.Context, entry func(int, *ldap.Entry, int) error, reference func(int, string)) error {
	f, err := os.Open(s.path)
	if err != nil {
		return fmt.Errorf("reading the LDIF export: %w", err)
	}
	defer f.Close()
	r := NewLDIFReader(f, s.path)
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		e, line, err := r.Next()
		for _, ref := range r.refs {
			reference(0, ref)
		}
		r.refs = r.refs[:0]
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if err := entry(0, e, line); err != nil {
			return err
		}
	}
}
