package importer

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/numsync/numsync"
)

var corpus = filepath.Join("..", "testdata", "sheets")

// usage is the directory the sheet corpus is written against: leo is
// missing on purpose.
var usage = map[string]string{
	"alice": "US", "bob": "DE", "carol": "GB", "dave": "US", "erin": "US", "frank": "FR",
	"gina": "US", "hank": "US", "ivan": "US", "judy": "US", "kim": "US", "mia": "US",
	"nina": "US", "oscar": "US", "paul": "US", "quinn": "US", "rita": "US", "sam": "US",
	"tina": "US", "uma": "DE", "victor": "GB", "wendy": "US", "xena": "US", "yuri": "US",
	"zoe": "US",
}

func lookup(key string) (string, bool) {
	name, ok := strings.CutSuffix(key, "@contoso.com")
	if !ok {
		return "", false
	}
	c, ok := usage[name]
	return c, ok
}

// outcomes renders every row of a result as "file:line" -> what became of
// it: "WISH upn category number type location notify quarantine", a reject
// code, or "WARN code".
func outcomes(res *SheetResult) map[string][]string {
	out := make(map[string][]string)
	at := func(file string, line int) string { return fmt.Sprintf("%s:%d", filepath.Base(file), line) }
	for _, w := range res.Wishes {
		k := at(w.Source.File, w.Source.Line)
		out[k] = append(out[k], fmt.Sprintf("WISH %s %s %s %s %s %t %t", w.UPN, w.Category, w.Number, w.Type, w.LocationID, w.Notify, w.AllowQuarantined))
	}
	for _, is := range res.Rejects {
		k := at(is.File, is.Line)
		out[k] = append(out[k], string(is.Code))
	}
	for _, is := range res.Warnings {
		k := at(is.File, is.Line)
		out[k] = append(out[k], "WARN "+string(is.Code))
	}
	for _, v := range out {
		slices.Sort(v)
	}
	return out
}

func TestReadSheetsCorpus(t *testing.T) {
	for _, workers := range []int{1, 2} {
		t.Run(fmt.Sprintf("workers=%d", workers), func(t *testing.T) {
			res, err := readSheets(context.Background(), []string{corpus}, lookup, workers)
			if err != nil {
				t.Fatal(err)
			}
			checkCorpus(t, res)
		})
	}
}

