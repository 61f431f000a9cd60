package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/numsync/numsync"
)

// TestUpserterNamesTheRowAtFault queues more new rows than one multi-row
// INSERT takes, one of them refused by the table's CHECK: the error names
// that row, whichever batch it is in, and the transaction keeps nothing.
func TestUpserterNamesTheRowAtFault(t *testing.T) { bothEngines(t, testUpserterNamesTheRowAtFault) }

func testUpserterNamesTheRowAtFault(t *testing.T, e *testEngine) {
	ctx := context.Background()
	for _, bad := range []int{3, batchRows + 7} {
		t.Run(fmt.Sprint(bad), func(t *testing.T) {
			s, _ := e.openTemp(t)
			err := s.write(ctx, func(tx *sql.Tx) error {
				p := newStmts(ctx, tx)
				defer p.close()
				up, err := newUpserter(p, "users", []string{"upn_key"}, []string{"upn", "kind", "enabled"})
				if err != nil {
					return err
				}
				for i := range batchRows + 20 {
					key := fmt.Sprintf("user%03d@contoso.com", i)
					if i == bad {
						key = strings.ToUpper(key) // CHECK (upn_key = lower(upn_key))
					}
					if _, err := up.upsert(ctx, key, key, "user", 1); err != nil {
						return err
					}
				}
				return up.flush(ctx)
			})
			want := fmt.Sprintf("users USER%03d@CONTOSO.COM: ", bad)
			if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(strings.ToUpper(err.Error()), "CHECK") {
				t.Fatalf("err = %v; want the CHECK failure of %s", err, want)
			}
			if tn := tenant(t, s); len(tn.Users) != 0 {
				t.Errorf("a failed import left %d users", len(tn.Users))
			}
		})
	}
}

// TestFirstUsersImportKeepsTheIndexes loads users into an empty store,
// which drops the users table's indexes while it loads: afterwards they
// are there as the migrations made them, and a load that fails leaves
// them too.
func TestFirstUsersImportKeepsTheIndexes(t *testing.T) {
	bothEngines(t, testFirstUsersImportKeepsTheIndexes)
}

func testFirstUsersImportKeepsTheIndexes(t *testing.T, e *testEngine) {
	ctx := context.Background()
	indexes := func(s *Store) string {
		t.Helper()
		var out []string
		err := s.read(ctx, func(tx *sql.Tx) error {
			return eachRow(ctx, tx, s.eng.indexes, func(r *sql.Rows) error {
				var name, q string
				err := r.Scan(&name, &q)
				out = append(out, q)
				return err
			}, "users")
		})
		if err != nil {
			t.Fatal(err)
		}
		return strings.Join(out, "\n")
	}
	s, _ := e.openTemp(t)
	want := indexes(s)
	if strings.Count(want, "CREATE INDEX") != 2 {
		t.Fatalf("the users table has these indexes:\n%s\nwant two", want)
	}
	boom := errors.New("boom")
	err := s.write(ctx, func(tx *sql.Tx) error {
		return bulkLoad(ctx, tx, s.eng, "users", true, func() error { return boom })
	})
	if !errors.Is(err, boom) {
		t.Fatalf("bulkLoad = %v, want the load's error", err)
	}
	if got := indexes(s); got != want {
		t.Errorf("after a failed first import the indexes are\n%s\nwant\n%s", got, want)
	}
	if _, err := s.ImportUsers(ctx, benchUsers(500), numsync.UserImportOptions{Source: "csv"}); err != nil {
		t.Fatal(err)
	}
	if got := indexes(s); got != want {
		t.Errorf("after the first import the indexes are\n%s\nwant\n%s", got, want)
	}
	if tn := tenant(t, s); len(tn.Users) != 500 {
		t.Errorf("%d users after the import, want 500", len(tn.Users))
	}
}
