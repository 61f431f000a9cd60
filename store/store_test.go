package store

import (
	"context"
	"database/sql"
	"errors"
	"io/fs"
	"os"
	"path"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/numsync/numsync"
)

func TestOpen(t *testing.T) { bothEngines(t, testOpen) }

func testOpen(t *testing.T, e *testEngine) {
	ctx := context.Background()
	t.Run("NewStoreIsAtRevisionZero", func(t *testing.T) {
		s, _ := e.openTemp(t)
		rev, err := s.Revision(ctx)
		if err != nil || rev != 0 {
			t.Fatalf("Revision = %d, %v; want 0", rev, err)
		}
		tn := tenant(t, s)
		if tn.Revision != 0 || len(tn.Users)+len(tn.Numbers)+len(tn.Locations)+len(tn.Assignments) != 0 {
			t.Fatalf("empty store snapshot = %+v", tn)
		}
	})
	t.Run("ReopenKeepsDataAndMigratesOnce", func(t *testing.T) {
		s, path := e.openTemp(t)
		seed(t, s)
		before := tenant(t, s)
		s.Close()
		s2 := openAt(t, path)
		after := tenant(t, s2)
		if after.Revision != before.Revision || len(after.Users) != 3 || len(after.Numbers) != 4 || len(after.Assignments) != 2 {
			t.Fatalf("after reopen: rev %d, %d users, %d numbers, %d assignments; want rev %d, 3, 4, 2",
				after.Revision, len(after.Users), len(after.Numbers), len(after.Assignments), before.Revision)
		}
		files, _ := fs.Glob(migrations, s2.eng.migrations)
		var version int
		err := s2.inTx(ctx, nil, "", func(tx *sql.Tx) (err error) {
			version, err = s2.eng.version(ctx, tx)
			return err
		})
		if err != nil || version != len(files) {
			t.Fatalf("schema version = %d, %v; want %d, one per migration", version, err, len(files))
		}
	})
	t.Run("RefusesNewerSchema", func(t *testing.T) {
		s, path := e.openTemp(t)
		err := s.inTx(ctx, nil, "", func(tx *sql.Tx) error { return s.eng.setVersion(ctx, tx, 99) })
		if err != nil {
			t.Fatal(err)
		}
		s.Close()
		_, err = openTarget(ctx, path)
		if err == nil || !strings.Contains(err.Error(), "newer numsync") {
			t.Fatalf("Open of a schema 99 store: %v; want a 'use a newer numsync' error", err)
		}
	})
	t.Run("TwoRunsInOneSecond", func(t *testing.T) {
		s, _ := e.openTemp(t)
		at := time.Date(2026, 11, 28, 17, 23, 1, 0, time.UTC)
		seen := map[string]bool{}
		for range 20 {
			run, err := s.RecordRun(ctx, numsync.Run{Started: at, Status: numsync.RunDryRun})
			if err != nil || seen[run.ID] {
				t.Fatalf("run %q, %v", run.ID, err)
			}
			seen[run.ID] = true
		}
	})
}

// TestOpenSQLiteFile checks what only a SQLite file has: its pragmas and
// its path.
func TestOpenSQLiteFile(t *testing.T) {
	ctx := context.Background()
	t.Run("Pragmas", func(t *testing.T) {
		s, _ := openTemp(t)
		for pragma, want := range map[string]string{"journal_mode": "wal", "foreign_keys": "1", "synchronous": "2", "busy_timeout": "10000"} {
			var got string
			if err := s.db.QueryRowContext(ctx, "PRAGMA "+pragma).Scan(&got); err != nil {
				t.Fatal(err)
			}
			if got != want {
				t.Errorf("PRAGMA %s = %s, want %s", pragma, got, want)
			}
		}
	})
	t.Run("RelativePath", func(t *testing.T) {
		t.Chdir(t.TempDir())
		s := openAt(t, "numsync.db")
		seed(t, s)
		if _, err := os.Stat("numsync.db"); err != nil {
			t.Fatalf("store not created in the working directory: %v", err)
		}
	})
	t.Run("PathWithQuestionMark", func(t *testing.T) {
		s := openAt(t, t.TempDir()+"/odd?name#1%.db")
		seed(t, s)
	})
}

