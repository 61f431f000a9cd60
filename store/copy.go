package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"hash"
	"strconv"
	"strings"
)

// copyTables are the tables [Copy] copies, parents before children, each
// with the columns that order its rows (its key); TestCopyKnowsEveryTable
// holds the list to the schema. The lock table is left out: a lock belongs
// to a process of the store it was taken in.
var copyTables = []struct{ name, order string }{
	{"meta", "id"},
	// Before users, whose inserts would otherwise date every inactive
	// user from the copy (a trigger records when a user became inactive).
	{"user_inactive", "upn_key"},
	{"users", "upn_key"},
	{"numbers", "e164, ext"},
	{"locations", "id"},
	{"assignments", "upn_key, category"},
	{"runs", "id"},
	{"audit", "seq"},
	{"roles", "principal_key, role"},
	{"directory_roles", "principal_key, role"},
	{"outbox", "id"},
	{"sources", "name"},
	{"outcomes", "run_id, step"},
	{"outcome_log", "seq"},
	{"observed_numbers", "number"},
	{"reservations", "number"},
	{"reservation_log", "seq"},
	{"schedule_tick", "id"},
}

// notCopied are the tables [Copy] leaves out on purpose.
var notCopied = map[string]bool{"lock": true}

// TableCopy says what [Copy] did to one table: the rows, and the digest
// of their contents as read back from each side, which must be equal.
type TableCopy struct {
	Table        string
	Rows         int64
	SourceDigest string
	TargetDigest string
}

// Copy copies every row of from (revision, tenant, runs, audit, roles,
// outbox, source digests) into to, which must be empty, in one transaction
// of to's, and verifies the copy before it commits: each table's row count
// and a SHA-256 digest of its rows in key order, read back from to inside
// that transaction, must equal what was read from from. from is read in
// one snapshot; the caller holds its writer lock so that nothing changes
// it meanwhile. Sequence numbers (audit, outbox) are kept, and to's
// sequences continue after them.
func Copy(ctx context.Context, from, to *Store) ([]TableCopy, error) {
	var out []TableCopy
	err := from.read(ctx, func(src *sql.Tx) error {
		return to.write(ctx, func(dst *sql.Tx) error {
			if err := mustBeEmpty(ctx, dst); err != nil {
				return err
			}
			for _, t := range copyTables {
				c, err := copyTable(ctx, src, dst, t.name, t.order)
				if err != nil {
					return fmt.Errorf("copy %s: %w", t.name, err)
				}
				if c.Rows > 0 || c.SourceDigest != c.TargetDigest {
					out = append(out, c)
				}
				if c.SourceDigest != c.TargetDigest {
					return fmt.Errorf("copy %s: the copy reads back differently (%d rows, digest %s, read back as %s); nothing was copied",
						t.name, c.Rows, c.SourceDigest, c.TargetDigest)
				}
			}
			for _, q := range to.eng.afterCopy {
				if _, err := dst.ExecContext(ctx, q); err != nil {
					return fmt.Errorf("after the copy: %w", err)
				}
			}
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("copy %s to %s: %w", from, to, err)
	}
	return out, nil
}

// mustBeEmpty refuses a target that holds anything but the row of meta the
// migrations put there (at revision 0).
func mustBeEmpty(ctx context.Context, tx *sql.Tx) error {
	for _, t := range copyTables {
		var n int64
		q := "SELECT count(*) FROM " + t.name // our own names, never input
		if t.name == "meta" {
			q += " WHERE revision <> 0"
		}
		if err := tx.QueryRowContext(ctx, q).Scan(&n); err != nil {
			return fmt.Errorf("check that the target is empty: %w", err)
		}
		if n > 0 {
			return fmt.Errorf("the target store is not empty (%s has %d rows): copy only into a new database", t.name, n)
		}
	}
	_, err := tx.ExecContext(ctx, "DELETE FROM meta")
	return err
}

// copyTable copies table from src to dst in batches and returns its row
// count and the digests of both sides.
func copyTable(ctx context.Context, src, dst *sql.Tx, table, order string) (TableCopy, error) {
	c := TableCopy{Table: table}
	rows, err := src.QueryContext(ctx, "SELECT * FROM "+table+" ORDER BY "+order)
	if err != nil {
		return c, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return c, err
	}
	prefix := "INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES "
	sum := sha256.New()
	var batch []any
	flush := func() error {
		n := len(batch) / len(cols)
		err := batchExec(ctx, dst, prefix, "", nil, len(cols), n,
			func(i int, args []any) ([]any, error) {
				return append(args, batch[i*len(cols):(i+1)*len(cols)]...), nil
			})
		batch = batch[:0]
		return err
	}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return c, err
		}
		digestRow(sum, vals)
		batch = append(batch, vals...)
		c.Rows++
		if len(batch) == batchRows*len(cols) {
			if err := flush(); err != nil {
				return c, err
			}
		}
	}
	if err := rows.Err(); err != nil {
		return c, err
	}
	if err := flush(); err != nil {
		return c, err
	}
	c.SourceDigest = hex.EncodeToString(sum.Sum(nil))
	c.TargetDigest, err = digestTable(ctx, dst, table, cols, order)
	return c, err
}

// digestTable is the digest of cols of table's rows in order.
func digestTable(ctx context.Context, tx *sql.Tx, table string, cols []string, order string) (string, error) {
	sum := sha256.New()
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	err := eachRow(ctx, tx, "SELECT "+strings.Join(cols, ", ")+" FROM "+table+" ORDER BY "+order, func(r *sql.Rows) error {
		if err := r.Scan(ptrs...); err != nil {
			return err
		}
		digestRow(sum, vals)
		return nil
	})
	return hex.EncodeToString(sum.Sum(nil)), err
}

// digestRow adds one row to a digest: each value as its type and text,
// length-prefixed, so that the digest is the same for the same row on
// either engine and differs when any value does.
func digestRow(h hash.Hash, vals []any) {
	for _, v := range vals {
		var kind byte
		var s string
		switch v := v.(type) {
		case nil:
			kind = 'n'
		case int64:
			kind, s = 'i', strconv.FormatInt(v, 10)
		case string:
			kind, s = 's', v
		case []byte:
			kind, s = 'b', string(v)
		case float64:
			kind, s = 'f', strconv.FormatFloat(v, 'g', -1, 64)
		default:
			kind, s = '?', fmt.Sprintf("%T %v", v, v)
		}
		h.Write([]byte{kind})
		h.Write([]byte(strconv.Itoa(len(s))))
		h.Write([]byte{':'})
		h.Write([]byte(s))
	}
	h.Write([]byte{'\n'})
}
