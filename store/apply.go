package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"numsync"
)

// Apply carries out req.Ops in order in one transaction, if and only if the
// store is still at req.Revision (else an error wrapping [numsync.ErrStale]
// and nothing is written).
//
// Each op must find the store as its Before says: a remove or change whose
// identity does not hold Before's number in that category, an assign whose
// identity already holds a number in the category or whose number someone
// else holds, fails the whole apply. An assign or change to a number missing
// from the inventory adds it when After.Type is Direct Routing (rule R5) and
// fails otherwise. The number's emergency location becomes After.Location. A
// number freed and not taken again in the same apply gets released_at =
// req.Started (now when unset), which starts its quarantine (rule R9).
// EnterpriseVoice ends true for every touched identity that holds a number
// and false for one that holds none.
//
// The run (status applied, new revision), one audit entry per op and
// req.Messages (queued in the outbox under the run's id) are written in the
// same transaction, and the revision goes up by one even for an empty plan,
// so that a plan can be applied only once.
func (s *Store) Apply(ctx context.Context, req numsync.ApplyRequest) (numsync.Run, error) {
	started := req.Started
	if started.IsZero() {
		started = time.Now()
	}
	run := numsync.Run{
		Actor:      req.Actor,
		Started:    started,
		Status:     numsync.RunApplied,
		Counts:     req.Counts,
		PlanDigest: req.PlanDigest,
	}
	err := s.write(ctx, func(tx *sql.Tx) error {
		rev, err := revision(ctx, tx)
		if err != nil {
			return err
		}
		if rev != req.Revision {
			return fmt.Errorf("plan made at revision %d, store is at %d: %w", req.Revision, rev, numsync.ErrStale)
		}
		p := newStmts(ctx, tx)
		defer p.close()
		ap := &applier{
			ctx:       ctx,
			holds:     p.prep("SELECT e164, ext FROM assignments WHERE upn_key = ? AND category = ?"),
			holderOf:  p.prep("SELECT u.upn, a.category FROM assignments a JOIN users u ON u.upn_key = a.upn_key WHERE a.e164 = ? AND a.ext = ?"),
			userKnown: p.prep("SELECT 1 FROM users WHERE upn_key = ?"),
			number:    p.prep("SELECT type, location_id FROM numbers WHERE e164 = ? AND ext = ?"),
			addDR: p.prep(`INSERT INTO numbers (e164, ext, type, country, capabilities, location_id, source)
				VALUES (?, ?, 'DirectRouting', ?, ?, '', '` + numsync.SourceOnPremises + `')`),
			drop:    p.prep("DELETE FROM assignments WHERE upn_key = ? AND category = ? RETURNING e164, ext"),
			take:    p.prep("INSERT INTO assignments (upn_key, category, e164, ext) VALUES (?, ?, ?, ?)"),
			locate:  p.prep("UPDATE numbers SET location_id = ? WHERE e164 = ? AND ext = ?"),
			freed:   map[numsync.Number]bool{},
			touched: map[string]bool{},
		}
		outbox := p.prep("INSERT INTO outbox (run_id, upn, rcpt, raw, queued_at) VALUES (?, ?, ?, ?, ?)")
		if p.err != nil {
			return p.err
		}
		at := make([]time.Time, len(req.Ops))
		for i := range req.Ops {
			if err := ctx.Err(); err != nil {
				return err
			}
			if err := ap.apply(&req.Ops[i]); err != nil {
				op := &req.Ops[i]
				return fmt.Errorf("op %d (%s %s %s): %w", i+1, op.Action, op.UPN, op.Category, err)
			}
			at[i] = time.Now()
			if req.Progress != nil {
				req.Progress(i + 1)
			}
		}
		freed := make([]numsync.Number, 0, len(ap.freed))
		for n := range ap.freed {
			freed = append(freed, n)
		}
		err = batchExec(ctx, tx, "UPDATE numbers SET released_at = ? WHERE (e164, ext) IN (VALUES ", ")", []any{dbTime(started)}, 2, len(freed),
			func(i int, args []any) ([]any, error) { return append(args, freed[i].E164, freed[i].Ext), nil })
		if err != nil {
			return fmt.Errorf("mark freed numbers released: %w", err)
		}
		touched := sortedKeys(ap.touched)
		err = batchExec(ctx, tx, setVoiceSQL+" IN (", ")", nil, 1, len(touched),
			func(i int, args []any) ([]any, error) { return append(args, touched[i]), nil })
		if err != nil {
			return fmt.Errorf("set enterprise voice: %w", err)
		}
		if run.Revision, err = bump(ctx, tx); err != nil {
			return err
		}
		run.Ended = time.Now()
		if run.ID, err = insertRun(ctx, tx, run); err != nil {
			return err
		}
		err = batchExec(ctx, tx, "INSERT INTO audit (run_id, at, actor, action, upn_key, category, op) VALUES ", "", nil, 7, len(req.Ops),
			func(i int, args []any) ([]any, error) {
				op := &req.Ops[i]
				js, err := json.Marshal(op)
				if err != nil {
					return nil, fmt.Errorf("op %d: %w", i+1, err)
				}
				return append(args, run.ID, dbTime(at[i]), req.Actor, string(op.Action), numsync.UPNKey(op.UPN),
					string(category(op.Category)), string(js)), nil
			})
		if err != nil {
			return fmt.Errorf("audit: %w", err)
		}
		for _, m := range req.Messages {
			if _, err := outbox.ExecContext(ctx, run.ID, m.UPN, m.To, m.Raw, dbTime(run.Ended)); err != nil {
				return fmt.Errorf("queue message to %s: %w", m.To, err)
			}
		}
		return nil
	})
	if err != nil {
		return numsync.Run{}, fmt.Errorf("apply: %w", err)
	}
	return run, nil
}

