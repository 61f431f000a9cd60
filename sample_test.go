package numsync_test

import (
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/numsync/numsync"
	"github.com/numsync/numsync/importer"
	"github.com/numsync/numsync/ldapsync"
	"github.com/numsync/numsync/planner"
	"github.com/numsync/numsync/store"
)

// TestSampleTenantPlansAsDocumented loads the sample tenant the way a run
// does (locations, the AD export, the inventory) into a real store, plans
// its sheets, and checks every sheet row against testdata/sample/expected.csv,
// which says row by row what the sample is meant to show.
func TestSampleTenantPlansAsDocumented(t *testing.T) {
	ctx := context.Background()
	dir := "testdata/sample"
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "numsync.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()

	locs, problems, err := importer.ReadLocations(filepath.Join(dir, "locations.csv"))
	mustLoad(t, "locations", problems, err)
	if _, err := st.ImportLocations(ctx, locs, nil); err != nil {
		t.Fatal(err)
	}
	d, err := ldapsync.NewLDIF(filepath.Join(dir, "users.ldif"), ldapsync.Mapping{
		LicenseGroups: map[string]string{
			"CN=Lic-CallingPlan,OU=Groups,DC=contoso,DC=com": "CallingPlan",
			"CN=Lic-TeamsPhone,OU=Groups,DC=contoso,DC=com":  "TeamsPhone",
		},
		ResourceAccounts: ldapsync.ResourceAccounts{OUs: []string{"OU=ResourceAccounts,DC=contoso,DC=com"}},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	users, err := ldapsync.Collect(ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.ImportUsers(ctx, users, numsync.UserImportOptions{Source: "ldif", MarkAbsent: true}); err != nil {
		t.Fatal(err)
	}
	recs, problems, err := importer.ReadInventory(filepath.Join(dir, "inventory.csv"))
	mustLoad(t, "inventory", problems, err)
	if res, err := st.ImportNumbers(ctx, recs, nil); err != nil || len(res.Problems) > 0 {
		t.Fatalf("inventory import: %v %v", err, res.Problems)
	}
	tenant, err := st.Tenant(ctx)
	if err != nil {
		t.Fatal(err)
	}
	usage := map[string]string{}
	for _, u := range tenant.Users {
		usage[u.Key()] = u.UsageLocation
	}
	sheets, err := importer.ReadSheets(ctx, []string{filepath.Join(dir, "sheets")}, func(k string) (string, bool) {
		l, ok := usage[k]
		return l, ok
	})
	if err != nil {
		t.Fatal(err)
	}
	plan := planner.Plan(planner.Input{
		Tenant: tenant, Wishes: sheets.Wishes, SheetRejects: sheets.Rejects, SheetWarnings: sheets.Warnings,
		Policy: numsync.Policy{Mode: numsync.Merge}, Now: time.Now(), RowsRead: sheets.RowsRead, Sheets: len(sheets.Sheets),
	})

	// What the plan made of each sheet row, by file and line.
	type outcome struct{ what, code string }
	got := map[string][]outcome{}
	key := func(file string, line int) string { return filepath.Base(file) + ":" + strconv.Itoa(line) }
	for _, op := range plan.Ops {
		if op.Source != nil {
			k := key(op.Source.File, op.Source.Line)
			got[k] = append(got[k], outcome{string(op.Action), ""})
		}
	}
	for what, issues := range map[string][]numsync.Issue{"reject": plan.Rejects, "blocked": plan.Blocked, "warning": plan.Warnings} {
		for _, is := range issues {
			k := key(is.File, is.Line)
			got[k] = append(got[k], outcome{what, string(is.Code)})
		}
	}
	has := func(os []outcome, want outcome) bool {
		for _, o := range os {
			if o == want {
				return true
			}
		}
		return false
	}

	f, err := os.Open(filepath.Join(dir, "expected.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows[1:] {
		file, line, expect, code, story := r[0], r[1], r[5], r[6], r[7]
		n, _ := strconv.Atoi(line)
		k := key(file, n)
		t.Run(k, func(t *testing.T) {
			g := got[k]
			ok := false
			switch expect {
			case "unchanged":
				ok = len(g) == 0
			case "change":
				// A swap's first half is written as a remove and an assign.
				ok = has(g, outcome{"change", ""}) || (has(g, outcome{"remove", ""}) && has(g, outcome{"assign", ""}))
			case "assign", "remove":
				ok = has(g, outcome{expect, ""}) && (code == "" || has(g, outcome{"warning", code}))
			default:
				ok = has(g, outcome{expect, code})
			}
			if !ok {
				t.Errorf("%s (%s): want %s %s, the plan made %v", k, story, expect, code, g)
			}
		})
	}
}

func mustLoad(t *testing.T, what string, problems []numsync.Issue, err error) {
	t.Helper()
	if err != nil || len(problems) > 0 {
		t.Fatalf("%s: %v %v", what, err, problems)
	}
}
