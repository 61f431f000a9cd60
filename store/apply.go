package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/numsync/numsync"
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
// req.Messages() (queued in the outbox under the run's id) are written in the
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
	// The audit's copies of the ops are encoded on another core while
	// SQLite works on this one.
	opJSON := make(chan []string, 1)
	go func() {
		js := make([]string, len(req.Ops))
		for i := range req.Ops {
			b, _ := json.Marshal(&req.Ops[i]) // plain data: cannot fail
			js[i] = string(b)
		}
		opJSON <- js
	}()
	err := s.write(ctx, func(tx *sql.Tx) error {
		rev, err := revision(ctx, tx)
		if err != nil {
			return err
		}
		if rev != req.Revision {
			return fmt.Errorf("plan made at revision %d, store is at %d: %w", req.Revision, rev, numsync.ErrStale)
		}
		ap := &applier{
			ctx:      ctx,
			tx:       tx,
			eng:      s.eng,
			slots:    map[numsync.Slot]numsync.Number{},
			holders:  map[numsync.Number]numsync.Slot{},
			numbers:  map[numsync.Number]*numberRow{},
			dropped:  map[numsync.Slot]bool{},
			takenSet: map[numsync.Slot]bool{},
			freed:    map[numsync.Number]bool{},
			touched:  map[string]bool{},
		}
		if err := ap.load(req.Ops); err != nil {
			return err
		}
		at := make([]time.Time, len(req.Ops))
		for i := range req.Ops {
			if err := ctx.Err(); err != nil {
				return err
			}
			if err := ap.apply(i, &req.Ops[i]); err != nil {
				return ap.opError(req.Ops, i, err)
			}
			at[i] = time.Now()
			if req.Progress != nil {
				req.Progress(i + 1)
			}
		}
		if err := ap.addNumbers(req.Ops); err != nil {
			return err
		}
		if err := ap.write(req.Ops); err != nil {
			return err
		}
		if err := markReleased(ctx, tx, started, ap.freed); err != nil {
			return err
		}
		if err := setVoice(ctx, tx, ap.touched); err != nil {
			return err
		}
		if run.Revision, err = bump(ctx, tx); err != nil {
			return err
		}
		run.Ended = time.Now()
		if run.ID, err = insertRun(ctx, tx, run); err != nil {
			return err
		}
		js := <-opJSON
		err = batchExec(ctx, tx, "INSERT INTO audit (run_id, at, actor, action, upn_key, category, op) VALUES ", "", nil, 7, len(req.Ops),
			func(i int, args []any) ([]any, error) {
				op := &req.Ops[i]
				return append(args, run.ID, dbTime(at[i]), req.Actor, string(op.Action), numsync.UPNKey(op.UPN),
					string(op.Category.OrPrimary()), js[i]), nil
			})
		if err != nil {
			return fmt.Errorf("audit: %w", err)
		}
		var msgs []numsync.Message
		if req.Messages != nil {
			msgs = req.Messages()
		}
		queued := dbTime(run.Ended)
		err = batchExec(ctx, tx, "INSERT INTO outbox (run_id, upn, rcpt, raw, queued_at) VALUES ", "", nil, 5, len(msgs),
			func(i int, args []any) ([]any, error) {
				m := &msgs[i]
				return append(args, run.ID, m.UPN, m.To, m.Raw, queued), nil
			})
		if err != nil {
			return fmt.Errorf("queue messages: %w", err)
		}
		return nil
	})
	if err != nil {
		return numsync.Run{}, fmt.Errorf("apply: %w", err)
	}
	return run, nil
}

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