func checkCorpus(t *testing.T, res *SheetResult) {
	want := map[string][]string{
		"01-basic.csv:2":  {"WISH alice@contoso.com Primary +14255550101 CallingPlan loc-us-1 true false"},
		"01-basic.csv:3":  {"WISH bob@contoso.com Primary +49301234567 DirectRouting  false false"},
		"01-basic.csv:4":  {"DUPLICATE_NUMBER"},
		"01-basic.csv:5":  {"WISH dave@contoso.com Private +14255550102;ext=7 DirectRouting  true false"},
		"01-basic.csv:6":  {"NO_EXTENSION_ALLOWED"},
		"01-basic.csv:7":  {"WISH frank@contoso.com Primary +33142685300;ext=5   true false"},
		"01-basic.csv:8":  {"CONFLICTING_ROWS"},
		"01-basic.csv:9":  {"WISH hank@contoso.com Primary    true false"},
		"01-basic.csv:10": {"WISH ivan@contoso.com Primary    true false"},

		"02-bom-semicolon-crlf.csv:1": {"WARN UNKNOWN_COLUMN"},
		"02-bom-semicolon-crlf.csv:2": {"WISH judy@contoso.com Primary +14255550105 CallingPlan  true false"},
		"02-bom-semicolon-crlf.csv:3": {"BAD_NUMBER"},
		"02-bom-semicolon-crlf.csv:4": {"BAD_NUMBER"},
		"02-bom-semicolon-crlf.csv:5": {"BAD_ROW"},
		"02-bom-semicolon-crlf.csv:6": {"BAD_ROW"},
		"02-bom-semicolon-crlf.csv:7": {"BAD_ROW"},
		"02-bom-semicolon-crlf.csv:8": {"BAD_ROW"},
		"02-bom-semicolon-crlf.csv:9": {"WISH paul@contoso.com Primary +14255550111   true false"},

		"03-unicode-text.csv:1": {"WARN UNKNOWN_COLUMN"},
		"03-unicode-text.csv:2": {"WISH quinn@contoso.com Primary +14255550112 OperatorConnect  false false"},
		"03-unicode-text.csv:3": {"WISH rita@contoso.com Primary +14255550113 OperatorConnect  false false"},
		"03-unicode-text.csv:4": {"WISH sam@contoso.com Primary +14255550114 DirectRouting  true false"},
		"03-unicode-text.csv:6": {"WISH tina@contoso.com Primary +14255550115 CallingPlan  true false"},

		"04-utf16be.csv:2": {"WISH uma@contoso.com Primary +493012345678   true false"},
		"04-utf16be.csv:3": {"DUPLICATE_NUMBER"},

		"05-crlf-multiline.csv:1": {"WARN UNKNOWN_COLUMN"},
		"05-crlf-multiline.csv:2": {"WARN DUPLICATE_ROW"},
		"05-crlf-multiline.csv:4": {"CONFLICTING_ROWS"},
		"05-crlf-multiline.csv:5": {"CONFLICTING_ROWS"},
		"05-crlf-multiline.csv:8": {"DUPLICATE_NUMBER"},
		"05-crlf-multiline.csv:9": {"WARN DUPLICATE_ROW"},

		"06-tab.csv:2": {"DUPLICATE_NUMBER"},
		"06-tab.csv:3": {"DUPLICATE_NUMBER"},
		"06-tab.csv:4": {"CONFLICTING_ROWS"},

		"07-missing-column.csv:1": {"BAD_ROW"},
		"08-empty.csv:0":          {"BAD_ROW"},
	}
	got := outcomes(res)
	for k, w := range want {
		if !reflect.DeepEqual(got[k], w) {
			t.Errorf("%s: got %q, want %q", k, got[k], w)
		}
	}
	for k, g := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("%s: unexpected %q", k, g)
		}
	}
	if res.RowsRead != 31 {
		t.Errorf("RowsRead = %d, want 31", res.RowsRead)
	}

	// Wishes come in file and line order.
	if !slices.IsSortedFunc(res.Wishes, func(a, b numsync.Wish) int {
		return strings.Compare(fmt.Sprintf("%s:%04d", a.Source.File, a.Source.Line), fmt.Sprintf("%s:%04d", b.Source.File, b.Source.Line))
	}) {
		t.Error("wishes are not in file and line order")
	}

	var dialects []string
	for _, s := range res.Sheets {
		d := fmt.Sprintf("%s %s %q rows=%d", filepath.Base(s.File), s.Dialect.Encoding, s.Dialect.Comma, s.Rows)
		if s.Err != nil {
			d = fmt.Sprintf("%s failed at line %d", filepath.Base(s.File), s.Err.Line)
		}
		dialects = append(dialects, d)
	}
	wantDialects := []string{
		`01-basic.csv UTF-8 ',' rows=9`,
		`02-bom-semicolon-crlf.csv UTF-8 with BOM ';' rows=8`,
		`03-unicode-text.csv UTF-16LE '\t' rows=4`,
		`04-utf16be.csv UTF-16BE ',' rows=2`,
		`05-crlf-multiline.csv UTF-8 ',' rows=5`,
		`06-tab.csv UTF-8 '\t' rows=3`,
		`07-missing-column.csv failed at line 1`,
		`08-empty.csv failed at line 0`,
	}
	if !reflect.DeepEqual(dialects, wantDialects) {
		t.Errorf("sheets:\n  got  %q\n  want %q", dialects, wantDialects)
	}
}

