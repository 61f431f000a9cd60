package importer

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/numsync/numsync"
)

func readSheetBytes(t *testing.T, data []byte, workers int) *SheetResult {
	s := newSheetSet(func(string) (string, bool) { return "US", true }, workers)
	if err := s.read(context.Background(), bytes.NewReader(data), "f.csv"); err != nil {
		t.Fatalf("read: %v", err)
	}
	return s.result()
}

// FuzzReadSheet feeds arbitrary bytes to the sheet reader: it must not
// panic or hang, every row must be accounted for with a line, and reading
// with parallel normalisation must give exactly what reading serially does.
func FuzzReadSheet(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join(corpus, "*.csv"))
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("sep=;\nUPN;Number\na;+14255550101\n"))
	f.Add([]byte("#TYPE x\nUPN,Number,Action\na,,remove\na,+14255550101,\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		res := readSheetBytes(t, data, 1)
		if par := readSheetBytes(t, data, 2); !reflect.DeepEqual(res, par) {
			t.Fatalf("parallel read differs:\nserial   %+v\nparallel %+v", res, par)
		}
		if len(res.Sheets) != 1 {
			t.Fatalf("%d sheets", len(res.Sheets))
		}
		repeats := 0
		for _, w := range res.Warnings {
			if w.Code == numsync.DuplicateRow {
				repeats++
			}
		}
		rowRejects := 0
		for _, is := range res.Rejects {
			if is.File != "f.csv" {
				t.Fatalf("reject without its file: %+v", is)
			}
			if is.Line > 0 && res.Sheets[0].Err == nil {
				rowRejects++
			}
		}
		if res.Sheets[0].Err == nil && len(res.Wishes)+rowRejects+repeats != res.RowsRead {
			t.Fatalf("%d rows read but %d wishes + %d rejects + %d repeats", res.RowsRead, len(res.Wishes), rowRejects, repeats)
		}
		for _, w := range res.Wishes {
			if w.Source.Line < 2 || w.UPN == "" {
				t.Fatalf("wish without line or identity: %+v", w)
			}
			if !w.Remove() && !strings.HasPrefix(w.Number.E164, "+") {
				t.Fatalf("wish number not in E.164: %+v", w)
			}
		}
	})
}

// FuzzParseNumber checks the number normaliser of the root package on
// anything a sheet cell can hold: no panic, and what it accepts is E.164
// that reads back as itself.
func FuzzParseNumber(f *testing.F) {
	for _, s := range []string{
		"+14255550101", "4255550101", "(425) 555-0101 ext. 7", "tel:+14255550101;ext=101",
		"1.42555E+10", "030 1234567", "+49 30 1234 5678 x12", "None", "", "+", "tel:", "x1",
		"+1 425 555 0101 #5", "00491701234567", "+800 1234 5678", "\u00a0+44 20 7946 0000",
	} {
		f.Add(s, "US")
		f.Add(s, "")
	}
	f.Add("030 1234567", "DE")
	f.Add("020 7946 0000", "gb")
	f.Fuzz(func(t *testing.T, s, region string) {
		n, err := numsync.ParseNumber(s, region)
		if err != nil {
			if n != (numsync.Number{}) {
				t.Fatalf("error %v with a number %+v", err, n)
			}
			return
		}
		if len(n.E164) < 3 || n.E164[0] != '+' || strings.Trim(n.E164[1:], "0123456789") != "" {
			t.Fatalf("ParseNumber(%q, %q) = %q, not E.164", s, region, n.E164)
		}
		if strings.Trim(n.Ext, "0123456789") != "" {
			t.Fatalf("ParseNumber(%q, %q) extension %q is not digits", s, region, n.Ext)
		}
		again, err := numsync.ParseNumber(n.String(), "")
		if err != nil || again != n {
			t.Fatalf("ParseNumber(%q, %q) = %q, which reads back as %q, %v", s, region, n, again, err)
		}
	})
}