// setVoiceSQL makes users' EnterpriseVoice flags say whether they hold a
// number; the list of keys follows.
const setVoiceSQL = `UPDATE users SET enterprise_voice = EXISTS (SELECT 1 FROM assignments a WHERE a.upn_key = users.upn_key)
	WHERE upn_key`

// batchRows is how many rows one multi-row statement carries: one
// statement per row was most of an apply's store time, and 200 rows of up
// to 7 values stay far under SQLite's 32,766 parameters.
const batchRows = 200

// batchExec runs prefix, n rows of cols placeholders ("(?, ?)" separated by
// commas), then suffix, batchRows rows at a time; lead are the arguments
// before the rows', and row appends row i's cols values.
func batchExec(ctx context.Context, tx *sql.Tx, prefix, suffix string, lead []any, cols, n int, row func(i int, args []any) ([]any, error)) error {
	var full *sql.Stmt
	defer func() {
		if full != nil {
			full.Close()
		}
	}()
	args := make([]any, 0, len(lead)+batchRows*cols)
	for start := 0; start < n; start += batchRows {
		rows := min(batchRows, n-start)
		args = append(args[:0], lead...)
		var err error
		for i := start; i < start+rows && err == nil; i++ {
			args, err = row(i, args)
		}
		if err != nil {
			return err
		}
		switch {
		case rows < batchRows:
			_, err = tx.ExecContext(ctx, batchSQL(prefix, suffix, cols, rows), args...)
		case full == nil:
			if full, err = tx.PrepareContext(ctx, batchSQL(prefix, suffix, cols, rows)); err != nil {
				return err
			}
			fallthrough
		default:
			_, err = full.ExecContext(ctx, args...)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func batchSQL(prefix, suffix string, cols, rows int) string {
	one := "(?" + strings.Repeat(", ?", cols-1) + ")"
	var b strings.Builder
	b.Grow(len(prefix) + rows*(len(one)+2) + len(suffix))
	b.WriteString(prefix)
	for i := range rows {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(one)
	}
	b.WriteString(suffix)
	return b.String()
}

// category reads an op's category as the plan means it: empty is Primary.
func category(c numsync.Category) numsync.Category {
	if c == "" {
		return numsync.Primary
	}
	return c
}

// applier is the state of one Apply transaction. The happy path of an op
// costs two or three statements; the queries that explain a failure run
// only when a statement was refused.
type applier struct {
	ctx                                                           context.Context
	holds, holderOf, userKnown, number, addDR, drop, take, locate *sql.Stmt
	freed                                                         map[numsync.Number]bool // freed and not taken again
	touched                                                       map[string]bool         // identities whose assignments changed
}

func (ap *applier) apply(op *numsync.Op) error {
	key := numsync.UPNKey(op.UPN)
	cat := category(op.Category)
	if cat != numsync.Primary && cat != numsync.Private {
		return fmt.Errorf("unknown assignment category %q", op.Category)
	}
	switch op.Action {
	case numsync.Assign:
		if op.After == nil {
			return errors.New("assign without an after state")
		}
	case numsync.Change:
		if op.Before == nil || op.After == nil {
			return errors.New("change needs both a before and an after state")
		}
	case numsync.Remove:
		if op.Before == nil {
			return errors.New("remove without a before state")
		}
	default:
		return fmt.Errorf("unknown action %q", op.Action)
	}
	if op.Before != nil {
		// A mismatch fails the apply, and the transaction's rollback puts
		// back what this delete took.
		var held numsync.Number
		err := ap.drop.QueryRowContext(ap.ctx, key, string(cat)).Scan(&held.E164, &held.Ext)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if held != op.Before.Number {
			return fmt.Errorf("the store says %s holds %s as %s, but the plan expected %s: %s",
				op.UPN, orNone(held), cat, op.Before.Number, changedOutside)
		}
		ap.freed[held] = true
		ap.touched[key] = true
	}
	if op.After == nil {
		return nil
	}
	if err := ap.takeNumber(key, cat, op); err != nil {
		return err
	}
	delete(ap.freed, op.After.Number)
	ap.touched[key] = true
	return nil
}

const changedOutside = "the store changed outside this plan; make a new plan"

// takeNumber gives op.After's number to the identity, adding a Direct
// Routing number to the inventory when it is not there yet (rule R5).
func (ap *applier) takeNumber(key string, cat numsync.Category, op *numsync.Op) error {
	after := op.After
	n := after.Number
	if n.IsZero() {
		return errors.New("the after state has no number")
	}
	var typ numsync.NumberType
	var loc string
	err := ap.number.QueryRowContext(ap.ctx, n.E164, n.Ext).Scan(&typ, &loc)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		if after.Type != numsync.DirectRouting {
			return fmt.Errorf("%s is not in the inventory, and only Direct Routing numbers may be assigned without being in it", n)
		}
		caps := joinList([]numsync.Capability{numsync.CapUser, numsync.CapVoiceApp})
		if _, err := ap.addDR.ExecContext(ap.ctx, n.E164, n.Ext, n.Country(), caps); err != nil {
			return fmt.Errorf("add %s to the inventory: %w", n, err)
		}
	case err != nil:
		return err
	case after.Type != "" && after.Type != typ:
		return fmt.Errorf("the plan says %s is %s but the inventory says %s", n, after.Type, typ)
	}
	if _, err := ap.take.ExecContext(ap.ctx, key, string(cat), n.E164, n.Ext); err != nil {
		return ap.whyNotTaken(key, cat, op, err)
	}
	if loc == after.Location {
		return nil
	}
	_, err = ap.locate.ExecContext(ap.ctx, after.Location, n.E164, n.Ext)
	return err
}

// whyNotTaken turns the constraint error of a refused assignment into the
// rule it broke.
func (ap *applier) whyNotTaken(key string, cat numsync.Category, op *numsync.Op, err error) error {
	n := op.After.Number
	var one int
	if qerr := ap.userKnown.QueryRowContext(ap.ctx, key).Scan(&one); errors.Is(qerr, sql.ErrNoRows) {
		return errors.New("no such user in the store")
	}
	var held numsync.Number
	if qerr := ap.holds.QueryRowContext(ap.ctx, key, string(cat)).Scan(&held.E164, &held.Ext); qerr == nil {
		return fmt.Errorf("the store says %s already holds %s as %s, but the plan expected no number: %s", op.UPN, held, cat, changedOutside)
	}
	var holder string
	var holderCat numsync.Category
	if qerr := ap.holderOf.QueryRowContext(ap.ctx, n.E164, n.Ext).Scan(&holder, &holderCat); qerr == nil {
		return fmt.Errorf("%s is held by %s as %s: %s", n, holder, holderCat, changedOutside)
	}
	return fmt.Errorf("assign %s: %w", n, err)
}

func orNone(n numsync.Number) string {
	if n.IsZero() {
		return "no number"
	}
	return n.String()
}

// insertRun stores run under a new id unless it has one, returning the id.
func insertRun(ctx context.Context, tx *sql.Tx, run numsync.Run) (string, error) {
	id := run.ID
	// Two runs started in the same second draw again; 16 draws all taken
	// would mean thousands of runs in that second.
	for try := 0; id == "" && try < 16; try++ {
		id = newRunID(run.Started)
		var one int
		err := tx.QueryRowContext(ctx, "SELECT 1 FROM runs WHERE id = ?", id).Scan(&one)
		if err == nil {
			id = ""
		} else if !errors.Is(err, sql.ErrNoRows) {
			return "", err
		}
	}
	if id == "" {
		return "", fmt.Errorf("no free run id for %s", run.Started.UTC().Format(time.RFC3339))
	}
	counts, err := json.Marshal(run.Counts)
	if err != nil {
		return "", err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO runs (id, actor, started, ended, status, counts, plan_digest, revision, message)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		id, run.Actor, dbTime(run.Started), dbTime(run.Ended), string(run.Status), string(counts), run.PlanDigest, run.Revision, run.Message)
	if err != nil {
		return "", fmt.Errorf("record run %s: %w", id, err)
	}
	return id, nil
}

// RecordRun records a run that changed nothing (held back, refused, failed,
// dry run) so that it shows in the run history. An empty ID gets a new one,
// zero Started and Ended become now, and Revision is set to the store's
// current revision, since the run did not change it.
func (s *Store) RecordRun(ctx context.Context, run numsync.Run) (numsync.Run, error) {
	if run.Status == "" {
		return numsync.Run{}, errors.New("record run: no status given")
	}
	now := time.Now()
	if run.Started.IsZero() {
		run.Started = now
	}
	if run.Ended.IsZero() {
		run.Ended = now
	}
	err := s.write(ctx, func(tx *sql.Tx) error {
		var err error
		if run.Revision, err = revision(ctx, tx); err != nil {
			return err
		}
		run.ID, err = insertRun(ctx, tx, run)
		return err
	})
	if err != nil {
		return numsync.Run{}, fmt.Errorf("record run: %w", err)
	}
	return run, nil
}

const runCols = "id, actor, started, ended, status, counts, plan_digest, revision, message"

func scanRun(r interface{ Scan(...any) error }) (numsync.Run, error) {
	var run numsync.Run
	var started, ended sql.NullString
	var counts string
	if err := r.Scan(&run.ID, &run.Actor, &started, &ended, &run.Status, &counts, &run.PlanDigest, &run.Revision, &run.Message); err != nil {
		return run, err
	}
	var err error
	if run.Started, err = parseTime(started); err != nil {
		return run, err
	}
	if run.Ended, err = parseTime(ended); err != nil {
		return run, err
	}
	if err := json.Unmarshal([]byte(counts), &run.Counts); err != nil {
		return run, fmt.Errorf("run %s counts: %w", run.ID, err)
	}
	return run, nil
}

// Run returns one run by id, or an error wrapping [numsync.ErrNotFound].
func (s *Store) Run(ctx context.Context, id string) (numsync.Run, error) {
	run, err := scanRun(s.db.QueryRowContext(ctx, "SELECT "+runCols+" FROM runs WHERE id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return numsync.Run{}, fmt.Errorf("run %s: %w", id, numsync.ErrNotFound)
	}
	if err != nil {
		return numsync.Run{}, fmt.Errorf("run %s: %w", id, err)
	}
	return run, nil
}

// Runs returns the runs newest first (by start time), at most limit of
// them; limit <= 0 means all.
func (s *Store) Runs(ctx context.Context, limit int) ([]numsync.Run, error) {
	if limit <= 0 {
		limit = -1 // SQLite: no limit
	}
	rows, err := s.db.QueryContext(ctx, "SELECT "+runCols+" FROM runs ORDER BY started DESC, id DESC LIMIT ?", limit)
	if err != nil {
		return nil, fmt.Errorf("list runs: %w", err)
	}
	defer rows.Close()
	var runs []numsync.Run
	for rows.Next() {
		run, err := scanRun(rows)
		if err != nil {
			return nil, fmt.Errorf("list runs: %w", err)
		}
		runs = append(runs, run)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list runs: %w", err)
	}
	return runs, nil
}

// Audit returns the audit entries with a sequence number above afterSeq (0
// for all) in order; with runID set, only that run's.
func (s *Store) Audit(ctx context.Context, runID string, afterSeq int64) ([]numsync.AuditEntry, error) {
	// Two queries rather than one with "?2 = '' OR", so that a run's
	// entries come from the run_id index instead of a scan of the log.
	q, args := "SELECT seq, run_id, at, actor, op FROM audit WHERE seq > ? ORDER BY seq", []any{afterSeq}
	if runID != "" {
		q, args = "SELECT seq, run_id, at, actor, op FROM audit WHERE run_id = ? AND seq > ? ORDER BY seq", []any{runID, afterSeq}
	}
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("read audit: %w", err)
	}
	defer rows.Close()
	var entries []numsync.AuditEntry
	for rows.Next() {
		var e numsync.AuditEntry
		var at sql.NullString
		var op string
		if err := rows.Scan(&e.Seq, &e.RunID, &at, &e.Actor, &op); err != nil {
			return nil, fmt.Errorf("read audit: %w", err)
		}
		if e.At, err = parseTime(at); err != nil {
			return nil, fmt.Errorf("read audit entry %d: %w", e.Seq, err)
		}
		if err := json.Unmarshal([]byte(op), &e.Op); err != nil {
			return nil, fmt.Errorf("read audit entry %d: %w", e.Seq, err)
		}
		entries = append(entries, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read audit: %w", err)
	}
	return entries, nil
}
