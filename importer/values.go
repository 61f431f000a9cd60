package importer

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/numsync/numsync"
)

// parseBool reads the yes/no spellings spreadsheets and PowerShell write
// ("True", "yes", "1", "$false"…); empty gives def.
func parseBool(s string, def bool) (bool, error) {
	switch strings.ToLower(strings.TrimPrefix(strings.TrimSpace(s), "$")) {
	case "":
		return def, nil
	case "true", "yes", "y", "1":
		return true, nil
	case "false", "no", "n", "0":
		return false, nil
	}
	return false, fmt.Errorf("%q is not a yes/no value (want true/false, yes/no or 1/0)", s)
}

// country reads an ISO 3166 alpha-2 code, upper-cased.
func country(s string) (string, error) {
	s = strings.ToUpper(strings.TrimSpace(s))
	if len(s) != 2 || s[0] < 'A' || s[0] > 'Z' || s[1] < 'A' || s[1] > 'Z' {
		return "", fmt.Errorf("%q is not a two-letter country code (ISO 3166, e.g. US, DE)", s)
	}
	return s, nil
}

// splitList splits a cell holding several values, as exports write them
// ("a;b", "a, b", "{a, b}").
func splitList(s string) []string {
	s = strings.Trim(strings.TrimSpace(s), "{}[]")
	var out []string
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' || r == '|' }) {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// eachRow opens path and calls fn for every readable row. Row errors, from
// the reader or returned by fn as a [*RowError], become problems and the
// walk goes on; the file's own warnings are added to the problems too. A
// file that cannot be opened as CSV, or an I/O error, is returned as the
// error.
func eachRow(path string, schema []Column, fn func(*Reader, Record) error) ([]numsync.Issue, error) {
	r, err := OpenFile(path, schema)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return walk(r, func(rec Record) error { return fn(r, rec) })
}

func walk(r *Reader, fn func(Record) error) ([]numsync.Issue, error) {
	var problems []numsync.Issue
	for {
		rec, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err == nil {
			if w := rec.hiddenWarning(""); w != nil {
				problems = append(problems, *w)
			}
			err = fn(rec)
		}
		var re *RowError
		if errors.As(err, &re) {
			problems = append(problems, re.Issue())
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", r.file, err)
		}
	}
	return append(r.Warnings(), problems...), nil
}

// known declares columns a file may carry that an importer does not use.
func known(names ...string) []Column {
	cols := make([]Column, len(names))
	for i, n := range names {
		cols[i] = Column{Name: n}
	}
	return cols
}
