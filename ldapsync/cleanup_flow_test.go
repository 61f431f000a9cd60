package ldapsync_test

import (
	"context"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/numsync/numsync"
	"github.com/numsync/numsync/ldapsync"
	"github.com/numsync/numsync/planner"
	"github.com/numsync/numsync/reports"
	"github.com/numsync/numsync/store"
)

// flowUsers is the directory size of the end-to-end clean-up test.
const flowUsers = 3000

// flowSheet is where the test's wishes claim to come from.
const flowSheet = "sheets/wave1.csv"

// flowWishes picks, from the generated directory, enabled people whose
// number the planner can check (usage location US, or the GB users whose
// line is written in national layout), and gives each a wish: Calling Plan
// where the user has that licence, else Operator Connect, and Direct
// Routing for every third one. It returns the wishes, the inventory they
// need, and for the hybrid users that want a Calling Plan or Operator
// Connect number the clean-up entries a report must list.
func flowWishes(t *testing.T) ([]numsync.Wish, []numsync.InventoryRecord, []ldapsync.CleanupEntry) {
	t.Helper()
	var (
		wishes  []numsync.Wish
		inv     []numsync.InventoryRecord
		cleanup []ldapsync.CleanupEntry
		seq     int
	)
	for i := range flowUsers {
		u := makeUser(i).want.User
		if !u.Enabled || u.Kind != numsync.KindUser || (u.UsageLocation != "US" && !(u.UsageLocation == "GB" && i%125 == 0)) {
			continue
		}
		if strings.Contains(u.OnPremLine, "BAD") { // a line that is not a number blocks too, but is another test
			continue
		}
		seq++
		typ := numsync.OperatorConnect
		if u.HasLicense(numsync.LicenseCallingPlan) {
			typ = numsync.CallingPlan
		}
		if seq%3 == 0 {
			typ = numsync.DirectRouting
		}
		raw := fmt.Sprintf("+1206555%04d", seq)
		if u.UsageLocation == "GB" {
			raw = fmt.Sprintf("+44207946%04d", 1000+seq)
		}
		n, err := numsync.ParseNumber(raw, "")
		if err != nil {
			t.Fatalf("test number %s: %v", raw, err)
		}
		wishes = append(wishes, numsync.Wish{UPN: u.UPN, Category: numsync.Primary, Number: n, Type: typ,
			Source: numsync.Source{File: flowSheet, Line: seq + 1}})
		if typ != numsync.DirectRouting {
			inv = append(inv, numsync.InventoryRecord{InventoryNumber: numsync.InventoryNumber{
				Number: n, Type: typ, Country: u.UsageLocation, Capabilities: []numsync.Capability{numsync.CapUser},
				LocationUpdateSupported: true, Source: numsync.SourceOnline, Operator: "Contoso Telecom",
			}})
			if u.OnPremLine != "" {
				cleanup = append(cleanup, ldapsync.CleanupEntry{DN: u.DN, UPN: u.UPN, CurrentLine: u.OnPremLine, Waiting: []string{n.String()}})
			}
		}
	}
	return wishes, inv, cleanup
}

