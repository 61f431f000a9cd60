// Command baseline is the yardstick of scripts/bench: it only reads the
// assignment sheets and parses their numbers, the least work any plan of
// those sheets must do. scripts/bench divides numsync's plan time by its
// time, so docs/performance.md says how close numsync is to the cost of
// reading its input.
//
//	go run ./scripts/baseline SHEET|DIR...
//
// It streams UTF-8 sheets, comma- or semicolon-separated (what numsync-gen
// writes), and parses every PhoneNumber cell with numsync.ParseNumber and
// no default region.
package main

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/numsync/numsync"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: baseline SHEET|DIR...")
		os.Exit(2)
	}
	var rows, bad int
	for _, arg := range os.Args[1:] {
		files, err := sheetFiles(arg)
		if err != nil {
			fmt.Fprintln(os.Stderr, "baseline:", err)
			os.Exit(1)
		}
		for _, f := range files {
			r, b, err := readSheet(f)
			if err != nil {
				fmt.Fprintln(os.Stderr, "baseline:", err)
				os.Exit(1)
			}
			rows, bad = rows+r, bad+b
		}
	}
	fmt.Printf("%d rows, %d numbers that do not parse\n", rows, bad)
}

// sheetFiles is the path itself, or the *.csv files of a directory in name
// order, as numsync reads them.
func sheetFiles(path string) ([]string, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !fi.IsDir() {
		return []string{path}, nil
	}
	files, err := filepath.Glob(filepath.Join(path, "*.csv"))
	sort.Strings(files)
	return files, err
}

func readSheet(path string) (rows, bad int, err error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, 1<<16)
	if bom, _ := br.Peek(3); string(bom) == "\ufeff" {
		br.Discard(3)
	}
	r := csv.NewReader(br)
	// Excel's "CSV" in many locales is semicolon-separated (numsync-gen
	// writes one such sheet); the header line tells which.
	if line, _ := br.Peek(4096); bytes.Count(line, []byte{';'}) > bytes.Count(line, []byte{','}) {
		r.Comma = ';'
	}
	r.ReuseRecord = true
	// Generated sheets hold some broken rows on purpose; they count as
	// rows that do not parse, as numsync rejects them.
	r.FieldsPerRecord = -1
	header, err := r.Read()
	if err != nil {
		return 0, 0, fmt.Errorf("%s: %w", path, err)
	}
	col := -1
	for i, h := range header {
		switch strings.ToLower(strings.TrimSpace(h)) {
		case "phonenumber", "telephonenumber", "number", "lineuri":
			col = i
		}
	}
	if col < 0 {
		return 0, 0, fmt.Errorf("%s: no PhoneNumber column", path)
	}
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			return rows, bad, nil
		}
		var perr *csv.ParseError
		if errors.As(err, &perr) {
			rows, bad = rows+1, bad+1
			continue
		}
		if err != nil {
			return rows, bad, fmt.Errorf("%s: %w", path, err)
		}
		rows++
		if col >= len(rec) {
			bad++
		} else if s := rec[col]; s != "" && !strings.EqualFold(s, "none") {
			if _, err := numsync.ParseNumber(s, ""); err != nil {
				bad++
			}
		}
	}
}