// TestSchemaEnforcesAssignmentRules goes around the Go code with raw SQL on
// the same store, as a careless script would, and expects the schema to say no.
func TestSchemaEnforcesAssignmentRules(t *testing.T) {
	bothEngines(t, testSchemaEnforcesAssignmentRules)
}

func testSchemaEnforcesAssignmentRules(t *testing.T, e *testEngine) {
	ctx := context.Background()
	s, _ := e.openTemp(t)
	seed(t, s)
	// alice holds +14255550101, bob +14255550102 (both Primary).
	cases := []struct{ name, sql, want string }{
		{"NumberHeldTwice", "INSERT INTO assignments (upn_key, category, e164, ext) VALUES ('carol@contoso.com', 'Primary', '+14255550101', '')", "UNIQUE"},
		{"NumberHeldTwiceOtherCategory", "INSERT INTO assignments (upn_key, category, e164, ext) VALUES ('alice@contoso.com', 'Private', '+14255550101', '')", "UNIQUE"},
		{"TwoNumbersInOneCategory", "INSERT INTO assignments (upn_key, category, e164, ext) VALUES ('alice@contoso.com', 'Primary', '+14255550103', '')", "UNIQUE"},
		{"UnknownUser", "INSERT INTO assignments (upn_key, category, e164, ext) VALUES ('nobody@contoso.com', 'Primary', '+14255550103', '')", "FOREIGN KEY"},
		{"UnknownNumber", "INSERT INTO assignments (upn_key, category, e164, ext) VALUES ('carol@contoso.com', 'Primary', '+14255559999', '')", "FOREIGN KEY"},
		{"UnknownCategory", "INSERT INTO assignments (upn_key, category, e164, ext) VALUES ('carol@contoso.com', 'Secondary', '+14255550103', '')", "CHECK"},
		{"DeleteHeldNumber", "DELETE FROM numbers WHERE e164 = '+14255550101'", "FOREIGN KEY"},
		{"DeleteHolder", "DELETE FROM users WHERE upn_key = 'alice@contoso.com'", "FOREIGN KEY"},
		{"ExtensionOnCallingPlan", "INSERT INTO numbers (e164, ext, type) VALUES ('+14255550200', '12', 'CallingPlan')", "CHECK"},
		{"NotE164", "INSERT INTO numbers (e164, ext, type) VALUES ('4255550200', '', 'DirectRouting')", "CHECK"},
		{"UnknownType", "INSERT INTO numbers (e164, ext, type) VALUES ('+14255550200', '', 'Pigeon')", "CHECK"},
		{"MixedCaseUserKey", "INSERT INTO users (upn_key, upn, kind, enabled) VALUES ('Dave@contoso.com', 'Dave@contoso.com', 'user', 1)", "CHECK"},
		{"SecondMetaRow", "INSERT INTO meta (id, revision) VALUES (2, 0)", "CHECK"},
		{"SecondLock", "INSERT INTO lock (id, holder, token, since, expires_at) VALUES (2, 'x', 'y', 'z', 'z')", "CHECK"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := s.db.ExecContext(ctx, c.sql)
			// SQLite says "UNIQUE constraint failed", PostgreSQL "violates unique constraint".
			if err == nil || !strings.Contains(strings.ToUpper(err.Error()), c.want) {
				t.Fatalf("%s: err = %v; want a %s constraint error", c.sql, err, c.want)
			}
		})
	}
	t.Run("ExtensionsOfOneDirectRoutingNumberGoToTwoPeople", func(t *testing.T) {
		for _, q := range []string{
			"INSERT INTO numbers (e164, ext, type) VALUES ('+14255550300', '101', 'DirectRouting')",
			"INSERT INTO numbers (e164, ext, type) VALUES ('+14255550300', '102', 'DirectRouting')",
			"INSERT INTO assignments (upn_key, category, e164, ext) VALUES ('carol@contoso.com', 'Primary', '+14255550300', '101')",
			"INSERT INTO assignments (upn_key, category, e164, ext) VALUES ('carol@contoso.com', 'Private', '+14255550300', '102')",
		} {
			if _, err := s.db.ExecContext(ctx, q); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
	})
}

