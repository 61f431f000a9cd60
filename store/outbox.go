package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/numsync/numsync"
)

// Outbox returns at most limit messages not yet sent (all when limit <= 0)
// whose id is above after, oldest first.
func (s *Store) Outbox(ctx context.Context, after int64, limit int) ([]numsync.Message, error) {
	if limit <= 0 {
		limit = math.MaxInt64
	}
	rows, err := s.db.QueryContext(ctx, "SELECT id, run_id, upn, rcpt, raw FROM outbox WHERE sent_at IS NULL AND id > ? ORDER BY id LIMIT ?", after, limit)
	if err != nil {
		return nil, fmt.Errorf("read outbox: %w", err)
	}
	defer rows.Close()
	var msgs []numsync.Message
	for rows.Next() {
		var m numsync.Message
		var run sql.NullString
		if err := rows.Scan(&m.ID, &run, &m.UPN, &m.To, &m.Raw); err != nil {
			return nil, fmt.Errorf("read outbox: %w", err)
		}
		m.RunID = run.String
		msgs = append(msgs, m)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read outbox: %w", err)
	}
	return msgs, nil
}

// OutboxLen returns how many messages are not yet sent.
func (s *Store) OutboxLen(ctx context.Context) (int, error) {
	var n int
	if err := s.db.QueryRowContext(ctx, "SELECT count(*) FROM outbox WHERE sent_at IS NULL").Scan(&n); err != nil {
		return 0, fmt.Errorf("count outbox: %w", err)
	}
	return n, nil
}

// MarkSent records that message id was sent at the given time. Marking a
// message sent twice keeps the first time; an unknown id is an error
// wrapping [numsync.ErrNotFound]. The revision does not change: sending mail
// does not change the tenant, and must not make pending plans stale.
func (s *Store) MarkSent(ctx context.Context, id int64, at time.Time) error {
	if at.IsZero() {
		at = time.Now()
	}
	return s.write(ctx, func(tx *sql.Tx) error {
		var sent sql.NullString
		err := tx.QueryRowContext(ctx, "UPDATE outbox SET sent_at = coalesce(sent_at, ?) WHERE id = ? RETURNING sent_at", dbTime(at), id).Scan(&sent)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("mark message %d sent: %w", id, numsync.ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("mark message %d sent: %w", id, err)
		}
		return nil
	})
}
