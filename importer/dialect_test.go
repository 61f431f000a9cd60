package importer

import (
	"errors"
	"io"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/numsync/numsync"
)

var testSchema = []Column{
	{Name: "Name", Aliases: []string{"UPN"}, Required: true},
	{Name: "Phone", Required: true},
	{Name: "Note"},
}

// row is what the tests expect of one record: its line and its values, or
// the code of its error.
type row struct {
	line int
	vals string // Name|Phone|Note
	err  numsync.Reason
}

func readAll(t *testing.T, in string) (*Reader, []row) {
	t.Helper()
	r, err := NewReader(strings.NewReader(in), "t.csv", testSchema)
	if err != nil {
		t.Fatalf("NewReader: %v", err)
	}
	var got []row
	for {
		rec, err := r.Next()
		if errors.Is(err, io.EOF) {
			return r, got
		}
		var re *RowError
		if errors.As(err, &re) {
			got = append(got, row{line: re.Line, err: re.Code})
			continue
		}
		if err != nil {
			t.Fatalf("Next: %v", err)
		}
		got = append(got, row{line: rec.Line, vals: rec.Value(0) + "|" + rec.Value(1) + "|" + rec.Value(2)})
	}
}

func utf16Bytes(s string, bigEndian, bom bool) string {
	u := utf16.Encode([]rune(s))
	if bom {
		u = append([]uint16{0xFEFF}, u...)
	}
	b := make([]byte, 0, 2*len(u))
	for _, c := range u {
		if bigEndian {
			b = append(b, byte(c>>8), byte(c))
		} else {
			b = append(b, byte(c), byte(c>>8))
		}
	}
	return string(b)
}

func TestReaderDialects(t *testing.T) {
	plain := "Name,Phone,Note\na@x.com,+14255550101,hi\nb@x.com,+14255550102,\n"
	want := []row{{line: 2, vals: "a@x.com|+14255550101|hi"}, {line: 3, vals: "b@x.com|+14255550102|"}}
	for _, tc := range []struct {
		name, in string
		enc      string
		comma    rune
		want     []row
	}{
		{"PlainUTF8", plain, "UTF-8", ',', want},
		{"UTF8BOM", "\xEF\xBB\xBF" + plain, "UTF-8 with BOM", ',', want},
		{"CRLF", strings.ReplaceAll(plain, "\n", "\r\n"), "UTF-8", ',', want},
		{"Semicolon", strings.ReplaceAll(plain, ",", ";"), "UTF-8", ';', want},
		{"Tab", strings.ReplaceAll(plain, ",", "\t"), "UTF-8", '\t', want},
		{"UTF16LETab", utf16Bytes(strings.ReplaceAll(strings.ReplaceAll(plain, ",", "\t"), "\n", "\r\n"), false, true), "UTF-16LE", '\t', want},
		{"UTF16BE", utf16Bytes(plain, true, true), "UTF-16BE", ',', want},
		{"UTF16LEWithoutBOM", utf16Bytes(plain, false, false), "UTF-16LE", ',', want},
		{"ExcelSepLine", "sep=;\n" + strings.ReplaceAll(plain, ",", ";"), "UTF-8", ';', []row{{line: 3, vals: "a@x.com|+14255550101|hi"}, {line: 4, vals: "b@x.com|+14255550102|"}}},
		{"PowerShellTypeLine", "#TYPE Deserialized.Microsoft.Teams.Foo\n" + plain, "UTF-8", ',', []row{{line: 3, vals: "a@x.com|+14255550101|hi"}, {line: 4, vals: "b@x.com|+14255550102|"}}},
		{"Windows1252", "Name,Phone,Note\na@x.com,+14255550101,M\xfcller\n", "Windows-1252", ',', []row{{line: 2, vals: "a@x.com|+14255550101|Müller"}}},
		{"CommaInsideQuotedHeaderIgnored", "\"Name\";Phone;\"Note, long\"\na;1;2\n", "UTF-8", ';', nil},
		{"AliasCaseAndSpaces", " upn ,PHONE, note\r\na,1,2\r\n", "UTF-8", ',', []row{{line: 2, vals: "a|1|2"}}},
		{
			"MultiLineQuotedCells",
			"Name,Phone,Note\na,1,\"two\nlines\"\nb,2,\"three\r\n\r\nlines\"\nc,3,x\n",
			"UTF-8", ',',
			[]row{{line: 2, vals: "a|1|two\nlines"}, {line: 4, vals: "b|2|three\n\nlines"}, {line: 7, vals: "c|3|x"}},
		},
		{
			"BadRowsDoNotStopTheFile",
			"Name,Phone,Note\na,1\nb,2,x,extra\nc,\"3\"x,y\nd,4,ok\n\n,,\ne,5,\"unterminated\n",
			"UTF-8", ',',
			[]row{{line: 2, err: numsync.BadRow}, {line: 3, err: numsync.BadRow}, {line: 4, err: numsync.BadRow}, {line: 5, vals: "d|4|ok"}, {line: 8, err: numsync.BadRow}},
		},
		{"InvalidUTF8AfterTheSniffedStart", "Name,Phone,Note\n" + strings.Repeat("a,1,ok\n", sniffSize/7+1) + "b,2,\xff\n", "UTF-8", ',', nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, got := readAll(t, tc.in)
			if d := r.Dialect(); d.Encoding != tc.enc || d.Comma != tc.comma {
				t.Errorf("dialect = %q %q, want %q %q", d.Encoding, d.Comma, tc.enc, tc.comma)
			}
			if tc.want == nil {
				return
			}
			if len(got) != len(tc.want) {
				t.Fatalf("got %d rows %v, want %v", len(got), got, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Errorf("row %d = %+v, want %+v", i, got[i], tc.want[i])
				}
			}
		})
	}
}