// applier is the state of one Apply transaction. It reads the
// assignments, numbers and users the operations touch in a few queries,
// carries the operations out on that copy in order, checking each against
// it, and writes the end state in multi-row statements: one statement or
// more per operation was most of an apply's time.
type applier struct {
	ctx context.Context
	tx  *sql.Tx
	eng *engine
	// added are the Direct Routing numbers the ops assign that are not
	// in the inventory (rule R5), with the op that first assigns each.
	added   []addedNumber
	slots   map[numsync.Slot]numsync.Number // who holds what after the ops so far
	holders map[numsync.Number]numsync.Slot // the same, by number
	numbers map[numsync.Number]*numberRow
	// dropped slots gave up their number at some point: their rows are
	// deleted before the taken slots' end holdings are inserted, so that
	// no statement meets a holding the plan moved away.
	dropped  map[numsync.Slot]bool
	taken    []numsync.Slot // slots given a number, in the order of their first take
	takenSet map[numsync.Slot]bool
	located  []numsync.Number        // numbers whose emergency location changes
	freed    map[numsync.Number]bool // freed and not taken again
	touched  map[string]bool         // identities whose assignments changed
}

// addedNumber is a number an apply adds to the inventory, and the index of
// the op that assigns it.
type addedNumber struct {
	n  numsync.Number
	op int
}

// numberRow is what an apply needs of an inventory number.
type numberRow struct {
	typ   numsync.NumberType
	loc   string
	moved bool // loc differs from the stored location_id
}

// load reads the store as far as ops touch it: the assignments of their
// identities and of the numbers they assign, and those numbers. Each is
// one query over a JSON list of keys, which the database looks up in the
// tables' indexes.
func (ap *applier) load(ops []numsync.Op) error {
	keys := make([]string, 0, len(ops))
	var e164s []string
	for i := range ops {
		key := numsync.UPNKey(ops[i].UPN)
		keys = append(keys, key)
		if a := ops[i].After; a != nil {
			e164s = append(e164s, a.Number.E164)
		}
	}
	scanHolding := scanHoldings(ap.slots, ap.holders)
	if hint := ap.eng.manyKeys; hint[0] != "" && len(keys) >= manyKeys {
		if _, err := ap.tx.ExecContext(ap.ctx, hint[0]); err != nil {
			return fmt.Errorf("read the identities' assignments: %w", err)
		}
		defer ap.tx.ExecContext(ap.ctx, hint[1])
	}
	err := ap.query("read the identities' assignments", `SELECT `+assignmentCols+` FROM assignments
		WHERE upn_key IN (SELECT value FROM `+ap.eng.jsonValues+`)`, keys, scanHolding)
	if err != nil {
		return err
	}
	// By E.164 alone, which the indexes start with: the other extensions
	// of a number come along, and knowing them does no harm.
	err = ap.query("read the assigned numbers' holders", `SELECT `+assignmentCols+` FROM assignments
		WHERE e164 IN (SELECT value FROM `+ap.eng.jsonValues+`)`, e164s, scanHolding)
	if err != nil {
		return err
	}
	return ap.query("read the assigned numbers", `SELECT e164, ext, type, location_id FROM numbers
		WHERE e164 IN (SELECT value FROM `+ap.eng.jsonValues+`)`, e164s,
		func(rows *sql.Rows) error {
			var n numsync.Number
			row := &numberRow{}
			if err := rows.Scan(&n.E164, &n.Ext, &row.typ, &row.loc); err != nil {
				return err
			}
			ap.numbers[n] = row
			return nil
		})
}

// manyKeys is the length of a list of keys from which a lookup reads the
// whole table rather than probing its index once per key, where the
// engine needs to be told (see [engine.manyKeys]).
const manyKeys = 10000

// query runs q with list as its one argument, a JSON array, and scan on
// each row.
func (ap *applier) query(what, q string, list []string, scan func(*sql.Rows) error) error {
	if list == nil {
		list = []string{} // "[]", not "null", which PostgreSQL will not take apart
	}
	js, err := json.Marshal(list)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	// A string, not []byte: SQLite reads a blob argument as binary JSON.
	rows, err := ap.tx.QueryContext(ap.ctx, q, string(js))
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows); err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}