// TestReadSheetsMessages checks that the messages name what a person needs
// to find the other rows and fix the cell.
func TestReadSheetsMessages(t *testing.T) {
	res, err := ReadSheets(context.Background(), []string{corpus}, lookup)
	if err != nil {
		t.Fatal(err)
	}
	find := func(file string, line int) numsync.Issue {
		for _, is := range append(res.Rejects, res.Warnings...) {
			if filepath.Base(is.File) == file && is.Line == line && is.Code != numsync.UnknownColumn {
				return is
			}
		}
		t.Fatalf("no issue at %s:%d", file, line)
		return numsync.Issue{}
	}
	for _, tc := range []struct {
		file     string
		line     int
		contains []string
		hint     bool
	}{
		{"01-basic.csv", 4, []string{"+442079460000 is also wanted by victor@contoso.com (", "04-utf16be.csv:3)"}, true},
		{"04-utf16be.csv", 3, []string{"carol@contoso.com (", "01-basic.csv:4)"}, true},
		{"05-crlf-multiline.csv", 8, []string{"yuri@contoso.com (", "06-tab.csv:2)", "zoe@contoso.com (", "06-tab.csv:3)"}, true},
		{"05-crlf-multiline.csv", 4, []string{"wendy@contoso.com Primary", "05-crlf-multiline.csv:5 (+14255550117)"}, true},
		{"06-tab.csv", 4, []string{"01-basic.csv:8 (no number)"}, true},
		{"05-crlf-multiline.csv", 2, []string{"the same as ", "01-basic.csv:2; kept once"}, false},
		{"01-basic.csv", 6, []string{"+14255550103;ext=9", "CallingPlan"}, true},
		{"02-bom-semicolon-crlf.csv", 3, []string{"scientific notation"}, true},
		{"02-bom-semicolon-crlf.csv", 4, []string{"leo@contoso.com is not a known user"}, false},
		{"02-bom-semicolon-crlf.csv", 7, []string{"the row has 7 cells but the header has 6"}, true},
		{"07-missing-column.csv", 1, []string{`missing column PhoneNumber (or TelephoneNumber, Number, LineUri); found "UserPrincipalName", "Phone Type"`}, true},
	} {
		is := find(tc.file, tc.line)
		for _, c := range tc.contains {
			if !strings.Contains(is.Message, c) {
				t.Errorf("%s:%d: message %q lacks %q", tc.file, tc.line, is.Message, c)
			}
		}
		if tc.hint && is.Hint == "" {
			t.Errorf("%s:%d: no hint", tc.file, tc.line)
		}
	}
	if is := find("02-bom-semicolon-crlf.csv", 7); is.UPN != "oscar@contoso.com" {
		t.Errorf("a row with too many cells does not name its identity: %+v", is)
	}
	if is := find("02-bom-semicolon-crlf.csv", 5); is.Column != "Type" || is.UPN != "mia@contoso.com" {
		t.Errorf("unknown type reject names column %q and identity %q", is.Column, is.UPN)
	}
}

