package store

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/numsync/numsync"
)

func export(digest string, modified time.Time) *numsync.ExportFile {
	return &numsync.ExportFile{Name: "inventory", Digest: digest, Modified: modified}
}

func TestExportIsRecordedWithItsRows(t *testing.T) {
	ctx := context.Background()

	t.Run("SurvivesReopenAndLeavesRevision", func(t *testing.T) {
		bothEngines(t, func(t *testing.T, e *testEngine) { testExportSurvivesReopen(t, e) })
	})

	// The failure of issue 14: the rows committed, the record of the
	// export did not, and the next run loaded the same old export again.
	// Here the record's write fails inside the import's transaction (as
	// on a full disk): neither may be kept.
	t.Run("FailedRecordKeepsNoRows", func(t *testing.T) {
		s, _ := openTemp(t)
		seed(t, s)
		rev, _ := s.Revision(ctx)
		if _, err := s.db.ExecContext(ctx, `CREATE TRIGGER full_disk BEFORE INSERT ON sources
			BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END`); err != nil {
			t.Fatal(err)
		}
		recs := []numsync.InventoryRecord{inv("+14255550101", numsync.CallingPlan, "", 2), inv("+14255550109", numsync.CallingPlan, carolID, 3)}
		if _, err := s.ImportNumbers(ctx, recs, export("sha256:new", time.Now())); err == nil || !strings.Contains(err.Error(), "disk is full") {
			t.Fatalf("import with a failing record: %v, want the failure", err)
		}
		if r, _ := s.Revision(ctx); r != rev {
			t.Errorf("revision %d -> %d: the failed import kept something", rev, r)
		}
		h := holdings(tenant(t, s))
		if h["alice@contoso.com/Primary"] != "+14255550101" || h["carol@contoso.com/Primary"] != "" {
			t.Errorf("assignments after the failed import: %v", h)
		}
	})

	// A real full database: SQLite refuses to grow the file past
	// max_page_count, as it would on a full disk.
	t.Run("FullDatabaseKeepsNothing", func(t *testing.T) {
		s, _ := openTemp(t)
		seed(t, s)
		rev, _ := s.Revision(ctx)
		s.db.SetMaxOpenConns(1)
		var pages int
		if err := s.db.QueryRowContext(ctx, "PRAGMA page_count").Scan(&pages); err != nil {
			t.Fatal(err)
		}
		if _, err := s.db.ExecContext(ctx, "PRAGMA max_page_count = "+strconv.Itoa(pages+1)); err != nil {
			t.Fatal(err)
		}
		recs := make([]numsync.InventoryRecord, 3000)
		for i := range recs {
			recs[i] = inv("+1425556"+strconv.Itoa(1000+i), numsync.CallingPlan, "", i+2)
		}
		_, err := s.ImportNumbers(ctx, recs, export("sha256:big", time.Now()))
		if err == nil || !strings.Contains(err.Error(), "full") {
			t.Fatalf("import into a full database: %v, want it refused as full", err)
		}
		if r, _ := s.Revision(ctx); r != rev {
			t.Errorf("revision %d -> %d", rev, r)
		}
		if d, _ := s.SourceDigest(ctx, "inventory"); d != "" {
			t.Errorf("the failed export is recorded as loaded (%q)", d)
		}
		if n := len(tenant(t, s).Numbers); n != 4 {
			t.Errorf("%d numbers after the failed import, want the 4 of before", n)
		}
	})
}

// An inventory export written before a run applied assignments does not
// show them: loading it would take them back, so it is refused unless the
// caller asks for it.
func TestExportOlderThanAppliedRunIsRefused(t *testing.T) {
	bothEngines(t, testExportOlderThanAppliedRunIsRefused)
}

func testExportOlderThanAppliedRunIsRefused(t *testing.T, e *testEngine) {
	ctx := context.Background()
	s, _ := e.openTemp(t)
	seed(t, s) // alice 0101, bob 0102, revision 3
	written := time.Now().Add(-time.Minute)
	run, err := s.Apply(ctx, applyReq(3, assign("carol@contoso.com", "+14255550103")))
	if err != nil {
		t.Fatal(err)
	}
	// The export from before the run: 0103 free.
	old := []numsync.InventoryRecord{inv("+14255550103", numsync.CallingPlan, "", 4)}
	_, err = s.ImportNumbers(ctx, old, export("sha256:old", written))
	var oe *numsync.OlderExportError
	if !errors.As(err, &oe) || oe.RunID != run.ID {
		t.Fatalf("older export: %v, want an OlderExportError naming run %s", err, run.ID)
	}
	if h := holdings(tenant(t, s)); h["carol@contoso.com/Primary"] != "+14255550103" {
		t.Errorf("the refused export took carol's number: %v", h)
	}
	if d, _ := s.SourceDigest(ctx, "inventory"); d != "" {
		t.Errorf("the refused export is recorded as loaded (%q)", d)
	}

	// Asked for explicitly, it loads.
	f := export("sha256:old", written)
	f.AllowOlder = true
	if _, err := s.ImportNumbers(ctx, old, f); err != nil {
		t.Fatalf("older export with AllowOlder: %v", err)
	}
	if h := holdings(tenant(t, s)); h["carol@contoso.com/Primary"] != "" {
		t.Errorf("the export loaded with AllowOlder did not free 0103: %v", h)
	}

	// An export written after the run is the tenant's truth.
	if _, err := s.ImportNumbers(ctx, old, export("sha256:new", time.Now())); err != nil {
		t.Errorf("export written after the last run: %v", err)
	}
}
func TestDirectoryRolesAreReplacedWholeAndKeptApartFromGrantsByHand(t *testing.T) {
	bothEngines(t, testDirectoryRolesAreReplacedWholeAndKeptApartFromGrantsByHand)
}

