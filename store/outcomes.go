package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/numsync/numsync"
)

// RecordOutcomes upserts outs by run id and step (the last of two for the
// same operation wins) and logs every one of them with its actor, all in
// one transaction. Each outcome must name an applied run and one of its
// steps (else an error wrapping [numsync.ErrNotFound]) and a known state;
// when one does not, nothing is recorded. A zero At is stored as now. The
// revision does not change: the store already holds what the runs applied,
// and Teams catching up must not make pending plans stale.
func (s *Store) RecordOutcomes(ctx context.Context, outs []numsync.OpOutcome) error {
	if len(outs) == 0 {
		return nil
	}
	now := time.Now()
	for i := range outs {
		o := &outs[i]
		switch o.State {
		case numsync.PushPending, numsync.PushSubmitted, numsync.PushSucceeded, numsync.PushFailed, numsync.PushSkipped:
		default:
			return fmt.Errorf("record outcomes: run %s step %d: unknown state %q", o.RunID, o.Step, o.State)
		}
		if o.Attempts < 0 {
			return fmt.Errorf("record outcomes: run %s step %d: negative attempts %d", o.RunID, o.Step, o.Attempts)
		}
	}
	err := s.write(ctx, func(tx *sql.Tx) error {
		steps := map[string]int{} // applied run -> how many operations it has
		for i := range outs {
			o := &outs[i]
			n, ok := steps[o.RunID]
			if !ok {
				var err error
				if n, err = appliedSteps(ctx, tx, o.RunID); err != nil {
					return err
				}
				steps[o.RunID] = n
			}
			if o.Step < 1 || o.Step > n {
				return fmt.Errorf("run %s has steps 1 to %d, not %d: %w", o.RunID, n, o.Step, numsync.ErrNotFound)
			}
		}
		at := func(o *numsync.OpOutcome) any {
			if o.At.IsZero() {
				return dbTime(now)
			}
			return dbTime(o.At)
		}
		err := batchExec(ctx, tx, `INSERT INTO outcomes (run_id, step, state, operation_url, error_code, error, attempts, via, actor, at) VALUES `,
			` ON CONFLICT (run_id, step) DO UPDATE SET state = excluded.state, operation_url = excluded.operation_url,
				error_code = excluded.error_code, error = excluded.error, attempts = excluded.attempts, via = excluded.via,
				actor = excluded.actor, at = excluded.at`,
			nil, 10, len(outs), func(i int, args []any) ([]any, error) {
				o := &outs[i]
				return append(args, o.RunID, o.Step, string(o.State), o.OperationURL, o.ErrorCode, o.Error, o.Attempts, o.Via, o.Actor, at(o)), nil
			})
		if err != nil {
			return err
		}
		recorded := dbTime(now)
		return batchExec(ctx, tx, `INSERT INTO outcome_log (run_id, step, state, error_code, error, attempts, via, actor, at, recorded_at) VALUES `, "",
			nil, 10, len(outs), func(i int, args []any) ([]any, error) {
				o := &outs[i]
				return append(args, o.RunID, o.Step, string(o.State), o.ErrorCode, o.Error, o.Attempts, o.Via, o.Actor, at(o), recorded), nil
			})
	})
	if err != nil {
		return fmt.Errorf("record outcomes: %w", err)
	}
	return nil
}

// appliedSteps returns how many operations run id applied, or an error
// wrapping [numsync.ErrNotFound] when no such run was applied.
func appliedSteps(ctx context.Context, tx *sql.Tx, id string) (int, error) {
	var status string
	err := tx.QueryRowContext(ctx, "SELECT status FROM runs WHERE id = ?", id).Scan(&status)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("run %q: %w", id, numsync.ErrNotFound)
	}
	if err != nil {
		return 0, fmt.Errorf("run %s: %w", id, err)
	}
	if numsync.RunStatus(status) != numsync.RunApplied {
		return 0, fmt.Errorf("run %s is %s, not applied, so it has no operations for Teams: %w", id, status, numsync.ErrNotFound)
	}
	var n int
	if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM audit WHERE run_id = ?", id).Scan(&n); err != nil {
		return 0, fmt.Errorf("run %s: %w", id, err)
	}
	return n, nil
}

// opSteps numbers the audit entries of applied runs 1, 2, … within each run
// in sequence order (a run's steps), restricted by the caller's WHERE on a
// (audit) and r (runs), and joins what was recorded for each.
const opSteps = `SELECT a.run_id, a.step, coalesce(o.state, 'pending'), coalesce(o.operation_url, ''),
	coalesce(o.error_code, ''), coalesce(o.error, ''), coalesce(o.attempts, 0), coalesce(o.via, ''), coalesce(o.actor, ''), o.at
	FROM (SELECT run_id, seq, row_number() OVER (PARTITION BY run_id ORDER BY seq) AS step FROM audit %s) a
	JOIN runs r ON r.id = a.run_id AND r.status = 'applied'
	LEFT JOIN outcomes o ON o.run_id = a.run_id AND o.step = a.step
	%s ORDER BY a.seq`

// Outcomes returns the outcome of every operation of applied run id, by
// step; an operation nothing was recorded for is pending. A run that does
// not exist or was not applied is an error wrapping [numsync.ErrNotFound].
func (s *Store) Outcomes(ctx context.Context, runID string) ([]numsync.OpOutcome, error) {
	var outs []numsync.OpOutcome
	err := s.read(ctx, func(tx *sql.Tx) error {
		if _, err := appliedSteps(ctx, tx, runID); err != nil {
			return err
		}
		var err error
		outs, err = scanOutcomes(tx.QueryContext(ctx, fmt.Sprintf(opSteps, "WHERE run_id = ?", ""), runID))
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("outcomes: %w", err)
	}
	return outs, nil
}

// UnfinishedOutcomes returns the pending, submitted and failed outcomes of
// every applied run in the order the operations were applied (oldest
// first), which is the order in which Teams must get them.
func (s *Store) UnfinishedOutcomes(ctx context.Context) ([]numsync.OpOutcome, error) {
	// Only runs with an operation that has not landed are numbered, so
	// that the cost follows what is outstanding, not the whole history:
	// counting a run's audit entries and landed outcomes reads two index
	// ranges.
	outs, err := scanOutcomes(s.db.QueryContext(ctx, fmt.Sprintf(opSteps, `WHERE run_id IN (SELECT r.id FROM runs r WHERE r.status = 'applied'
			AND (SELECT count(*) FROM audit WHERE run_id = r.id) >
				(SELECT count(*) FROM outcomes WHERE run_id = r.id AND state IN ('succeeded', 'skipped')))`,
		"WHERE o.state IS NULL OR o.state IN ('pending', 'submitted', 'failed')")))
	if err != nil {
		return nil, fmt.Errorf("unfinished outcomes: %w", err)
	}
	return outs, nil
}

func scanOutcomes(rows *sql.Rows, err error) ([]numsync.OpOutcome, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var outs []numsync.OpOutcome
	for rows.Next() {
		var o numsync.OpOutcome
		var at sql.NullString
		if err := rows.Scan(&o.RunID, &o.Step, &o.State, &o.OperationURL, &o.ErrorCode, &o.Error, &o.Attempts, &o.Via, &o.Actor, &at); err != nil {
			return nil, err
		}
		if o.At, err = parseTime(at); err != nil {
			return nil, err
		}
		outs = append(outs, o)
	}
	return outs, rows.Err()
}
