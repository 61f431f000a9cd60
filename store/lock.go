package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"database/sql/driver"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/numsync/numsync"
)

// Lock takes the single-writer lock for holder (the caller puts what an
// operator needs to find it in there, such as user, host and pid) if it is
// free or its holder stopped renewing it more than ttl ago. Otherwise it
// fails at once with a [*numsync.LockedError] naming the holder. The lock
// lives in the database file, so it works across processes and survives a
// crash of its holder until it expires.
func (s *Store) Lock(ctx context.Context, holder string, ttl time.Duration) (numsync.Lock, error) {
	holder = strings.TrimSpace(holder)
	if holder == "" {
		return nil, errors.New("take lock: no holder given")
	}
	if ttl <= 0 {
		return nil, fmt.Errorf("take lock: ttl must be positive, not %s", ttl)
	}
	var tok [8]byte
	rand.Read(tok[:])
	if s.eng.sessionLock {
		return s.sessionLock(ctx, holder, hex.EncodeToString(tok[:]))
	}
	l := &lock{s: s, token: hex.EncodeToString(tok[:]), ttl: ttl}
	err := s.write(ctx, func(tx *sql.Tx) error {
		now := s.clock.Now()
		if err := held(ctx, tx, now, ""); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO lock (id, holder, token, since, expires_at) VALUES (1, ?, ?, ?, ?)
			ON CONFLICT (id) DO UPDATE SET holder = excluded.holder, token = excluded.token, since = excluded.since, expires_at = excluded.expires_at`,
			holder, l.token, dbTime(now), dbTime(now.Add(ttl)))
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("take lock: %w", err)
	}
	return l, nil
}

// held returns a *numsync.LockedError when someone other than token holds
// a live lock.
func held(ctx context.Context, tx *sql.Tx, now time.Time, token string) error {
	var holder, tok string
	var since, expires sql.NullString
	err := tx.QueryRowContext(ctx, "SELECT holder, token, since, expires_at FROM lock WHERE id = 1").Scan(&holder, &tok, &since, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return err
	}
	le := &numsync.LockedError{Holder: holder}
	if le.Since, err = parseTime(since); err != nil {
		return err
	}
	if le.Expires, err = parseTime(expires); err != nil {
		return err
	}
	if tok == token || !le.Expires.After(now) {
		return nil
	}
	return le
}

// lock is a held lock; token tells it from another holder with the same name.
type lock struct {
	s     *Store
	token string
	ttl   time.Duration
}

// Renew pushes the expiry ttl past now. If the lock expired and someone else
// took it meanwhile, Renew fails with a [*numsync.LockedError] naming them;
// if it expired and nobody took it, Renew takes it again.
func (l *lock) Renew(ctx context.Context) error {
	err := l.s.write(ctx, func(tx *sql.Tx) error {
		now := l.s.clock.Now()
		if err := held(ctx, tx, now, l.token); err != nil {
			return err
		}
		n, err := affected(tx.ExecContext(ctx, "UPDATE lock SET expires_at = ? WHERE id = 1 AND token = ?", dbTime(now.Add(l.ttl)), l.token))
		if err != nil || n > 0 {
			return err
		}
		return errors.New("the lock was released or taken over after it expired; stop and start again")
	})
	if err != nil {
		return fmt.Errorf("renew lock: %w", err)
	}
	return nil
}

// Release gives the lock up if it is still ours; releasing a lock that
// expired and was taken by someone else leaves theirs alone.
func (l *lock) Release(ctx context.Context) error {
	if _, err := l.s.db.ExecContext(ctx, "DELETE FROM lock WHERE id = 1 AND token = ?", l.token); err != nil {
		return fmt.Errorf("release lock: %w", err)
	}
	return nil
}

// writerLockKey is the advisory lock of the writer on PostgreSQL.
const writerLockKey = 0x6e756d73796e6302 // "numsync" 2

// sessionLock takes the writer lock on PostgreSQL: a session-level
// advisory lock on a connection of its own, which the server frees the
// moment that connection ends, so a holder that dies (kill -9, a lost
// host) frees it at once and no ttl is needed. The lock table's row only
// names the holder for the messages of those who find it taken.
func (s *Store) sessionLock(ctx context.Context, holder, token string) (numsync.Lock, error) {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("take lock: %w", err)
	}
	var got bool
	if err := conn.QueryRowContext(ctx, "SELECT pg_try_advisory_lock(?)", int64(writerLockKey)).Scan(&got); err != nil {
		discard(conn)
		return nil, fmt.Errorf("take lock: %w", err)
	}
	if !got {
		conn.Close()
		le := &numsync.LockedError{Holder: "another numsync (it has not named itself yet)"}
		var since sql.NullString
		err := s.db.QueryRowContext(ctx, "SELECT holder, since FROM lock WHERE id = 1").Scan(&le.Holder, &since)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return nil, fmt.Errorf("take lock: %w", err)
		}
		if le.Since, err = parseTime(since); err != nil {
			return nil, fmt.Errorf("take lock: %w", err)
		}
		return nil, fmt.Errorf("take lock: %w", le)
	}
	l := &heldSession{s: s, conn: conn, token: token}
	now := dbTime(s.clock.Now())
	_, err = conn.ExecContext(ctx, `INSERT INTO lock (id, holder, token, since, expires_at) VALUES (1, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET holder = excluded.holder, token = excluded.token, since = excluded.since, expires_at = excluded.expires_at`,
		holder, token, now, now)
	if err != nil {
		l.Release(context.WithoutCancel(ctx))
		return nil, fmt.Errorf("take lock: name the holder: %w", err)
	}
	return l, nil
}

// heldSession is a writer lock held by the session of conn.
type heldSession struct {
	s        *Store
	conn     *sql.Conn
	token    string
	released bool
}

// Renew checks that the session holding the lock is still there: if its
// connection broke, the server has freed the lock and someone else may
// hold it now.
func (l *heldSession) Renew(ctx context.Context) error {
	if l.released {
		return fmt.Errorf("renew lock: it was released: %w", numsync.ErrLocked)
	}
	if err := l.conn.PingContext(ctx); err != nil {
		return fmt.Errorf("renew lock: the connection that held it is gone, and the lock with it (%w): %w", err, numsync.ErrLocked)
	}
	return nil
}

// Release frees the advisory lock and the row naming the holder. If that
// fails the connection is closed, not returned to the pool, which frees
// the lock all the same.
func (l *heldSession) Release(ctx context.Context) error {
	if l.released {
		return nil
	}
	l.released = true
	_, err := l.conn.ExecContext(ctx, "DELETE FROM lock WHERE id = 1 AND token = ?", l.token)
	var unlocked bool
	if err == nil {
		err = l.conn.QueryRowContext(ctx, "SELECT pg_advisory_unlock(?)", int64(writerLockKey)).Scan(&unlocked)
	}
	if err != nil || !unlocked {
		discard(l.conn)
		if err != nil {
			return fmt.Errorf("release lock: %w", err)
		}
		return nil
	}
	return l.conn.Close()
}

// discard closes conn's database connection instead of returning it to
// the pool, with whatever session state it has.
func discard(conn *sql.Conn) {
	_ = conn.Raw(func(any) error { return driver.ErrBadConn })
	conn.Close()
}