func TestReadSheetsPaths(t *testing.T) {
	dir := t.TempDir()
	write := func(name, data string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	write("b.CSV", "UPN,Number\nb@x.com,+14255550102\n")
	write("a.csv", "UPN,Number\na@x.com,+14255550101\n")
	write("notes.txt", "not a sheet")
	txt := filepath.Join(t.TempDir(), "unicode.txt")
	if err := os.WriteFile(txt, []byte(utf16Bytes("UPN\tNumber\r\nc@x.com\t+14255550103\r\n", false, true)), 0o600); err != nil {
		t.Fatal(err)
	}

	t.Run("DirectoryInNameOrderPlusExplicitFilesEachOnce", func(t *testing.T) {
		res, err := ReadSheets(context.Background(), []string{dir, txt, filepath.Join(dir, "a.csv")}, nil)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, w := range res.Wishes {
			got = append(got, filepath.Base(w.Source.File)+" "+w.UPN)
		}
		if want := []string{"a.csv a@x.com", "b.CSV b@x.com", "unicode.txt c@x.com"}; !reflect.DeepEqual(got, want) {
			t.Errorf("wishes = %q, want %q", got, want)
		}
	})
	t.Run("MissingPathIsAnError", func(t *testing.T) {
		if _, err := ReadSheets(context.Background(), []string{filepath.Join(dir, "nope.csv")}, nil); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("DirectoryWithoutSheetsIsAnError", func(t *testing.T) {
		if _, err := ReadSheets(context.Background(), []string{t.TempDir()}, nil); err == nil || !strings.Contains(err.Error(), "no *.csv sheets") {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("CancelledContext", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if _, err := ReadSheets(ctx, []string{dir}, nil); !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v", err)
		}
	})
}

// TestReadSheetsManyClashingRows makes sure clashes of thousands of rows
// are all reported, with messages that name a few of the others and count
// the rest.
func TestReadSheetsManyClashingRows(t *testing.T) {
	var b strings.Builder
	b.WriteString("UPN,Number,LocationId\n")
	const n = 1500
	for i := range n {
		fmt.Fprintf(&b, "u%d@x.com,+14255550101,\n", i)        // one number, many identities
		fmt.Fprintf(&b, "same@x.com,+14255550102,loc-%d\n", i) // one identity, many wishes
		fmt.Fprintf(&b, "rep@x.com,+14255550103,\n")           // one wish, repeated
	}
	path := filepath.Join(t.TempDir(), "clash.csv")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	res, err := ReadSheets(context.Background(), []string{path}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Wishes) != 1 || res.Wishes[0].UPN != "rep@x.com" || len(res.Warnings) != n-1 || len(res.Rejects) != 2*n {
		t.Fatalf("%d wishes, %d warnings, %d rejects", len(res.Wishes), len(res.Warnings), len(res.Rejects))
	}
	for _, is := range res.Rejects {
		if len(is.Message) > 600 || !strings.Contains(is.Message, fmt.Sprintf("and %d more", n-1-listMost)) {
			t.Fatalf("message at line %d: %q", is.Line, is.Message)
		}
	}
}

func TestReadSheetsKnownNumbers(t *testing.T) {
	plain, err := readSheets(context.Background(), []string{corpus}, lookup, 1)
	if err != nil {
		t.Fatal(err)
	}
	inventory := map[string]numsync.Number{}
	for _, w := range plain.Wishes {
		if !w.Remove() && w.Number.Ext == "" {
			inventory[w.Number.E164] = w.Number
		}
	}
	for _, workers := range []int{1, 2} {
		t.Run(fmt.Sprintf("workers=%d", workers), func(t *testing.T) {
			var mu sync.Mutex
			var asked []string
			known := func(e164 string) (numsync.Number, bool) {
				mu.Lock()
				defer mu.Unlock()
				asked = append(asked, e164)
				n, ok := inventory[e164]
				return n, ok
			}
			res, err := readSheets(context.Background(), []string{corpus}, lookup, workers, WithKnownNumbers(known))
			if err != nil {
				t.Fatal(err)
			}
			// Knowing the numbers changes the work, never the outcome.
			checkCorpus(t, res)
			if len(asked) == 0 {
				t.Fatal("the known numbers were never asked")
			}
			for _, e := range asked {
				if e[0] != '+' || strings.Trim(e[1:], "0123456789") != "" {
					t.Errorf("asked about %q, which is not written in E.164", e)
				}
			}
		})
	}

	// A known number is not validated again; one written otherwise is.
	path := filepath.Join(t.TempDir(), "known.csv")
	sheet := "UPN,Number\nalice@contoso.com,+10000000000\nbob@contoso.com, +10000000001 \ncarol@contoso.com,+1 000 000 0002\n"
	if err := os.WriteFile(path, []byte(sheet), 0o600); err != nil {
		t.Fatal(err)
	}
	trust := func(e164 string) (numsync.Number, bool) { return numsync.Number{E164: e164}, true }
	res, err := ReadSheets(context.Background(), []string{path}, lookup, WithKnownNumbers(trust))
	if err != nil {
		t.Fatal(err)
	}
	got := outcomes(res)
	want := map[string][]string{
		"known.csv:2": {"WISH alice@contoso.com Primary +10000000000   true false"},
		"known.csv:3": {"WISH bob@contoso.com Primary +10000000001   true false"},
		"known.csv:4": {"BAD_NUMBER"},
	}
	for k, w := range want {
		if !slices.Equal(got[k], w) {
			t.Errorf("%s: got %q, want %q", k, got[k], w)
		}
	}
}

// A rejected row says which number it was about in the normalised form
// whenever the number could be read, and a number refused with a hint
// (another country's digits without "+") carries that hint to the reject.
func TestRejectedRowNumbers(t *testing.T) {
	path := filepath.Join(t.TempDir(), "rows.csv")
	sheet := "UPN,Number,Type\n" +
		"erin@contoso.com,+1 (425) 555-0103 x9,CallingPlan\n" +
		"alice@contoso.com,442079460150,\n" +
		"dave@contoso.com,＋１ ４２５－５５５－０１０６,\n" +
		"gina@contoso.com,(425) 555-0107,Landline\n"
	if err := os.WriteFile(path, []byte(sheet), 0o600); err != nil {
		t.Fatal(err)
	}
	res, err := ReadSheets(context.Background(), []string{path}, lookup)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Rejects) != 3 {
		t.Fatalf("rejects = %+v; want three", res.Rejects)
	}
	ext, plus, typ := res.Rejects[0], res.Rejects[1], res.Rejects[2]
	// A row refused for another cell names its number as read, too.
	if typ.Code != numsync.BadRow || typ.Number != "+14255550107" {
		t.Errorf("reject for the type = %s %q; want BAD_ROW with +14255550107", typ.Code, typ.Number)
	}
	if ext.Code != numsync.NoExtensionAllowed || ext.Number != "+14255550103;ext=9" {
		t.Errorf("extension reject = %s %q; want NO_EXTENSION_ALLOWED with +14255550103;ext=9", ext.Code, ext.Number)
	}
	if plus.Code != numsync.BadNumber || plus.Number != "442079460150" || !strings.Contains(plus.Hint, "did you mean +44 20 7946 0150? write the +") {
		t.Errorf("reject = %+v; want BAD_NUMBER with the cell and a hint naming +44 20 7946 0150", plus)
	}
	if len(res.Wishes) != 1 || res.Wishes[0].Number.String() != "+14255550106" {
		t.Errorf("wishes = %+v; want dave with +14255550106 read from full-width digits", res.Wishes)
	}
}

// A cell holding a bidirectional or invisible control gives its row a
// HIDDEN_CHARACTER warning that shows the character instead of obeying it.
func TestHiddenCharacterWarnsTheRow(t *testing.T) {
	path := filepath.Join(t.TempDir(), "rtl.csv")
	sheet := "UPN,Number,LocationId\nalice@contoso.com,+14255550101,HQ\u202E\ncarol@contoso.com,+442079460000,\n"
	if err := os.WriteFile(path, []byte(sheet), 0o600); err != nil {
		t.Fatal(err)
	}
	res, err := ReadSheets(context.Background(), []string{path}, lookup)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Warnings) != 1 {
		t.Fatalf("warnings = %+v; want one", res.Warnings)
	}
	w := res.Warnings[0]
	if w.Code != numsync.HiddenCharacter || w.Line != 2 || w.Column != "LocationId" || !strings.Contains(w.Message, "HQ⟨U+202E⟩") {
		t.Errorf("warning = %+v", w)
	}
	if len(res.Wishes) != 2 {
		t.Errorf("wishes = %+v; the warned row is still read", res.Wishes)
	}
}