func TestImport(t *testing.T) { bothEngines(t, testImport) }

func testImport(t *testing.T, e *testEngine) {
	ctx := context.Background()
	t.Run("SecondImportChangesNothing", func(t *testing.T) {
		s, _ := e.openTemp(t)
		seed(t, s)
		rev, _ := s.Revision(ctx)
		if rev != 3 {
			t.Fatalf("revision after three imports = %d, want 3", rev)
		}
		before := tenant(t, s)

		users := []numsync.User{user("Alice@Contoso.com", aliceID, "US"), user("bob@contoso.com", bobID, "US"), user("carol@contoso.com", carolID, "US")}
		ur, err := s.ImportUsers(ctx, users, numsync.UserImportOptions{Source: "csv", MarkAbsent: true})
		if err != nil {
			t.Fatal(err)
		}
		lr, err := s.ImportLocations(ctx, []numsync.EmergencyLocation{{ID: "loc-sea", Description: "Seattle HQ", Country: "US", City: "Seattle"}}, nil)
		if err != nil {
			t.Fatal(err)
		}
		nr, err := s.ImportNumbers(ctx, []numsync.InventoryRecord{
			inv("+14255550101", numsync.CallingPlan, aliceID, 2),
			inv("+14255550102", numsync.CallingPlan, bobID, 3),
			inv("+14255550103", numsync.CallingPlan, "", 4),
			inv("+14255550104", numsync.CallingPlan, "", 5),
		}, nil)
		if err != nil {
			t.Fatal(err)
		}
		for name, r := range map[string]numsync.ImportResult{"users": ur, "locations": lr, "numbers": nr} {
			if r.Added != 0 || r.Updated != 0 || r.Absent != 0 || r.Revision != 3 {
				t.Errorf("second %s import: %+v; want 0 added, 0 updated, revision 3", name, r)
			}
		}
		if ur.Unchanged != 3 || lr.Unchanged != 1 || nr.Unchanged != 4 {
			t.Errorf("unchanged counts = %d users, %d locations, %d numbers; want 3, 1, 4", ur.Unchanged, lr.Unchanged, nr.Unchanged)
		}
		after := tenant(t, s)
		if after.Revision != before.Revision {
			t.Errorf("revision moved from %d to %d", before.Revision, after.Revision)
		}
	})
	t.Run("SnapshotRoundTrips", func(t *testing.T) {
		s, _ := e.openTemp(t)
		seed(t, s)
		tn := tenant(t, s)
		alice := userByKey(tn, "alice@contoso.com")
		want := user("Alice@Contoso.com", aliceID, "US")
		want.Licenses = []numsync.License{numsync.LicenseCallingPlan, numsync.LicenseTeamsPhone} // sorted
		want.EnterpriseVoice = true                                                              // holds a number
		if alice.UPN != want.UPN || alice.ObjectID != want.ObjectID || alice.Kind != want.Kind || !alice.Enabled ||
			strings.Join(toStrings(alice.Licenses), ",") != "CallingPlan,TeamsPhone" || alice.Source != "csv" || !alice.EnterpriseVoice {
			t.Errorf("alice = %+v, want %+v", alice, want)
		}
		if carol := userByKey(tn, "carol@contoso.com"); carol.EnterpriseVoice {
			t.Errorf("carol holds no number but has EnterpriseVoice")
		}
		n := numberOf(tn, "+14255550101")
		if n.Type != numsync.CallingPlan || n.Country != "US" || len(n.Capabilities) != 2 || n.Capabilities[1] != numsync.CapConference ||
			!n.LocationUpdateSupported || n.Source != numsync.SourceOnline || n.ActivationState != "Activated" || !n.ReleasedAt.IsZero() {
			t.Errorf("number = %+v", n)
		}
		if h := holdings(tn); len(h) != 2 || h["alice@contoso.com/Primary"] != "+14255550101" || h["bob@contoso.com/Primary"] != "+14255550102" {
			t.Errorf("assignments = %v", h)
		}
		if len(tn.Locations) != 1 || tn.Locations[0].City != "Seattle" {
			t.Errorf("locations = %+v", tn.Locations)
		}
	})
	t.Run("UserChangesAndAbsence", func(t *testing.T) {
		s, _ := e.openTemp(t)
		seed(t, s)
		bob := user("bob@contoso.com", bobID, "GB")
		r, err := s.ImportUsers(ctx, []numsync.User{user("alice@contoso.com", aliceID, "US"), bob}, numsync.UserImportOptions{Source: "csv", MarkAbsent: true})
		if err != nil {
			t.Fatal(err)
		}
		// alice's UPN changed case, bob moved to GB, carol is gone.
		if r.Added != 0 || r.Updated != 2 || r.Unchanged != 0 || r.Absent != 1 || r.Revision != 4 {
			t.Fatalf("import = %+v; want 2 updated, 1 absent, revision 4", r)
		}
		tn := tenant(t, s)
		if u := userByKey(tn, "carol@contoso.com"); !u.Absent {
			t.Errorf("carol not marked absent")
		}
		if u := userByKey(tn, "bob@contoso.com"); u.UsageLocation != "GB" || u.Absent {
			t.Errorf("bob = %+v", u)
		}
		// Users of another source are not this import's to mark absent.
		r, err = s.ImportUsers(ctx, []numsync.User{user("dave@contoso.com", "", "US")}, numsync.UserImportOptions{Source: "ldap", MarkAbsent: true})
		if err != nil || r.Added != 1 || r.Absent != 0 {
			t.Fatalf("ldap import = %+v, %v; want 1 added, 0 absent", r, err)
		}
		r, err = s.ImportUsers(ctx, []numsync.User{user("carol@contoso.com", carolID, "US")}, numsync.UserImportOptions{Source: "csv"})
		if err != nil || r.Updated != 1 {
			t.Fatalf("carol back = %+v, %v; want 1 updated", r, err)
		}
		if u := userByKey(tenant(t, s), "carol@contoso.com"); u.Absent {
			t.Errorf("carol still absent after being imported again")
		}
		if _, err := s.ImportUsers(ctx, nil, numsync.UserImportOptions{MarkAbsent: true}); err == nil {
			t.Errorf("MarkAbsent without a source was accepted")
		}
	})
	t.Run("BadUsersAreProblems", func(t *testing.T) {
		s, _ := e.openTemp(t)
		bad := user("x@contoso.com", "", "US")
		bad.Kind = "robot"
		r, err := s.ImportUsers(ctx, []numsync.User{user("a@contoso.com", "", "US"), {UPN: " "}, bad, user("A@contoso.com", "", "US")}, numsync.UserImportOptions{Source: "csv"})
		if err != nil {
			t.Fatal(err)
		}
		if r.Added != 1 || len(r.Problems) != 3 {
			t.Fatalf("import = %+v; want 1 added, 3 problems", r)
		}
	})
	t.Run("NumberHolders", func(t *testing.T) {
		s, _ := e.openTemp(t)
		seed(t, s)
		// The export now says: 0101 is carol's (object id written as AD
		// writes it back, upper case), 0102 is free, 0103 belongs to a
		// stranger, 0104 is carol's too (same category: the later row loses),
		// 0101 is listed twice.
		recs := []numsync.InventoryRecord{
			inv("+14255550101", numsync.CallingPlan, "User_"+strings.ToUpper(carolID), 2),
			inv("+14255550102", numsync.CallingPlan, "", 3),
			inv("+14255550103", numsync.CallingPlan, "99999999-0000-4000-8000-999999999999", 4),
			inv("+14255550104", numsync.CallingPlan, carolID, 5),
			inv("+14255550101", numsync.CallingPlan, bobID, 6),
		}
		start := time.Now()
		r, err := s.ImportNumbers(ctx, recs, nil)
		if err != nil {
			t.Fatal(err)
		}
		if r.Added != 0 || r.Updated != 4 || r.Unchanged != 0 {
			t.Errorf("import = %+v; want 4 updated (0101 moved, 0102 freed, 0103 and 0104 held outside the directory)", r)
		}
		codes := map[int]numsync.Reason{}
		for _, p := range r.Problems {
			if p.File != "numbers.csv" {
				t.Errorf("problem without file: %+v", p)
			}
			codes[p.Line] = p.Code
		}
		want := map[int]numsync.Reason{4: numsync.UnknownHolder, 5: numsync.ConflictingRows, 6: numsync.DuplicateNumber}
		if len(codes) != len(want) {
			t.Errorf("problems = %+v; want lines 4, 5, 6", r.Problems)
		}
		for line, code := range want {
			if codes[line] != code {
				t.Errorf("problem at line %d = %q, want %q", line, codes[line], code)
			}
		}
		tn := tenant(t, s)
		if h := holdings(tn); len(h) != 1 || h["carol@contoso.com/Primary"] != "+14255550101" {
			t.Errorf("assignments = %v; want only carol with 0101", h)
		}
		for key, ev := range map[string]bool{"alice@contoso.com": false, "bob@contoso.com": false, "carol@contoso.com": true} {
			if u := userByKey(tn, key); u.EnterpriseVoice != ev {
				t.Errorf("%s EnterpriseVoice = %v, want %v", key, u.EnterpriseVoice, ev)
			}
		}
		if rel := numberOf(tn, "+14255550102").ReleasedAt; rel.Before(start.Add(-time.Second)) {
			t.Errorf("freed number released at %v, want about now", rel)
		}
		if r.Revision != 4 {
			t.Errorf("revision = %d, want 4", r.Revision)
		}
	})
	// A number held by an identity numsync does not know (a cloud-only
	// user, a resource account) is taken, not free, until a users import
	// brings that identity: then it is an ordinary assignment.
	t.Run("OutsideHolderStaysTakenUntilTheUserArrives", func(t *testing.T) {
		s, _ := e.openTemp(t)
		seed(t, s)
		const aaID = "44444444-dddd-4ddd-8ddd-444444444444"
		rec := inv("+14255550103", numsync.CallingPlan, aaID, 4)
		rec.HolderType, rec.Category = "ResourceAccount", numsync.Private
		r, err := s.ImportNumbers(ctx, []numsync.InventoryRecord{rec}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if r.Updated != 1 || len(r.Problems) != 1 || r.Problems[0].Code != numsync.UnknownHolder ||
			!strings.Contains(r.Problems[0].Message, "outside the directory (ResourceAccount "+aaID+")") {
			t.Fatalf("import = %+v; want 1 updated and an UNKNOWN_HOLDER naming the resource account", r)
		}
		tn := tenant(t, s)
		want := numsync.OutsideHolder{ID: aaID, Type: "ResourceAccount", Category: numsync.Private}
		if got := numberOf(tn, "+14255550103").Outside; got != want {
			t.Errorf("outside holder = %+v, want %+v", got, want)
		}
		if st := tn.NumberStates(time.Now(), 0)["+14255550103"]; st != numsync.StateAssigned {
			t.Errorf("state = %s, want assigned", st)
		}
		if !numsync.NewTenantIndex(tn).Taken("+14255550103") {
			t.Errorf("the index does not count the number as taken")
		}
		// The same export again changes nothing.
		if r, err := s.ImportNumbers(ctx, []numsync.InventoryRecord{rec}, nil); err != nil || r.Unchanged != 1 || r.Updated != 0 {
			t.Errorf("same export again = %+v, %v; want 1 unchanged", r, err)
		}

		aa := user("aa-main@contoso.com", "User_"+aaID, "US")
		aa.Kind = numsync.KindResource
		ur, err := s.ImportUsers(ctx, []numsync.User{aa}, numsync.UserImportOptions{Source: "graph"})
		if err != nil {
			t.Fatal(err)
		}
		if ur.Added != 1 || ur.Adopted != 1 {
			t.Errorf("users import = %+v; want 1 added, 1 adopted", ur)
		}
		tn = tenant(t, s)
		if h := holdings(tn); h["aa-main@contoso.com/Private"] != "+14255550103" {
			t.Errorf("assignments = %v; want the resource account holding 0103 as Private", h)
		}
		if got := numberOf(tn, "+14255550103").Outside; !got.IsZero() {
			t.Errorf("outside holder still set after adoption: %+v", got)
		}
		if !userByKey(tn, "aa-main@contoso.com").EnterpriseVoice {
			t.Errorf("adopted holder has no EnterpriseVoice")
		}
		// An inventory that says the number is free frees it.
		if _, err := s.ImportNumbers(ctx, []numsync.InventoryRecord{inv("+14255550103", numsync.CallingPlan, "", 4)}, nil); err != nil {
			t.Fatal(err)
		}
		if st := tenant(t, s).NumberStates(time.Now(), 0)["+14255550103"]; st != numsync.StateFree {
			t.Errorf("state after the export frees it = %s, want free", st)
		}
	})
	t.Run("HolderMovedToAnotherNumber", func(t *testing.T) {
		s, _ := e.openTemp(t)
		seed(t, s)
		// A partial export that says alice now has 0104: her 0101 is freed
		// even though 0101 is not listed.
		r, err := s.ImportNumbers(ctx, []numsync.InventoryRecord{inv("+14255550104", numsync.CallingPlan, aliceID, 2)}, nil)
		if err != nil || r.Updated != 1 || len(r.Problems) != 0 {
			t.Fatalf("import = %+v, %v; want 1 updated", r, err)
		}
		tn := tenant(t, s)
		if h := holdings(tn); len(h) != 2 || h["alice@contoso.com/Primary"] != "+14255550104" {
			t.Errorf("assignments = %v", h)
		}
		if numberOf(tn, "+14255550101").ReleasedAt.IsZero() {
			t.Errorf("0101 freed without a release time")
		}
		if !userByKey(tn, "alice@contoso.com").EnterpriseVoice {
			t.Errorf("alice lost EnterpriseVoice while moving to another number")
		}
	})
	t.Run("ChangedNumberDataIsAnUpdate", func(t *testing.T) {
		s, _ := e.openTemp(t)
		seed(t, s)
		rec := inv("+14255550103", numsync.CallingPlan, "", 4)
		rec.LocationID = "loc-sea"
		rec.Operator = "Contoso Telecom"
		r, err := s.ImportNumbers(ctx, []numsync.InventoryRecord{rec, inv("+14255550104", numsync.CallingPlan, "", 5)}, nil)
		if err != nil || r.Updated != 1 || r.Unchanged != 1 || r.Revision != 4 {
			t.Fatalf("import = %+v, %v; want 1 updated, 1 unchanged, revision 4", r, err)
		}
		if n := numberOf(tenant(t, s), "+14255550103"); n.LocationID != "loc-sea" || n.Operator != "Contoso Telecom" {
			t.Errorf("number = %+v", n)
		}
	})
	// Export-CsAcquiredPhoneNumber has no LocationUpdateSupported column:
	// loading it after Get-CsPhoneNumberAssignment's export must not make
	// an operator-managed number's location updatable again (R14).
	t.Run("UnstatedLocationUpdateKeepsTheStoredValue", func(t *testing.T) {
		s, _ := e.openTemp(t)
		seed(t, s)
		managed := inv("+14255550103", numsync.OperatorConnect, "", 4)
		managed.LocationUpdateSupported = false
		if _, err := s.ImportNumbers(ctx, []numsync.InventoryRecord{managed}, nil); err != nil {
			t.Fatal(err)
		}
		var again []numsync.InventoryRecord
		for _, e164 := range []string{"+14255550103", "+14255550104", "+14255550199"} {
			rec := inv(e164, numsync.OperatorConnect, "", 4)
			rec.LocationUpdateSupported, rec.LocationUpdateUnstated = false, true
			again = append(again, rec)
		}
		if _, err := s.ImportNumbers(ctx, again, nil); err != nil {
			t.Fatal(err)
		}
		tn := tenant(t, s)
		for e164, want := range map[string]bool{"+14255550103": false, "+14255550104": true, "+14255550199": true} {
			if got := numberOf(tn, e164).LocationUpdateSupported; got != want {
				t.Errorf("%s: LocationUpdateSupported %v after an import that does not state it, want %v", e164, got, want)
			}
		}
		// A row that states it still changes it.
		stated := inv("+14255550103", numsync.OperatorConnect, "", 4)
		if _, err := s.ImportNumbers(ctx, []numsync.InventoryRecord{stated}, nil); err != nil {
			t.Fatal(err)
		}
		if !numberOf(tenant(t, s), "+14255550103").LocationUpdateSupported {
			t.Errorf("a stated LocationUpdateSupported true did not replace the stored false")
		}
	})
	t.Run("BadNumbersAreProblems", func(t *testing.T) {
		s, _ := e.openTemp(t)
		ext := inv("+14255550105", numsync.CallingPlan, "", 3)
		ext.Ext = "12"
		r, err := s.ImportNumbers(ctx, []numsync.InventoryRecord{
			inv("4255550105", numsync.CallingPlan, "", 2), ext, inv("+14255550106", "Carrier", "", 4), inv("+14255550107", numsync.DirectRouting, "", 5),
		}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if r.Added != 1 || len(r.Problems) != 3 || r.Problems[0].Code != numsync.BadNumber ||
			r.Problems[1].Code != numsync.NoExtensionAllowed || r.Problems[2].Code != numsync.BadRow {
			t.Fatalf("import = %+v", r)
		}
	})
	t.Run("FailedImportLeavesNothing", func(t *testing.T) {
		s, _ := e.openTemp(t)
		seed(t, s)
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		if _, err := s.ImportNumbers(cctx, []numsync.InventoryRecord{inv("+14255550109", numsync.CallingPlan, "", 2)}, nil); err == nil {
			t.Fatal("import with a cancelled context succeeded")
		}
		if tn := tenant(t, s); len(tn.Numbers) != 4 || tn.Revision != 3 {
			t.Fatalf("after failed import: %d numbers, revision %d", len(tn.Numbers), tn.Revision)
		}
	})
}

func toStrings[T ~string](xs []T) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = string(x)
	}
	return out
}