func TestReaderInvalidUTF8RowIsBadRow(t *testing.T) {
	in := "Name,Phone,Note\n" + strings.Repeat("a,1,ok\n", sniffSize/7+1) + "b,2,\xff\nc,3,ok\n"
	_, got := readAll(t, in)
	n := len(got)
	if got[n-2].err != numsync.BadRow || got[n-1].vals != "c|3|ok" {
		t.Fatalf("last rows = %+v", got[n-2:])
	}
}

func TestReaderHeaderProblems(t *testing.T) {
	for _, tc := range []struct {
		name, in, want string
	}{
		{"MissingColumnNamesWhatItFound", "Name;Telephone\na;1\n", `t.csv:1: BAD_ROW: missing column Phone; found "Name", "Telephone"`},
		{"WrongDelimiterShowsInFoundColumns", "Name|Phone\n", `t.csv:1: BAD_ROW: missing column Name (or UPN), Phone; found "Name|Phone"`},
		{"TwoColumnsForOne", "Name,UPN,Phone\n", `t.csv:1: BAD_ROW: columns "Name" and "UPN" both give Name`},
		{"Empty", "", `t.csv: BAD_ROW: the file is empty: no header line`},
		{"OnlyBlankLines", "\n\n,,\n", `t.csv: BAD_ROW: the file is empty: no header line`},
		{"BrokenHeader", "\n\"Name,Phone\n", `t.csv:2: BAD_ROW: header line cannot be read: extraneous or missing " in quoted-field`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewReader(strings.NewReader(tc.in), "t.csv", testSchema)
			var re *RowError
			if !errors.As(err, &re) {
				t.Fatalf("err = %v, want a *RowError", err)
			}
			if err.Error() != tc.want {
				t.Errorf("err = %q\nwant  %q", err, tc.want)
			}
		})
	}
}

func TestReaderUnknownColumnsWarnOncePerFile(t *testing.T) {
	r, got := readAll(t, "Name,Phone,Dept,Cost Centre,,\na,1,x,y,,\nb,2,x,y,,\n")
	if len(got) != 2 || got[1].vals != "b|2|" {
		t.Fatalf("rows = %+v", got)
	}
	w := r.Warnings()
	if len(w) != 1 || w[0].Code != numsync.UnknownColumn || w[0].Line != 1 || w[0].Message != `ignored unknown column(s) "Dept", "Cost Centre"` {
		t.Fatalf("warnings = %+v", w)
	}
}

func TestRowErrorIssue(t *testing.T) {
	_, perr := numsync.ParseNumber("1.42555E+10", "US")
	e := &RowError{File: "s.csv", Line: 7, Column: "Phone", Code: numsync.BadNumber, UPN: "a@x", Number: "1.42555E+10", Err: perr}
	if !errors.Is(e, perr) {
		t.Error("RowError does not unwrap to its cause")
	}
	is := e.Issue()
	if is.File != "s.csv" || is.Line != 7 || is.Column != "Phone" || is.Code != numsync.BadNumber || is.UPN != "a@x" || is.Hint == "" || is.Message != perr.Error() {
		t.Errorf("issue = %+v", is)
	}
	if got, want := e.Error(), "s.csv:7: column Phone: BAD_NUMBER: "+perr.Error(); got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}

func TestReaderWarnsWhenNotUTF8(t *testing.T) {
	r, _ := readAll(t, "Name,Phone,Note\na,1,Gr\xfc\xdfe\n")
	w := r.Warnings()
	if len(w) != 1 || w[0].Code != numsync.NotUTF8 || w[0].Hint == "" {
		t.Fatalf("warnings = %+v", w)
	}
}

// A quoting error names the cell and its column, not the byte offset the
// CSV reader stopped at; a quote left open is the fault of the cell that
// opened it, however many lines later the reader notices.
func TestReaderQuotingErrorNamesTheCell(t *testing.T) {
	for _, tc := range []struct {
		name, in, want string
	}{
		{"BareQuote", "Name;Phone;Note\na;+1 425 \"555\" 0101;x\n",
			`t.csv:2: column Phone: BAD_ROW: cell 2: bare " in non-quoted-field`},
		{"TextAfterClosingQuote", "Name,Phone,Note\na,1,\"ok\"x\n",
			`t.csv:2: column Note: BAD_ROW: cell 3: extraneous or missing " in quoted-field`},
		{"DoubledQuotesAreNotTheFault", "Name,Phone,Note\n\"a \"\"b\"\", c\",1,\"x\"y\n",
			`t.csv:2: column Note: BAD_ROW: cell 3: extraneous or missing " in quoted-field`},
		{"QuoteLeftOpen", "Name,Phone,Note\na,\"1,x\nb,2,y\nc,3,z\nd,4,w\n",
			`t.csv:2: column Phone: BAD_ROW: cell 2: extraneous or missing " in quoted-field (the quote opened on line 2 is still open on line 5)`},
		{"BeyondTheHeader", "Name,Phone\na,1,x,y\"z\n",
			`t.csv:2: BAD_ROW: cell 4, beyond the header's 2 columns: bare " in non-quoted-field`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := NewReader(strings.NewReader(tc.in), "t.csv", testSchema)
			if err != nil {
				t.Fatal(err)
			}
			_, err = r.Next()
			var re *RowError
			if !errors.As(err, &re) || err.Error() != tc.want {
				t.Errorf("err = %v\nwant  %s", err, tc.want)
			}
		})
	}
}