func testDirectoryRolesAreReplacedWholeAndKeptApartFromGrantsByHand(t *testing.T, e *testEngine) {
	ctx := context.Background()
	s, _ := e.openTemp(t)
	if _, err := s.GrantRole(ctx, numsync.RoleGrant{Principal: "Ann@contoso.com", Role: numsync.RoleTeamsAdmin}); err != nil {
		t.Fatal(err)
	}
	dir := []numsync.RoleGrant{{Principal: "Bob@contoso.com", Role: numsync.RoleTeamsTelephonyAdmin}, {Principal: "ann@contoso.com", Role: numsync.RoleTeamsAdmin}}
	if changed, err := s.SetDirectoryRoles(ctx, dir); err != nil || !changed {
		t.Fatalf("first directory roles: changed %t, %v", changed, err)
	}
	rev, _ := s.Revision(ctx)
	if changed, err := s.SetDirectoryRoles(ctx, dir); err != nil || changed {
		t.Fatalf("same directory roles again: changed %t, %v", changed, err)
	}
	if r, _ := s.Revision(ctx); r != rev {
		t.Errorf("unchanged directory roles moved the revision %d -> %d", rev, r)
	}
	grants, _ := s.RoleGrants(ctx)
	want := []numsync.RoleGrant{
		{Principal: "Ann@contoso.com", Role: numsync.RoleTeamsAdmin},
		{Principal: "ann@contoso.com", Role: numsync.RoleTeamsAdmin, FromDirectory: true},
		{Principal: "Bob@contoso.com", Role: numsync.RoleTeamsTelephonyAdmin, FromDirectory: true},
	}
	if !slices.Equal(grants, want) {
		t.Fatalf("grants %+v, want %+v", grants, want)
	}
	// Bob leaves the group: his grant goes; Ann's grant by hand stays.
	if _, err := s.SetDirectoryRoles(ctx, nil); err != nil {
		t.Fatal(err)
	}
	grants, _ = s.RoleGrants(ctx)
	if !slices.Equal(grants, want[:1]) {
		t.Fatalf("after the group emptied: %+v", grants)
	}
}

func testExportSurvivesReopen(t *testing.T, e *testEngine) {
	ctx := context.Background()
	s, path := e.openTemp(t)
	if d, err := s.SourceDigest(ctx, "inventory"); err != nil || d != "" {
		t.Fatalf("new store: digest %q, %v; want none", d, err)
	}
	for _, d := range []string{"sha256:aa", "sha256:bb"} {
		if _, err := s.ImportNumbers(ctx, nil, export(d, time.Now())); err != nil {
			t.Fatal(err)
		}
	}
	if rev, _ := s.Revision(ctx); rev != 0 {
		t.Errorf("loading an empty export moved the revision to %d", rev)
	}
	s.Close()
	s = openAt(t, path)
	if d, _ := s.SourceDigest(ctx, "inventory"); d != "sha256:bb" {
		t.Errorf("after reopen: digest %q, want the last one recorded", d)
	}
	if d, _ := s.SourceDigest(ctx, "users"); d != "" {
		t.Errorf("digests leak between sources: users has %q", d)
	}
}

// An inventory import that takes assignments away says so in the audit,
// under a run of its own: which export row did it, and why.
func TestImportAuditsWhatItTakesAway(t *testing.T) {
	ctx := context.Background()
	s, _ := openTemp(t)
	seed(t, s) // alice 0101, bob 0102; first loads audit nothing
	if entries, _ := s.Audit(ctx, "", 0); len(entries) != 0 {
		t.Fatalf("a first load recorded %d audit entries, want none", len(entries))
	}
	recs := []numsync.InventoryRecord{
		inv("+14255550101", numsync.CallingPlan, "", 7),                                     // alice's number, listed free
		inv("+14255550102", numsync.CallingPlan, "99999999-0000-4000-8000-000000000000", 8), // bob's, to nobody known
		inv("+14255550103", numsync.CallingPlan, carolID, 9),                                // carol gains one: not audited
	}
	res, err := s.ImportNumbers(ctx, recs, nil)
	if err != nil {
		t.Fatal(err)
	}
	runs, _ := s.Runs(ctx, 10)
	if len(runs) != 1 || runs[0].Status != numsync.RunImported || runs[0].Revision != res.Revision || runs[0].Counts.Remove != 2 {
		t.Fatalf("runs %+v, want one imported run at revision %d removing 2", runs, res.Revision)
	}
	entries, err := s.Audit(ctx, runs[0].ID, 0)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, e := range entries {
		if e.Op.Action != numsync.Remove || e.Actor != "inventory import" {
			t.Errorf("entry %+v", e)
		}
		got[numsync.UPNKey(e.Op.UPN)+" "+e.Op.Before.Number.String()] = e.Reason
	}
	want := map[string]string{
		"alice@contoso.com +14255550101": "numbers.csv:7: the export lists +14255550101 as free",
		"bob@contoso.com +14255550102":   "numbers.csv:8: UNKNOWN_HOLDER: holder 99999999-0000-4000-8000-000000000000 matches no known user; the number is kept as held by an identity outside the directory (id 99999999-0000-4000-8000-000000000000), so no row can take it",
	}
	if len(got) != len(want) || got["alice@contoso.com +14255550101"] != want["alice@contoso.com +14255550101"] ||
		got["bob@contoso.com +14255550102"] != want["bob@contoso.com +14255550102"] {
		t.Errorf("audit reasons\n%v\nwant\n%v", got, want)
	}
}