func TestRoles(t *testing.T) { bothEngines(t, testRoles) }

func testRoles(t *testing.T, e *testEngine) {
	ctx := context.Background()
	s, _ := e.openTemp(t)
	g := numsync.RoleGrant{Principal: "Admin@Contoso.com", Role: numsync.RoleTeamsTelephonyAdmin}
	steps := []struct {
		name    string
		do      func(context.Context, numsync.RoleGrant) (bool, error)
		grant   numsync.RoleGrant
		changed bool
		rev     int64
	}{
		{"Grant", s.GrantRole, g, true, 1},
		{"GrantAgainOtherCase", s.GrantRole, numsync.RoleGrant{Principal: "admin@contoso.com", Role: g.Role}, false, 1},
		{"GrantSecondRole", s.GrantRole, numsync.RoleGrant{Principal: "admin@contoso.com", Role: numsync.RoleTeamsAdmin}, true, 2},
		{"GrantOtherPrincipal", s.GrantRole, numsync.RoleGrant{Principal: "Bea@contoso.com", Role: numsync.RoleTeamsAdmin}, true, 3},
		{"Revoke", s.RevokeRole, numsync.RoleGrant{Principal: "ADMIN@contoso.com", Role: numsync.RoleTeamsAdmin}, true, 4},
		{"RevokeAgain", s.RevokeRole, numsync.RoleGrant{Principal: "admin@contoso.com", Role: numsync.RoleTeamsAdmin}, false, 4},
	}
	for _, st := range steps {
		changed, err := st.do(ctx, st.grant)
		if err != nil || changed != st.changed {
			t.Fatalf("%s: changed = %v, %v; want %v", st.name, changed, err, st.changed)
		}
		if rev, _ := s.Revision(ctx); rev != st.rev {
			t.Fatalf("%s: revision %d, want %d", st.name, rev, st.rev)
		}
	}
	grants, err := s.RoleGrants(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := []numsync.RoleGrant{{Principal: "Admin@Contoso.com", Role: numsync.RoleTeamsTelephonyAdmin}, {Principal: "Bea@contoso.com", Role: numsync.RoleTeamsAdmin}}
	if len(grants) != len(want) || grants[0] != want[0] || grants[1] != want[1] {
		t.Fatalf("grants = %+v, want %+v", grants, want)
	}
	if _, err := s.GrantRole(ctx, numsync.RoleGrant{Principal: "x", Role: "GlobalReader"}); err == nil {
		t.Errorf("unknown role granted")
	}
	if _, err := s.GrantRole(ctx, numsync.RoleGrant{Principal: " ", Role: numsync.RoleTeamsAdmin}); err == nil {
		t.Errorf("empty principal granted")
	}
}

func TestRuns(t *testing.T) { bothEngines(t, testRuns) }

func testRuns(t *testing.T, e *testEngine) {
	ctx := context.Background()
	s, _ := e.openTemp(t)
	seed(t, s)
	t0 := time.Date(2026, 11, 28, 17, 23, 1, 0, time.UTC)
	held, err := s.RecordRun(ctx, numsync.Run{Actor: "ops@contoso.com", Started: t0, Status: numsync.RunHeldBack, Message: "701 removals > 500"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(held.ID, "20261128T172301Z-") || len(held.ID) != len("20261128T172301Z-3f2a") {
		t.Errorf("run id %q, want 20261128T172301Z-xxxx", held.ID)
	}
	if held.Revision != 3 || held.Ended.IsZero() {
		t.Errorf("recorded run = %+v; want revision 3 and an end time", held)
	}
	dry, err := s.RecordRun(ctx, numsync.Run{ID: "my-dry-run", Started: t0.Add(time.Hour), Status: numsync.RunDryRun, Counts: numsync.Counts{Assign: 2}})
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.Run(ctx, held.ID)
	if err != nil || got.Message != held.Message || !got.Started.Equal(t0) || got.Status != numsync.RunHeldBack {
		t.Fatalf("Run(%s) = %+v, %v", held.ID, got, err)
	}
	if _, err := s.Run(ctx, "nope"); !errors.Is(err, numsync.ErrNotFound) {
		t.Errorf("Run(nope) = %v; want ErrNotFound", err)
	}
	runs, err := s.Runs(ctx, 0)
	if err != nil || len(runs) != 2 || runs[0].ID != dry.ID || runs[0].Counts.Assign != 2 || runs[1].ID != held.ID {
		t.Fatalf("Runs = %+v, %v; want the dry run first", runs, err)
	}
	if runs, _ := s.Runs(ctx, 1); len(runs) != 1 {
		t.Errorf("Runs(1) gave %d runs", len(runs))
	}
	if rev, _ := s.Revision(ctx); rev != 3 {
		t.Errorf("recording runs moved the revision to %d", rev)
	}
	if _, err := s.RecordRun(ctx, numsync.Run{ID: "my-dry-run", Status: numsync.RunDryRun}); err == nil {
		t.Errorf("a second run with the same id was recorded")
	}
}

// TestSQLiteFileHoldsWithoutNumsync opens the file as a script would, with
// its own connection and no pragmas, like the sqlite3 shell: UNIQUE and
// CHECK hold there too. (Foreign keys are checked only on connections that
// turn them on, as every Store connection does.)
func TestSQLiteFileHoldsWithoutNumsync(t *testing.T) {
	ctx := context.Background()
	s, path := openTemp(t)
	seed(t, s)
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	raw.SetMaxOpenConns(1)
	for _, q := range []string{
		"INSERT INTO assignments (upn_key, category, e164, ext) VALUES ('carol@contoso.com', 'Primary', '+14255550101', '')",
		"INSERT INTO assignments (upn_key, category, e164, ext) VALUES ('alice@contoso.com', 'Primary', '+14255550103', '')",
		"INSERT INTO assignments (upn_key, category, e164, ext) VALUES ('carol@contoso.com', 'Tertiary', '+14255550103', '')",
	} {
		if _, err := raw.ExecContext(ctx, q); err == nil {
			t.Errorf("%s: accepted on a plain connection", q)
		}
	}
}

// TestEnginesHaveTheSameMigrations: every schema step exists for both
// engines under the same number and name, so a step added for SQLite
// without its PostgreSQL twin (or the other way round) fails here, and a
// store copied between engines is at the same version on both.
func TestEnginesHaveTheSameMigrations(t *testing.T) {
	var names [2][]string
	for i, e := range []*engine{sqliteEngine, postgresEngine} {
		steps, err := e.steps()
		if err != nil {
			t.Fatalf("%s: %v", e.name, err)
		}
		for _, st := range steps {
			names[i] = append(names[i], path.Base(st))
		}
	}
	if !slices.Equal(names[0], names[1]) {
		t.Fatalf("SQLite migrations %v, PostgreSQL migrations %v; want the same steps", names[0], names[1])
	}
}