// apply carries out op, ops[i] of the apply, on the in-memory copy.
func (ap *applier) apply(i int, op *numsync.Op) error {
	key := numsync.UPNKey(op.UPN)
	cat := op.Category.OrPrimary()
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
	s := numsync.Slot{UPNKey: key, Category: cat}
	if op.Before != nil {
		held := ap.slots[s]
		if held != op.Before.Number {
			return fmt.Errorf("the store says %s holds %s as %s, but the plan expected %s: %s",
				op.UPN, orNone(held), cat, op.Before.Number, changedOutside)
		}
		if !held.IsZero() {
			delete(ap.slots, s)
			delete(ap.holders, held)
			ap.dropped[s] = true
		}
		ap.freed[held] = true
		ap.touched[key] = true
	}
	if op.After == nil {
		return nil
	}
	if err := ap.takeNumber(i, s, op); err != nil {
		return err
	}
	delete(ap.freed, op.After.Number)
	ap.touched[key] = true
	return nil
}

const changedOutside = "the store changed outside this plan; make a new plan"

// takeNumber gives op.After's number to the slot, adding a Direct Routing
// number to the inventory when it is not there yet (rule R5); op is ops[i].
func (ap *applier) takeNumber(i int, s numsync.Slot, op *numsync.Op) error {
	after := op.After
	n := after.Number
	if n.IsZero() {
		return errors.New("the after state has no number")
	}
	row := ap.numbers[n]
	switch {
	case row == nil:
		if after.Type != numsync.DirectRouting {
			return fmt.Errorf("%s is not in the inventory, and only Direct Routing numbers may be assigned without being in it", n)
		}
		ap.added = append(ap.added, addedNumber{n, i})
		row = &numberRow{typ: numsync.DirectRouting}
		ap.numbers[n] = row
	case after.Type != "" && after.Type != row.typ:
		return fmt.Errorf("the plan says %s is %s but the inventory says %s", n, after.Type, row.typ)
	}
	if err := ap.whyNotFree(s, op); err != nil {
		return err
	}
	ap.slots[s] = n
	ap.holders[n] = s
	if !ap.takenSet[s] {
		ap.takenSet[s] = true
		ap.taken = append(ap.taken, s)
	}
	if row.loc != after.Location {
		row.loc = after.Location
		if !row.moved {
			row.moved = true
			ap.located = append(ap.located, n)
		}
	}
	return nil
}

// whyNotFree says which rule the assignment of op.After's number to s
// would break, in the order the store's constraints are checked: the
// identity must exist, hold no number in the category, and the number
// must be free. Whether the identity exists is asked only when the
// assignment is refused anyway; otherwise the insert of the end state
// checks it (see [applier.opError]).
func (ap *applier) whyNotFree(s numsync.Slot, op *numsync.Op) error {
	n := op.After.Number
	var refused error
	if held, ok := ap.slots[s]; ok {
		refused = fmt.Errorf("the store says %s already holds %s as %s, but the plan expected no number: %s", op.UPN, held, s.Category, changedOutside)
	} else if h, ok := ap.holders[n]; ok {
		var holder string
		if err := ap.tx.QueryRowContext(ap.ctx, "SELECT upn FROM users WHERE upn_key = ?", h.UPNKey).Scan(&holder); err != nil {
			holder = h.UPNKey
		}
		refused = fmt.Errorf("%s is held by %s as %s: %s", n, holder, h.Category, changedOutside)
	}
	if refused == nil {
		return nil
	}
	unknown, err := ap.unknownUsers([]string{s.UPNKey})
	if err != nil {
		return err
	}
	if unknown[s.UPNKey] {
		return errNoUser
	}
	return refused
}

var errNoUser = errors.New("no such user in the store")

// opError names op i of ops in err, unless an earlier op gave a number to
// an identity the store does not have: that op is the one which fails.
// Looking every identity up as its op runs would cost a query per op, so
// the insert of the end state checks them, and the ones before a failure
// are looked up here. i = len(ops) means the end state was refused.
func (ap *applier) opError(ops []numsync.Op, i int, err error) error {
	var keys []string
	for j := range ops[:i] {
		if ops[j].After != nil {
			keys = append(keys, numsync.UPNKey(ops[j].UPN))
		}
	}
	unknown, qerr := ap.unknownUsers(keys)
	if qerr != nil {
		return errors.Join(err, qerr)
	}
	for j := range ops[:i] {
		if ops[j].After != nil && unknown[numsync.UPNKey(ops[j].UPN)] {
			i, err = j, errNoUser
			break
		}
	}
	if i == len(ops) {
		return err
	}
	op := &ops[i]
	return fmt.Errorf("op %d (%s %s %s): %w", i+1, op.Action, op.UPN, op.Category, err)
}

