package store

import (
	"context"
	"database/sql"
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"

	"github.com/numsync/numsync"
)

// stmts prepares the statements of one transaction, remembering the first
// error so that a run of prep calls needs one check, and closes them all.
type stmts struct {
	ctx  context.Context
	tx   *sql.Tx
	list []*sql.Stmt
	err  error
}

func newStmts(ctx context.Context, tx *sql.Tx) *stmts { return &stmts{ctx: ctx, tx: tx} }

func (p *stmts) prep(query string) *sql.Stmt {
	if p.err != nil {
		return nil
	}
	st, err := p.tx.PrepareContext(p.ctx, query)
	if err != nil {
		p.err = fmt.Errorf("prepare %s: %w", query, err)
		return nil
	}
	p.list = append(p.list, st)
	return st
}

func (p *stmts) close() {
	for _, st := range p.list {
		st.Close()
	}
}

// outcome is what an upsert did to one row.
type outcome int

const (
	unchanged outcome = iota
	added
	updated
)

// upserter inserts a row that is not there and updates one that differs,
// telling which happened. It reads a 64-bit hash of every stored row of the
// table once, so that an unchanged row (the common case of a nightly
// re-import) costs no statement at all and a changed one costs one. New
// rows are inserted batchRows at a time (a first import is nearly all new
// rows): the caller calls flush before it relies on them being in the
// table.
type upserter struct {
	tx        *sql.Tx
	table     string
	insPrefix string // multi-row INSERT up to VALUES
	ins, upd  *sql.Stmt
	nkeys     int
	ncols     int
	stored    map[string]uint64 // joined key columns -> hash of the value columns
	pending   []any             // arguments of the rows still to insert, ncols each
}

// newUpserter prepares the statements for table, whose arguments are the
// key columns then the value columns, and loads the stored rows' hashes.
func newUpserter(p *stmts, table string, keys, cols []string) (*upserter, error) {
	all := append(append([]string(nil), keys...), cols...)
	params := make([]string, len(all))
	for i := range all {
		params[i] = "?" + strconv.Itoa(i+1)
	}
	var set, where []string
	for i, k := range keys {
		where = append(where, k+" = "+params[i])
	}
	for i, c := range cols {
		set = append(set, c+" = "+params[len(keys)+i])
	}
	u := &upserter{
		tx:        p.tx,
		table:     table,
		insPrefix: "INSERT INTO " + table + " (" + strings.Join(all, ", ") + ") VALUES ",
		ins:       p.prep("INSERT INTO " + table + " (" + strings.Join(all, ", ") + ") VALUES (" + strings.Join(params, ", ") + ")"),
		upd:       p.prep("UPDATE " + table + " SET " + strings.Join(set, ", ") + " WHERE " + strings.Join(where, " AND ")),
		nkeys:     len(keys),
		ncols:     len(all),
		stored:    map[string]uint64{},
	}
	if p.err != nil {
		return nil, p.err
	}
	// Every column is read as text: the hash is of the text forms, which
	// is how rowHash renders the arguments too.
	vals := make([]sql.NullString, len(all))
	dst := make([]any, len(all))
	for i := range vals {
		dst[i] = &vals[i]
	}
	args := make([]any, len(all))
	err := eachRow(p.ctx, p.tx, "SELECT "+strings.Join(all, ", ")+" FROM "+table, func(r *sql.Rows) error {
		if err := r.Scan(dst...); err != nil {
			return err
		}
		for i, v := range vals {
			args[i] = v.String
		}
		u.stored[rowKey(args[:u.nkeys])] = rowHash(args[u.nkeys:])
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", table, err)
	}
	return u, nil
}

// upsert inserts or updates the row of args: the key columns, then the
// value columns. Its errors name the table and the row's key.
func (u *upserter) upsert(ctx context.Context, args ...any) (outcome, error) {
	key, h := rowKey(args[:u.nkeys]), rowHash(args[u.nkeys:])
	old, ok := u.stored[key]
	switch {
	case !ok:
		u.pending = append(u.pending, args...)
		u.stored[key] = h
		if len(u.pending) == batchRows*u.ncols {
			return added, u.flush(ctx)
		}
		return added, nil
	case old == h:
		return unchanged, nil
	}
	// An update sees every row inserted before it.
	if err := u.flush(ctx); err != nil {
		return unchanged, err
	}
	// The update's arguments are the same as the insert's: keys, then values.
	if _, err := u.upd.ExecContext(ctx, args...); err != nil {
		return unchanged, u.rowError(args, err)
	}
	u.stored[key] = h
	return updated, nil
}

// flush inserts the rows upsert has queued. When the multi-row statement
// fails (which leaves none of its rows), the rows go in one at a time, so
// that the error names the row at fault.
func (u *upserter) flush(ctx context.Context) error {
	rows := u.pending
	u.pending = u.pending[:0]
	n := len(rows) / u.ncols
	err := tryExec(ctx, u.tx, func() error {
		return batchExec(ctx, u.tx, u.insPrefix, "", nil, u.ncols, n,
			func(i int, args []any) ([]any, error) { return append(args, rows[i*u.ncols:(i+1)*u.ncols]...), nil })
	})
	if err == nil {
		return nil
	}
	for i := range n {
		row := rows[i*u.ncols : (i+1)*u.ncols]
		if _, rerr := u.ins.ExecContext(ctx, row...); rerr != nil {
			return u.rowError(row, rerr)
		}
	}
	return fmt.Errorf("%s: %w", u.table, err)
}

func (u *upserter) rowError(args []any, err error) error {
	key := make([]string, u.nkeys)
	for i := range key {
		key[i] = text(args[i])
	}
	return fmt.Errorf("%s %s: %w", u.table, strings.Join(key, " "), err)
}

// text renders an upsert argument as SQLite's text form of it.
func text(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case int:
		return strconv.Itoa(v)
	}
	return fmt.Sprint(v)
}

