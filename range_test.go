package numsync_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/numsync/numsync"
)

func TestRangeValidate(t *testing.T) {
	for _, c := range []struct {
		name string
		r    numsync.Range
		err  string // part of the error; "" for valid
	}{
		{"FirstLast", numsync.Range{Name: "a", First: "442079460000", Last: "+44 20 7946 0999"}, ""},
		{"Prefix", numsync.Range{Name: "a", Prefix: "+4420794600", Country: "gb"}, ""},
		{"NoName", numsync.Range{First: "+442079460000", Last: "+442079460999"}, "name"},
		{"NameWithComma", numsync.Range{Name: "a,b", Prefix: "+44"}, "must not contain"},
		{"Both", numsync.Range{Name: "a", Prefix: "+44", First: "+442079460000", Last: "+442079460999"}, "not both"},
		{"Neither", numsync.Range{Name: "a"}, "give first and last"},
		{"Reversed", numsync.Range{Name: "a", First: "+442079460999", Last: "+442079460000"}, "comes after"},
		{"Lengths", numsync.Range{Name: "a", First: "+14255550100", Last: "+442079460999"}, "different lengths"},
		{"BadNumber", numsync.Range{Name: "a", First: "hello", Last: "+442079460999"}, "E.164"},
		{"BadPrefix", numsync.Range{Name: "a", Prefix: "44x"}, "prefix"},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := c.r.Validate()
			switch {
			case c.err == "" && err != nil:
				t.Fatalf("unexpected error %v", err)
			case c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)):
				t.Fatalf("error %v, want one saying %q", err, c.err)
			case c.err == "" && c.r.Country != "GB":
				t.Errorf("country %q, want GB taken from the numbers", c.r.Country)
			}
		})
	}
	if err := numsync.ValidateRanges([]numsync.Range{{Name: "A", Prefix: "+44"}, {Name: "a", Prefix: "+33"}}); err == nil || !strings.Contains(err.Error(), "twice") {
		t.Errorf("two ranges named alike: %v", err)
	}
}

func TestParseSelector(t *testing.T) {
	for in, want := range map[string]string{
		"London-DDI":                         "London-DDI",
		" site = London , type=cp ":          "site=London,type=CallingPlan",
		"country=gb;range=London-DDI":        "range=London-DDI,country=GB",
		"type=DirectRouting,site=Manchester": "site=Manchester,type=DirectRouting",
	} {
		s, err := numsync.ParseSelector(in)
		if err != nil || s.String() != want {
			t.Errorf("ParseSelector(%q) = %q, %v; want %q", in, s.String(), err, want)
		}
		if back, err := numsync.ParseSelector(s.String()); err != nil || back != s {
			t.Errorf("%q does not read back: %+v %v", s.String(), back, err)
		}
	}
	for _, bad := range []string{"", "site=", "colour=red", "site=a,site=b", "type=fax"} {
		if _, err := numsync.ParseSelector(bad); err == nil {
			t.Errorf("ParseSelector(%q) accepted", bad)
		}
	}
}

