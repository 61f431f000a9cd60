package store

import (
	"context"
	"database/sql"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/numsync/numsync"
)

// TestCopySQLiteToPostgres copies a store with a tenant, applied runs, audit
// entries, a refused run, roles, queued and sent mail and source digests
// into an empty PostgreSQL database: the copy reads back the same (revision,
// tenant, runs, audit, outbox, digests), carries on numbering after the
// copied audit entries and messages, and a second copy into the now
// non-empty database is refused.
func TestCopySQLiteToPostgres(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a PostgreSQL server")
	}
	ctx := context.Background()
	from, _ := openTemp(t)
	seed(t, from)
	req := applyReq(3, assign("carol@contoso.com", "+14255550103"), change("bob@contoso.com", "+14255550102", "+14255550104"))
	req.Messages = func() []numsync.Message {
		return []numsync.Message{{UPN: "carol@contoso.com", To: "carol@contoso.com", Raw: []byte("Subject: hi\r\n\r\n\x00binary\xff")}}
	}
	run, err := from.Apply(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := from.Apply(ctx, applyReq(4, remove("alice@contoso.com", "+14255550101"))); err != nil {
		t.Fatal(err)
	}
	if _, err := from.RecordRun(ctx, numsync.Run{Status: numsync.RunStale, Actor: "x"}); err != nil {
		t.Fatal(err)
	}
	if _, err := from.GrantRole(ctx, numsync.RoleGrant{Principal: "Adele@contoso.com", Role: numsync.RoleTeamsAdmin}); err != nil {
		t.Fatal(err)
	}
	if _, err := from.ImportNumbers(ctx, nil, export("sha256:ab", time.Now())); err != nil {
		t.Fatal(err)
	}
	msgs, _ := from.Outbox(ctx, 0, 0)
	if err := from.MarkSent(ctx, msgs[0].ID, run.Ended); err != nil {
		t.Fatal(err)
	}

	to, _ := pgTest.openTemp(t)
	copied, err := Copy(ctx, from, to)
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string]int64{}
	for _, c := range copied {
		rows[c.Table] = c.Rows
		if c.SourceDigest != c.TargetDigest || len(c.SourceDigest) != 64 {
			t.Errorf("%s: digests %s and %s", c.Table, c.SourceDigest, c.TargetDigest)
		}
	}
	if rows["users"] != 3 || rows["runs"] != 3 || rows["audit"] != 3 || rows["outbox"] != 1 || rows["roles"] != 1 || rows["sources"] != 1 {
		t.Errorf("rows copied: %v", rows)
	}

	same := func(what string, a, b any) {
		t.Helper()
		if !reflect.DeepEqual(a, b) {
			t.Errorf("%s differs after the copy:\n%+v\n%+v", what, a, b)
		}
	}
	same("tenant", tenant(t, from), tenant(t, to))
	fr, _ := from.Runs(ctx, 0)
	tr, _ := to.Runs(ctx, 0)
	same("runs", fr, tr)
	fa, _ := from.Audit(ctx, "", 0)
	ta, _ := to.Audit(ctx, "", 0)
	same("audit", fa, ta)
	fg, _ := from.RoleGrants(ctx)
	tg, _ := to.RoleGrants(ctx)
	same("roles", fg, tg)
	if d, _ := to.SourceDigest(ctx, "inventory"); d != "sha256:ab" {
		t.Errorf("source digest %q after the copy", d)
	}
	var raw []byte
	if err := to.db.QueryRowContext(ctx, "SELECT raw FROM outbox").Scan(&raw); err != nil || !slices.Equal(raw, msgs[0].Raw) {
		t.Errorf("outbox message after the copy: %q, %v", raw, err)
	}

	// New entries continue the copied sequences.
	rev, _ := to.Revision(ctx)
	if _, err := to.Apply(ctx, applyReq(rev, assign("alice@contoso.com", "+14255550101"))); err != nil {
		t.Fatal(err)
	}
	ta, _ = to.Audit(ctx, "", 0)
	if last := ta[len(ta)-1].Seq; last != fa[len(fa)-1].Seq+1 {
		t.Errorf("the first audit entry after the copy has seq %d, want %d", last, fa[len(fa)-1].Seq+1)
	}

	if _, err := Copy(ctx, from, to); err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Errorf("a copy into a store with data: %v; want it refused", err)
	}
}

// TestCopyKnowsEveryTable: every table of the schema is copied or left out
// on purpose, so a table a migration adds is not silently lost by a copy.
func TestCopyKnowsEveryTable(t *testing.T) {
	ctx := context.Background()
	s, _ := openTemp(t)
	known := map[string]bool{}
	for _, t := range copyTables {
		known[t.name] = true
	}
	err := s.read(ctx, func(tx *sql.Tx) error {
		return eachRow(ctx, tx, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'", func(r *sql.Rows) error {
			var name string
			if err := r.Scan(&name); err != nil {
				return err
			}
			if !known[name] && !notCopied[name] {
				t.Errorf("table %s is neither in copyTables nor in notCopied", name)
			}
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
}