// planFromDirectory reads the directory into st and plans wishes.
func planFromDirectory(t *testing.T, ctx context.Context, d *ldapsync.Directory, st *store.Store, wishes []numsync.Wish) (*numsync.Plan, *numsync.Tenant) {
	t.Helper()
	users, err := ldapsync.Collect(ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.ImportUsers(ctx, users, numsync.UserImportOptions{Source: ldapsync.SourceLDAP, MarkAbsent: true}); err != nil {
		t.Fatal(err)
	}
	tenant, err := st.Tenant(ctx)
	if err != nil {
		t.Fatal(err)
	}
	plan := planner.Plan(planner.Input{Tenant: tenant, Wishes: wishes, Policy: numsync.Policy{Mode: numsync.Merge},
		Now: time.Now(), RowsRead: len(wishes), Sheets: 1})
	if len(plan.Rejects) > 0 {
		t.Fatalf("%d rows rejected, first %+v", len(plan.Rejects), plan.Rejects[0])
	}
	return plan, tenant
}

// TestCleanupFlow runs the clean-up the way an admin does: a directory
// read and a plan leave hybrid users' Calling Plan and Operator Connect
// numbers blocked, the reports list them in ad-cleanup.csv, `numsync
// directory clear-line --from ad-cleanup.csv` clears their msRTCSIP-Line,
// and the next read and plan assign those numbers.
func TestCleanupFlow(t *testing.T) {
	ctx := context.Background()
	s := ownServer(t, flowUsers)
	wishes, inv, wantCleanup := flowWishes(t)
	if len(wantCleanup) < 20 || len(wishes) < 300 {
		t.Fatalf("the generated directory gives %d wishes and %d hybrid users to clean up: too few to test", len(wishes), len(wantCleanup))
	}
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "numsync.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if res, err := st.ImportNumbers(ctx, inv, nil); err != nil || len(res.Problems) > 0 {
		t.Fatalf("inventory import: %v %v", err, res.Problems)
	}
	reader := newDirectory(t, plainConfig(t, s))

	plan, tenant := planFromDirectory(t, ctx, reader, st, wishes)
	blocked := map[string]bool{}
	for _, is := range plan.Blocked {
		if is.Code != numsync.OnPremLineSet {
			t.Errorf("blocked for another reason: %+v", is)
		}
		blocked[numsync.UPNKey(is.UPN)] = true
	}
	for _, e := range wantCleanup {
		if !blocked[numsync.UPNKey(e.UPN)] {
			t.Errorf("%s is hybrid and wants %v but is not blocked", e.UPN, e.Waiting)
		}
	}
	// Hybrid users who want Direct Routing numbers are not held back.
	firstAssigns := map[string]bool{}
	for _, op := range plan.Ops {
		firstAssigns[numsync.UPNKey(op.UPN)] = op.Action == numsync.Assign
	}
	hybridDR := 0
	for _, w := range wishes {
		if w.Type == numsync.DirectRouting && tenantLine(tenant, w.UPN) != "" {
			hybridDR++
			if !firstAssigns[numsync.UPNKey(w.UPN)] {
				t.Errorf("%s is hybrid and wants a Direct Routing number: not assigned", w.UPN)
			}
		}
	}
	if hybridDR < 10 {
		t.Fatalf("only %d hybrid users want Direct Routing numbers: too few to test", hybridDR)
	}
	if len(plan.Blocked) != len(wantCleanup) || len(plan.Ops)+len(plan.Blocked) != len(wishes) {
		t.Fatalf("plan: %d ops and %d blocked for %d wishes, want %d blocked", len(plan.Ops), len(plan.Blocked), len(wishes), len(wantCleanup))
	}

	out := filepath.Join(t.TempDir(), "reports")
	now := time.Date(2025, 3, 1, 2, 0, 0, 0, time.UTC)
	if err := reports.Write(out, reports.Input{Plan: plan, Tenant: tenant, Wishes: wishes, RunID: "flow",
		Started: now, Finished: now, Now: now}); err != nil {
		t.Fatal(err)
	}
	csvPath := filepath.Join(out, reports.ADCleanupCSVFile)
	checkCleanupCells(t, csvPath, wantCleanup)
	got, err := ldapsync.ReadCleanup(csvPath)
	if err != nil {
		t.Fatal(err)
	}
	for i := range got {
		if got[i].Source.File != csvPath || got[i].Source.Line != i+2 {
			t.Errorf("entry %d placed at %s, want %s:%d", i, got[i].Source, csvPath, i+2)
		}
	}
	if len(got) != len(wantCleanup) {
		t.Fatalf("ad-cleanup.csv lists %d users, want %d", len(got), len(wantCleanup))
	}
	for i, g := range got {
		// slapd writes attribute types in DNs in lower case.
		w := wantCleanup[i]
		g.Source, g.DN, w.DN = numsync.Source{}, strings.ToLower(g.DN), strings.ToLower(w.DN)
		if !reflect.DeepEqual(g, w) {
			t.Errorf("ad-cleanup.csv lists %+v, want %+v", g, w)
		}
	}

	writer := newDirectory(t, writerConfig(t, s))
	results, err := writer.ClearLines(ctx, got, true)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range results {
		if r.Outcome != ldapsync.Cleared {
			t.Errorf("%s: %s (%s)", r.Entry.UPN, r.Outcome, r.Detail)
		}
	}

	plan, _ = planFromDirectory(t, ctx, reader, st, wishes)
	if len(plan.Blocked) != 0 {
		t.Errorf("%d operations still blocked after the clean-up, first %+v", len(plan.Blocked), plan.Blocked[0])
	}
	assigned := map[string]string{}
	for _, op := range plan.Ops {
		if op.Action == numsync.Assign {
			assigned[numsync.UPNKey(op.UPN)] = op.After.Number.String()
		}
	}
	for _, e := range wantCleanup {
		if assigned[numsync.UPNKey(e.UPN)] != e.Waiting[0] {
			t.Errorf("%s: assigned %q after the clean-up, want %s", e.UPN, assigned[numsync.UPNKey(e.UPN)], e.Waiting[0])
		}
	}
	if len(assigned) != len(wishes) {
		t.Errorf("%d assigns for %d wishes", len(assigned), len(wishes))
	}
}

// checkCleanupCells reads ad-cleanup.csv as a spreadsheet would and checks
// the encoding ReadCleanup undoes: a BOM, CRLF line ends, and E.164 cells
// behind a tab so that Excel keeps them as text.
func checkCleanupCells(t *testing.T, path string, want []ldapsync.CleanupEntry) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	text, ok := strings.CutPrefix(string(data), "\uFEFF")
	if !ok || !strings.Contains(text, "\r\n") {
		t.Errorf("ad-cleanup.csv does not start with a BOM or lacks CRLF: %q", data[:min(len(data), 80)])
	}
	rows, err := csv.NewReader(strings.NewReader(text)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != len(want)+1 || !slices.Equal(rows[0][:4], []string{"dn", "upn", "msRTCSIP-Line", "waiting_number"}) {
		t.Fatalf("ad-cleanup.csv has %d rows (want %d) with header %q", len(rows), len(want)+1, rows[0])
	}
	for i, e := range want {
		r := rows[i+1]
		// The line is written as AD holds it ("tel:+1…;ext=…"), made safe
		// for spreadsheets like any cell.
		if !strings.EqualFold(r[0], e.DN) || r[1] != e.UPN || r[2] != reports.SafeCell(e.CurrentLine) || r[3] != "\t"+e.Waiting[0] {
			t.Errorf("row %d is %q, want %s, %s, %s, tab+%s", i+2, r, e.DN, e.UPN, reports.SafeCell(e.CurrentLine), e.Waiting[0])
		}
	}
}

// tenantLine is the msRTCSIP-Line the store holds for upn.
func tenantLine(tn *numsync.Tenant, upn string) string {
	for _, u := range tn.Users {
		if u.Key() == numsync.UPNKey(upn) {
			return u.OnPremLine
		}
	}
	return ""
}