func TestRangeUsages(t *testing.T) {
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	num := func(e164 string, typ numsync.NumberType) numsync.InventoryNumber {
		return numsync.InventoryNumber{Number: numsync.Number{E164: e164}, Type: typ, Country: "GB"}
	}
	ten := &numsync.Tenant{Numbers: []numsync.InventoryNumber{
		num("+442079460003", numsync.CallingPlan),
		num("+442079460000", numsync.CallingPlan),
		num("+442079460001", numsync.CallingPlan),
		num("+442079460005", numsync.DirectRouting), // another type
		num("+442079460009", numsync.CallingPlan),
		num("+442079460100", numsync.CallingPlan), // outside
	}}
	ten.Numbers[2].ReleasedAt = now.AddDate(0, 0, -1)
	ten.Assignments = []numsync.Assignment{{UPN: "a@example.com", Number: numsync.Number{E164: "+442079460000"}}}
	low := numsync.Threshold{Count: 1}
	rs := []numsync.Range{
		{Name: "span", First: "+442079460000", Last: "+442079460009", Type: numsync.CallingPlan, Country: "GB", LowStock: &low},
		{Name: "prefix", Prefix: "+4420794600", Type: numsync.CallingPlan, Country: "GB"},
	}
	got := numsync.RangeUsages(ten, rs, heldIn(ten), nil, now, 3)
	u := got[0]
	if u.Size != 10 || u.Owned != 4 || u.Assigned != 1 || u.Quarantined != 1 || u.Free != 2 || u.Mismatched != 1 || u.Missing != 5 || u.IsLow() {
		t.Errorf("span usage %+v", u)
	}
	var gaps []string
	for _, g := range u.Gaps {
		gaps = append(gaps, g.String())
	}
	if want := []string{"+442079460002", "+442079460004", "+442079460006-+442079460008"}; !slices.Equal(gaps, want) {
		t.Errorf("gaps %q, want %q", gaps, want)
	}
	if p := got[1]; p.Size != 100 || p.Owned != 4 || p.Missing != 95 {
		t.Errorf("prefix usage %+v, want 100 numbers, 4 owned, 95 missing", p)
	}
	ten.Assignments = append(ten.Assignments, numsync.Assignment{UPN: "b@example.com", Number: numsync.Number{E164: "+442079460003"}})
	if u := numsync.RangeUsages(ten, rs, heldIn(ten), nil, now, 3)[0]; !u.IsLow() || u.Free != 1 {
		t.Errorf("with one free number left the range is not low: %+v", u)
	}
	reserved := numsync.ActiveReservations([]numsync.Reservation{
		{Number: "+442079460009", UPN: "c@example.com"},
		{Number: "+442079460005", Note: "another type: not counted"},
		{Number: "+442079460100", Until: now.Add(-time.Hour)},
	}, now)
	if u := numsync.RangeUsages(ten, rs, heldIn(ten), reserved, now, 3)[0]; u.Reserved != 1 || u.Free != 0 {
		t.Errorf("a reserved free number: %+v, want 1 reserved and 0 free", u)
	}
}

func heldIn(t *numsync.Tenant) func(string) bool {
	x := numsync.NewTenantIndex(t)
	return func(k string) bool { return x.Holder(k) != nil }
}

// FuzzParseSelector: whatever a sheet cell holds after "next:", parsing
// never panics, and a selector it accepts reads back the same from its
// canonical form.
func FuzzParseSelector(f *testing.F) {
	for _, s := range []string{"London-DDI", "site=London;type=DirectRouting", "country=gb,range=A", "type=cp", "=", ";;", "site=a=b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		sel, err := numsync.ParseSelector(s)
		if err != nil {
			return
		}
		back, err := numsync.ParseSelector(sel.String())
		if err != nil || back != sel {
			t.Fatalf("%q -> %+v -> %q -> %+v, %v", s, sel, sel.String(), back, err)
		}
	})
}

// TestRangeMembers: a span takes the numbers of its length between its
// ends, a prefix every number that starts with it, each in ascending order
// of value, and extension lines belong to no range.
func TestRangeMembers(t *testing.T) {
	ten := &numsync.Tenant{}
	for _, e := range []string{"+442079460005", "+4420794601", "+442079460000", "+442079460010", "+4420794600", "+33142685300"} {
		ten.Numbers = append(ten.Numbers, numsync.InventoryNumber{Number: numsync.Number{E164: e}})
	}
	ten.Numbers = append(ten.Numbers, numsync.InventoryNumber{Number: numsync.Number{E164: "+442079460001", Ext: "7"}})
	rs := []numsync.Range{
		{Name: "span", First: "+442079460000", Last: "+442079460009"},
		{Name: "prefix", Prefix: "+44207946"},
		{Name: "none", First: "+442079469000", Last: "+442079469999"},
		{Name: "overlap", First: "+442079460005", Last: "+442079460010"},
	}
	got := numsync.RangeMembers(ten, rs)
	want := [][]string{
		{"+442079460000", "+442079460005"},
		{"+4420794600", "+4420794601", "+442079460000", "+442079460005", "+442079460010"},
		nil,
		{"+442079460005", "+442079460010"},
	}
	for i := range rs {
		var names []string
		for _, n := range got[i] {
			names = append(names, n.E164)
		}
		if !slices.Equal(names, want[i]) {
			t.Errorf("%s: %q, want %q", rs[i].Name, names, want[i])
		}
	}
}