func rowKey(keys []any) string {
	if len(keys) == 1 {
		return text(keys[0])
	}
	var b strings.Builder
	for _, k := range keys {
		b.WriteString(text(k))
		b.WriteByte(0)
	}
	return b.String()
}

// rowHash is FNV-1a over the length-prefixed text of each value, so that
// ("ab", "c") and ("a", "bc") differ.
func rowHash(vals []any) uint64 {
	h := fnv.New64a()
	var n [8]byte
	for _, v := range vals {
		s := text(v)
		binary.LittleEndian.PutUint64(n[:], uint64(len(s)))
		h.Write(n[:])
		h.Write([]byte(s))
	}
	return h.Sum64()
}

func affected(r sql.Result, err error) (int64, error) {
	if err != nil {
		return 0, err
	}
	return r.RowsAffected()
}

// count adds an outcome to an import result.
func count(res *numsync.ImportResult, o outcome) {
	switch o {
	case added:
		res.Added++
	case updated:
		res.Updated++
	default:
		res.Unchanged++
	}
}

// bulkLoad runs load, and when the table is empty (a first import) drops
// the table's secondary indexes before and builds them again after: one
// sort per index instead of an insert into it in random order per row,
// which at a million users is a third of the import. The definitions are
// read from the schema, so the migrations stay their only source.
func bulkLoad(ctx context.Context, tx *sql.Tx, eng *engine, table string, empty bool, load func() error) error {
	if !empty {
		return load()
	}
	type index struct{ name, sql string }
	var indexes []index
	err := eachRow(ctx, tx, eng.indexes, func(r *sql.Rows) error {
		var ix index
		if err := r.Scan(&ix.name, &ix.sql); err != nil {
			return err
		}
		indexes = append(indexes, ix)
		return nil
	}, table)
	if err != nil {
		return fmt.Errorf("read the indexes of %s: %w", table, err)
	}
	for _, ix := range indexes {
		if _, err := tx.ExecContext(ctx, `DROP INDEX "`+ix.name+`"`); err != nil {
			return fmt.Errorf("drop index %s: %w", ix.name, err)
		}
	}
	if err := load(); err != nil {
		return err
	}
	for _, ix := range indexes {
		if _, err := tx.ExecContext(ctx, ix.sql); err != nil {
			return fmt.Errorf("build index %s: %w", ix.name, err)
		}
	}
	return nil
}
