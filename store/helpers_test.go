package store

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/numsync/numsync"
	"github.com/numsync/numsync/internal/pgtest"
)

// testEngine makes new, empty stores of one engine for the tests.
type testEngine struct {
	name   string
	target func(tb testing.TB) string // a new store's path or URL
}

// pgServer is the PostgreSQL cluster of the tests, started on first use.
var pgServer pgtest.Shared

var (
	sqliteTest = &testEngine{name: "sqlite", target: func(tb testing.TB) string { return filepath.Join(tb.TempDir(), "numsync.db") }}
	pgTest     = &testEngine{name: "postgres", target: func(tb testing.TB) string { return pgServer.NewDatabase(tb) }}
)

// bothEngines runs test once on SQLite and once on PostgreSQL, as subtests
// named after the engine. PostgreSQL's is skipped under -short: it starts a
// server.
func bothEngines(t *testing.T, test func(*testing.T, *testEngine)) {
	for _, e := range []*testEngine{sqliteTest, pgTest} {
		t.Run(e.name, func(t *testing.T) {
			if e == pgTest && testing.Short() {
				t.Skip("starts a PostgreSQL server")
			}
			test(t, e)
		})
	}
}

// openTemp opens a new store; its path or URL opens it again.
func (e *testEngine) openTemp(tb testing.TB) (*Store, string) {
	tb.Helper()
	target := e.target(tb)
	return openAt(tb, target), target
}

// openTemp opens a new store of the engine the benchmarks run on
// (-store.engine).
func openTemp(tb testing.TB) (*Store, string) {
	tb.Helper()
	if benchEngine == "postgres" {
		return pgTest.openTemp(tb)
	}
	return sqliteTest.openTemp(tb)
}

func openAt(tb testing.TB, target string) *Store {
	tb.Helper()
	s, err := openTarget(context.Background(), target)
	if err != nil {
		tb.Fatalf("Open(%s): %v", target, err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}

// openTarget opens the store at target, with the test cluster's password for a URL.
func openTarget(ctx context.Context, target string) (*Store, error) {
	if IsURL(target) {
		return OpenPostgres(ctx, target, pgtest.Password, true)
	}
	return Open(ctx, target)
}

func num(e164 string) numsync.Number { return numsync.Number{E164: e164} }

func user(upn, objectID, country string) numsync.User {
	return numsync.User{
		UPN: upn, DisplayName: upn, ObjectID: objectID, Kind: numsync.KindUser, UsageLocation: country,
		Enabled: true, Licenses: []numsync.License{numsync.LicenseTeamsPhone, numsync.LicenseCallingPlan}, Source: "csv",
	}
}

func inv(e164 string, typ numsync.NumberType, holder string, line int) numsync.InventoryRecord {
	return numsync.InventoryRecord{
		InventoryNumber: numsync.InventoryNumber{
			Number: num(e164), Type: typ, Country: "US",
			Capabilities:            []numsync.Capability{numsync.CapUser, numsync.CapConference},
			LocationUpdateSupported: true, Source: numsync.SourceOnline, ActivationState: "Activated",
		},
		HolderID: holder,
		Category: numsync.Primary,
		Source:   numsync.Source{File: "numbers.csv", Line: line},
	}
}

// Object ids of the sample users.
const (
	aliceID = "11111111-aaaa-4aaa-8aaa-111111111111"
	bobID   = "22222222-bbbb-4bbb-8bbb-222222222222"
	carolID = "33333333-cccc-4ccc-8ccc-333333333333"
)

// seed loads three users, a location and four Calling Plan numbers, of
// which alice holds the first and bob the second.
func seed(t testing.TB, s *Store) {
	t.Helper()
	ctx := context.Background()
	users := []numsync.User{
		user("Alice@Contoso.com", aliceID, "US"),
		user("bob@contoso.com", bobID, "US"),
		user("carol@contoso.com", carolID, "US"),
	}
	if _, err := s.ImportUsers(ctx, users, numsync.UserImportOptions{Source: "csv"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ImportLocations(ctx, []numsync.EmergencyLocation{{ID: "loc-sea", Description: "Seattle HQ", Country: "US", City: "Seattle"}}, nil); err != nil {
		t.Fatal(err)
	}
	recs := []numsync.InventoryRecord{
		inv("+14255550101", numsync.CallingPlan, aliceID, 2),
		inv("+14255550102", numsync.CallingPlan, bobID, 3),
		inv("+14255550103", numsync.CallingPlan, "", 4),
		inv("+14255550104", numsync.CallingPlan, "", 5),
	}
	res, err := s.ImportNumbers(ctx, recs, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Problems) > 0 {
		t.Fatalf("seed problems: %+v", res.Problems)
	}
}

func tenant(t testing.TB, s *Store) *numsync.Tenant {
	t.Helper()
	tn, err := s.Tenant(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return tn
}

// holdings maps "upn/category" to the number held, from a snapshot.
func holdings(tn *numsync.Tenant) map[string]string {
	m := map[string]string{}
	for _, a := range tn.Assignments {
		m[numsync.UPNKey(a.UPN)+"/"+string(a.Category)] = a.Number.String()
	}
	return m
}

func userByKey(tn *numsync.Tenant, key string) numsync.User {
	for _, u := range tn.Users {
		if u.Key() == key {
			return u
		}
	}
	return numsync.User{}
}

func numberOf(tn *numsync.Tenant, e164 string) numsync.InventoryNumber {
	for _, n := range tn.Numbers {
		if n.E164 == e164 {
			return n
		}
	}
	return numsync.InventoryNumber{}
}

func hold(e164 string) *numsync.Holding {
	return &numsync.Holding{Number: num(e164), Type: numsync.CallingPlan}
}

func assign(upn, e164 string) numsync.Op {
	return numsync.Op{Action: numsync.Assign, UPN: upn, Category: numsync.Primary, After: hold(e164), Notify: true}
}

func remove(upn, e164 string) numsync.Op {
	return numsync.Op{Action: numsync.Remove, UPN: upn, Category: numsync.Primary, Before: hold(e164)}
}

func change(upn, from, to string) numsync.Op {
	return numsync.Op{Action: numsync.Change, UPN: upn, Category: numsync.Primary, Before: hold(from), After: hold(to), Notify: true}
}
