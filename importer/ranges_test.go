package importer

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// TestReadSheetsNext reads rows that ask for the next free number of a
// range instead of naming one: several rows may ask the same, and a
// malformed selector is a BAD_ROW naming the cell.
func TestReadSheetsNext(t *testing.T) {
	dir := t.TempDir()
	sheet := "UserPrincipalName,PhoneNumber,LocationId\n" +
		"alice@contoso.com,next:London-DDI,\n" +
		"carol@contoso.com,NEXT: site=London ; type=CallingPlan,loc-lon\n" +
		"dave@contoso.com,next:London-DDI,\n" +
		"erin@contoso.com,next:colour=red,\n" +
		"frank@contoso.com,next:,\n"
	path := filepath.Join(dir, "wave.csv")
	if err := os.WriteFile(path, []byte(sheet), 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := readSheets(context.Background(), []string{path}, lookup, 1)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, w := range res.Wishes {
		if !w.Number.IsZero() || w.Remove() {
			t.Errorf("%s: a next row has number %q (remove %t)", w.UPN, w.Number, w.Remove())
		}
		got = append(got, w.UPN+" "+w.Next+" "+w.LocationID)
	}
	want := []string{
		"alice@contoso.com London-DDI ",
		"carol@contoso.com site=London,type=CallingPlan loc-lon",
		"dave@contoso.com London-DDI ",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("wishes:\n  got  %q\n  want %q", got, want)
	}
	if len(res.Rejects) != 2 {
		t.Fatalf("rejects %+v, want erin's and frank's", res.Rejects)
	}
	for _, r := range res.Rejects {
		if r.Code != "BAD_ROW" || r.Line < 5 || r.Number == "" || r.Hint == "" {
			t.Errorf("reject %+v: want BAD_ROW with line, cell and hint", r)
		}
	}
}

func TestReadRanges(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := write("good.csv", "Name;First;Last;Prefix;Type;Site;LocationId;Tag;LowStock\r\n"+
		"London-DDI;+442079460000;+442079460999;;DirectRouting;London;loc-lon;wave-1;10%\r\n"+
		"Paris;;;+3314268;CallingPlan;Paris;;;25\r\n")
	rs, err := ReadRanges(good)
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 2 || rs[0].Country != "GB" || rs[0].LowStock.Percent != 10 || rs[0].Type != "DirectRouting" ||
		rs[1].Prefix != "+3314268" || rs[1].LowStock.Count != 25 || rs[1].Country != "FR" {
		t.Errorf("ranges %+v", rs)
	}
	for name, c := range map[string]struct{ body, want string }{
		"reversed.csv": {"Name,First,Last\nA,+442079460999,+442079460000\n", "reversed.csv:2: BAD_ROW: first +442079460999 comes after last"},
		"twice.csv":    {"Name,Prefix\nA,+44207\na,+44208\n", "twice.csv:3: column Name: BAD_ROW: range a is listed again (first on line 2)"},
		"type.csv":     {"Name,Prefix,Type\nA,+44207,Fax\n", "type.csv:2: column Type: BAD_ROW"},
		"stock.csv":    {"Name,Prefix,LowStock\nA,+44207,lots\n", "stock.csv:2: column LowStock: BAD_ROW"},
	} {
		_, err := ReadRanges(write(name, c.body))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want %q", name, err, c.want)
		}
	}
}
