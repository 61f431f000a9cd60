package store

import (
	"context"
	"database/sql"
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"

	"numsync"
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
// re-import) costs no statement at all, a new or changed one costs one.
type upserter struct {
	ins, upd *sql.Stmt
	nkeys    int
	stored   map[string]uint64 // joined key columns -> hash of the value columns
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
		ins:    p.prep("INSERT INTO " + table + " (" + strings.Join(all, ", ") + ") VALUES (" + strings.Join(params, ", ") + ")"),
		upd:    p.prep("UPDATE " + table + " SET " + strings.Join(set, ", ") + " WHERE " + strings.Join(where, " AND ")),
		nkeys:  len(keys),
		stored: map[string]uint64{},
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

func (u *upserter) upsert(ctx context.Context, args ...any) (outcome, error) {
	key, h := rowKey(args[:u.nkeys]), rowHash(args[u.nkeys:])
	old, ok := u.stored[key]
	switch {
	case !ok:
		if _, err := u.ins.ExecContext(ctx, args...); err != nil {
			return unchanged, err
		}
		u.stored[key] = h
		return added, nil
	case old == h:
		return unchanged, nil
	}
	// The update's arguments are the same as the insert's: keys, then values.
	if _, err := u.upd.ExecContext(ctx, args...); err != nil {
		return unchanged, err
	}
	u.stored[key] = h
	return updated, nil
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