// unknownUsers returns which of keys name no user in the store.
func (ap *applier) unknownUsers(keys []string) (map[string]bool, error) {
	unknown := map[string]bool{}
	if len(keys) == 0 {
		return unknown, nil
	}
	err := ap.query("look the identities up", `SELECT value FROM `+ap.eng.jsonValues+` WHERE value NOT IN (SELECT upn_key FROM users)`, keys,
		func(rows *sql.Rows) error {
			var key string
			if err := rows.Scan(&key); err != nil {
				return err
			}
			unknown[key] = true
			return nil
		})
	return unknown, err
}

// addNumbers inserts the numbers of ap.added into the inventory, in
// multi-row statements (a migration wave can add thousands). When the
// database refuses one (the schema's checks on a number), the op that
// assigned it fails.
func (ap *applier) addNumbers(ops []numsync.Op) error {
	caps := joinList([]numsync.Capability{numsync.CapUser, numsync.CapVoiceApp})
	insert := func(added []addedNumber) error {
		return batchExec(ap.ctx, ap.tx, "INSERT INTO numbers (e164, ext, type, country, capabilities, location_id, source) VALUES ", "", nil, 7, len(added),
			func(i int, args []any) ([]any, error) {
				n := added[i].n
				return append(args, n.E164, n.Ext, string(numsync.DirectRouting), n.Country(), caps, "", numsync.SourceOnPremises), nil
			})
	}
	err := tryExec(ap.ctx, ap.tx, func() error { return insert(ap.added) })
	if err == nil {
		return nil
	}
	for j, a := range ap.added {
		if rerr := tryExec(ap.ctx, ap.tx, func() error { return insert(ap.added[j : j+1]) }); rerr != nil {
			return ap.opError(ops, a.op, fmt.Errorf("add %s to the inventory: %w", a.n, rerr))
		}
	}
	return fmt.Errorf("add Direct Routing numbers to the inventory: %w", err)
}

// write stores the end state of the ops: the holdings of the slots they
// emptied go, those of the slots they filled come, and the numbers whose
// location changed get it.
func (ap *applier) write(ops []numsync.Op) error {
	dropped := make([]numsync.Slot, 0, len(ap.dropped))
	for s := range ap.dropped {
		dropped = append(dropped, s)
	}
	held := make([]holding, 0, len(ap.taken))
	for _, s := range ap.taken {
		if n, ok := ap.slots[s]; ok {
			held = append(held, holding{s, n})
		}
	}
	// In a savepoint, so that opError can still look the identities up.
	if err := tryExec(ap.ctx, ap.tx, func() error { return writeAssignments(ap.ctx, ap.tx, dropped, held) }); err != nil {
		return ap.opError(ops, len(ops), err)
	}
	slices.SortFunc(ap.located, numsync.Number.Compare)
	err := batchExec(ap.ctx, ap.tx, "UPDATE numbers SET location_id = v.column3 FROM (VALUES ",
		") AS v WHERE numbers.e164 = v.column1 AND numbers.ext = v.column2", nil, 3, len(ap.located),
		func(i int, args []any) ([]any, error) {
			n := ap.located[i]
			return append(args, n.E164, n.Ext, ap.numbers[n].loc), nil
		})
	if err != nil {
		return fmt.Errorf("set emergency locations: %w", err)
	}
	return nil
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
		limit = math.MaxInt64
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
	q, args := "SELECT seq, run_id, at, actor, op, reason FROM audit WHERE seq > ? ORDER BY seq", []any{afterSeq}
	if runID != "" {
		q, args = "SELECT seq, run_id, at, actor, op, reason FROM audit WHERE run_id = ? AND seq > ? ORDER BY seq", []any{runID, afterSeq}
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
		if err := rows.Scan(&e.Seq, &e.RunID, &at, &e.Actor, &op, &e.Reason); err != nil {
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
