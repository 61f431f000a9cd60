package reports

import (
	"bytes"
	"encoding/csv"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/numsync/numsync"
)

// readCSV reads a report CSV as a spreadsheet would: a UTF-8 BOM, then
// RFC 4180 records.
func readCSV(t *testing.T, path string) [][]string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(data, []byte(utf8BOM)) {
		t.Errorf("%s does not start with a UTF-8 BOM (Excel would garble non-ASCII names)", path)
	}
	r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(data, []byte(utf8BOM))))
	recs, err := r.ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return recs
}

// unsafeStart reports whether a spreadsheet could take a cell for a formula.
func unsafeStart(cell string) bool {
	for _, p := range []string{"=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠"} {
		if strings.HasPrefix(cell, p) {
			return true
		}
	}
	return false
}

func TestCSVCellsCannotRunAsFormulas(t *testing.T) {
	dir := t.TempDir()
	if err := Write(dir, sampleInputs()["applied"]); err != nil {
		t.Fatal(err)
	}
	var cells []string
	for _, name := range Files {
		if !strings.HasSuffix(name, ".csv") {
			continue
		}
		for _, rec := range readCSV(t, filepath.Join(dir, name)) {
			for _, cell := range rec {
				cells = append(cells, cell)
				if e164, ok := strings.CutPrefix(cell, "\t"); ok && e164Cell.MatchString(e164) {
					continue // a phone number kept as text
				}
				if unsafeStart(cell) {
					t.Errorf("%s: cell %q could run as a formula", name, cell)
				}
			}
		}
	}
	// The hostile values are all there, neutralised and otherwise intact.
	for _, want := range []string{"'" + hostileFormula, hostileScript + "@contoso.com", hostilePS, "\t+33140000001;ext=12", "'-pick a DE number or change the usage location"} {
		found := false
		for _, c := range cells {
			found = found || c == want
		}
		if !found {
			t.Errorf("no cell is %q", want)
		}
	}
}

func TestSafeCell(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"+14255550101", "\t+14255550101"},
		{"+14255550100;ext=101", "\t+14255550100;ext=101"},
		{"+1425555010x", "'+1425555010x"},
		{"+14255550101+1", "'+14255550101+1"},
		{"=1+1", "'=1+1"},
		{"-2+3", "'-2+3"},
		{"@SUM(A1)", "'@SUM(A1)"},
		{"\t=1", "'\t=1"},
		{"\r=1", "'\r=1"},
		{"＝1+1", "'＝1+1"},
		{"alice@contoso.com", "alice@contoso.com"},
		{"", ""},
		{"tel:+14255550101", "tel:+14255550101"},
	} {
		if got := SafeCell(tc.in); got != tc.want {
			t.Errorf("SafeCell(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestE164CellReadsBackAsNumber checks that the text form of a number in
// the CSVs still parses as that number, as numsync's importer reads it.
func TestE164CellReadsBackAsNumber(t *testing.T) {
	for _, n := range []string{"+14255550101", "+33140000001;ext=12"} {
		got, err := numsync.ParseNumber(SafeCell(n), "")
		if err != nil || got.String() != n {
			t.Errorf("ParseNumber(SafeCell(%q)) = %v, %v", n, got, err)
		}
	}
}

func TestPlanCSVListsOperationsInPlanOrder(t *testing.T) {
	f := newFacts(sampleInputs()["applied"])
	dir := t.TempDir()
	path := filepath.Join(dir, PlanCSVFile)
	if err := os.WriteFile(path, rendered(f.planCSV), 0o644); err != nil {
		t.Fatal(err)
	}
	recs := readCSV(t, path)
	if len(recs) != 1+len(f.plan.Ops) {
		t.Fatalf("%d records, want header and %d operations", len(recs), len(f.plan.Ops))
	}
	col := map[string]int{}
	for i, h := range recs[0] {
		col[h] = i
	}
	for i, op := range f.plan.Ops {
		rec := recs[i+1]
		if rec[col["action"]] != string(op.Action) || rec[col["upn"]] != op.UPN || rec[col["source"]] != sourceText(op.Source) {
			t.Errorf("line %d = %q, want operation %+v", i+2, rec, op)
		}
	}
}

func FuzzSafeCell(f *testing.F) {
	for _, s := range []string{"+14255550101", "+14255550100;ext=1", hostileFormula, "-1", "@x", "\t", "＝1", "plain"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := SafeCell(s)
		if e164, ok := strings.CutPrefix(got, "\t"); ok && e164Cell.MatchString(e164) {
			if e164 != s {
				t.Fatalf("SafeCell(%q) = %q changed the number", s, got)
			}
			return
		}
		if unsafeStart(got) {
			t.Fatalf("SafeCell(%q) = %q could run as a formula", s, got)
		}
		if got != s && got != "'"+s {
			t.Fatalf("SafeCell(%q) = %q changed more than a prefix", s, got)
		}
	})
}

// e164Cell is the definition isE164Cell implements by hand.
var e164Cell = regexp.MustCompile(`^\+[1-9][0-9]{1,14}(;ext=[0-9]{1,10})?$`)

func TestE164CellAgreesWithItsDefinition(t *testing.T) {
	for _, s := range []string{"", "+", "+1", "+14", "+14255550101", "+04255550101", "+123456789012345", "+1234567890123456",
		"14255550101", "+1425555010a", "+14255550101;ext=", "+14255550101;ext=1", "+14255550101;ext=1234567890",
		"+14255550101;ext=12345678901", "+14255550101;ext=1a", "+14255550101;ext=1;ext=2", "+14255550101 ", ";ext=1", "+١٢٣"} {
		if got, want := isE164Cell(s), e164Cell.MatchString(s); got != want {
			t.Errorf("isE164Cell(%q) = %v, want %v", s, got, want)
		}
	}
}

// TestSourceString holds the reports' own formatting of a source to
// numsync.Source.String.
func TestSourceString(t *testing.T) {
	for _, s := range []numsync.Source{{}, {File: "a.csv"}, {File: "wave 1.csv", Line: 2}, {File: "sheets/ü.csv", Line: 1234567}, {File: "x", Line: -1}} {
		if got, want := sourceString(s), s.String(); got != want {
			t.Errorf("sourceString(%+v) = %q, want %q", s, got, want)
		}
	}
}
