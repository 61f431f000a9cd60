package zz

import (
	"context"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"numsync"
	"numsync/importer"
	"numsync/planner"
)

func TestPlanMatchesExpected(t *testing.T) {
	dir := os.Getenv("DIR")
	inv, _, _ := importer.ReadInventory(dir + "/inventory.csv")
	us, _, _ := importer.ReadUsers(dir + "/users.csv")
	locs, _, _ := importer.ReadLocations(dir + "/locations.csv")
	byID := map[string]numsync.User{}
	for _, u := range us { byID[u.ObjectID] = u }
	ten := &numsync.Tenant{Users: us, Locations: locs}
	for _, r := range inv {
		ten.Numbers = append(ten.Numbers, r.InventoryNumber)
		if r.HolderID != "" {
			u := byID[r.HolderID]
			ten.Assignments = append(ten.Assignments, numsync.Assignment{UPN: u.UPN, Category: r.Category, Number: r.Number, Type: r.Type, LocationID: r.LocationID})
		}
	}
	usage := map[string]string{}
	for _, u := range us { usage[u.Key()] = u.UsageLocation }
	res, err := importer.ReadSheets(context.Background(), []string{dir + "/sheets"}, func(k string) (string, bool) { v, ok := usage[k]; return v, ok })
	if err != nil { t.Fatal(err) }
	p := planner.Plan(planner.Input{Tenant: ten, Wishes: res.Wishes, SheetRejects: res.Rejects, SheetWarnings: res.Warnings})
	got := map[string]string{}
	key := func(f string, l int) string { r, _ := filepath.Rel(dir, f); if r == "" || r[0] == '.' { r = f }; return fmt.Sprintf("%s:%d", r, l) }
	for _, o := range p.Ops { if o.Source != nil { got[key(o.Source.File, o.Source.Line)] = string(o.Action) } }
	for _, r := range p.Rejects { got[key(r.File, r.Line)] = "reject," + string(r.Code) }
	for _, r := range p.Blocked { got[key(r.File, r.Line)] = "blocked," + string(r.Code) }
	for _, r := range p.Warnings { k := key(r.File, r.Line); if got[k] == "" { got[k] = "warning," + string(r.Code) } else { got[k] += "+" + string(r.Code) } }
	f, _ := os.Open(dir + "/expected.csv")
	recs, _ := csv.NewReader(f).ReadAll()
	bad := 0
	for _, r := range recs[1:] {
		k := r[0] + ":" + r[1]
		want := r[5]
		switch r[5] {
		case "reject", "blocked", "warning": want += "," + r[6]
		case "unchanged": want = ""
		default: if r[6] != "" { want += "+" + r[6] }
		}
		if got[k] != want && !(want == "change" && got[k] == "assign") { bad++; if bad < 20 { fmt.Println("MISMATCH", k, r[2], "want", want, "got", got[k]) } }
	}

	fmt.Println("rows", len(recs)-1, "mismatches", bad, "counts", p.Counts)
}
