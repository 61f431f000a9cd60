package store

import (
	"context"
	"database/sql"
	"fmt"
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
		p.err = fmt.Errorf("prepare %q: %w", strings.Fields(query)[0]+"…", err)
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
// telling which happened without reading the row into Go: the insert does
// nothing on a key conflict, and the update matches only when a column
// differs. Both statements take the same arguments: the key columns, then
// the value columns.
type upserter struct{ ins, upd *sql.Stmt }

func newUpserter(p *stmts, table string, keys, cols []string) upserter {
	all := append(append([]string(nil), keys...), cols...)
	params := make([]string, len(all))
	for i := range all {
		params[i] = "?" + strconv.Itoa(i+1)
	}
	ins := "INSERT INTO " + table + " (" + strings.Join(all, ", ") + ") VALUES (" + strings.Join(params, ", ") +
		") ON CONFLICT (" + strings.Join(keys, ", ") + ") DO NOTHING"

	var set, where, differs []string
	for i, k := range keys {
		where = append(where, k+" = "+params[i])
	}
	for i, c := range cols {
		set = append(set, c+" = "+params[len(keys)+i])
		differs = append(differs, c+" IS NOT "+params[len(keys)+i])
	}
	upd := "UPDATE " + table + " SET " + strings.Join(set, ", ") +
		" WHERE " + strings.Join(where, " AND ") + " AND (" + strings.Join(differs, " OR ") + ")"
	return upserter{ins: p.prep(ins), upd: p.prep(upd)}
}

func (u upserter) upsert(ctx context.Context, args ...any) (outcome, error) {
	if n, err := affected(u.ins.ExecContext(ctx, args...)); err != nil || n > 0 {
		return added, err
	}
	n, err := affected(u.upd.ExecContext(ctx, args...))
	if err != nil || n == 0 {
		return unchanged, err
	}
	return updated, nil
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
