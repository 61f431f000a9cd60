package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/numsync/numsync"
)

// ReservedError refuses to reserve a number that an active reservation
// keeps for someone else.
type ReservedError struct{ Held numsync.Reservation }

func (e *ReservedError) Error() string {
	return fmt.Sprintf("%s is already %s", e.Held.Number, e.Held.Describe())
}

// Reserve records the reservations, all or none, each in the reservation
// log, and raises the revision once: a plan made before it is stale. Every
// number must be in the inventory; a number an active reservation keeps for
// another reservee (or another note) is refused with a [*ReservedError],
// while the same reservee's is replaced (a new note or end). It returns how
// many reservations it made or changed.
func (s *Store) Reserve(ctx context.Context, rs []numsync.Reservation, actor string, now time.Time) (int, error) {
	changed := 0
	err := s.write(ctx, func(tx *sql.Tx) error {
		for _, r := range rs {
			var owned int
			if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM numbers WHERE e164 = ? AND ext = ''", r.Number).Scan(&owned); err != nil {
				return err
			}
			if owned == 0 {
				return fmt.Errorf("%s is not in the number inventory: %w", r.Number, numsync.ErrNotFound)
			}
			old, err := reservationOf(ctx, tx, r.Number)
			if err != nil {
				return err
			}
			if old != nil && old.Active(now) && !sameReservee(*old, r) {
				return &ReservedError{Held: *old}
			}
			if old != nil && old.UPN == r.UPN && old.Note == r.Note && old.Until.Equal(r.Until) {
				continue
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO reservations (number, upn, note, until, reserved_by, reserved_at) VALUES (?, ?, ?, ?, ?, ?)
				ON CONFLICT (number) DO UPDATE SET upn = excluded.upn, note = excluded.note, until = excluded.until,
				reserved_by = excluded.reserved_by, reserved_at = excluded.reserved_at`,
				r.Number, r.UPN, r.Note, dbTime(r.Until), actor, dbTime(now)); err != nil {
				return err
			}
			if err := logReservation(ctx, tx, now, actor, "reserve", r); err != nil {
				return err
			}
			changed++
		}
		if changed == 0 {
			return nil
		}
		_, err := bump(ctx, tx)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("reserve: %w", err)
	}
	return changed, nil
}

// sameReservee reports whether r is for whom (or what) old is.
func sameReservee(old, r numsync.Reservation) bool {
	if old.UPN != "" || r.UPN != "" {
		return numsync.UPNKey(old.UPN) == numsync.UPNKey(r.UPN)
	}
	return old.Note == r.Note
}

// Release ends the reservations of the numbers that have one, logging each
// and raising the revision once, and returns the released reservations.
func (s *Store) Release(ctx context.Context, numbers []string, actor string, now time.Time) ([]numsync.Reservation, error) {
	var released []numsync.Reservation
	err := s.write(ctx, func(tx *sql.Tx) error {
		for _, n := range numbers {
			old, err := reservationOf(ctx, tx, n)
			if err != nil || old == nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, "DELETE FROM reservations WHERE number = ?", n); err != nil {
				return err
			}
			if err := logReservation(ctx, tx, now, actor, "release", *old); err != nil {
				return err
			}
			released = append(released, *old)
		}
		if len(released) == 0 {
			return nil
		}
		_, err := bump(ctx, tx)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("release: %w", err)
	}
	return released, nil
}

// Reservations returns every reservation, lapsed ones included, by number.
func (s *Store) Reservations(ctx context.Context) ([]numsync.Reservation, error) {
	var out []numsync.Reservation
	err := s.read(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, "SELECT number, upn, note, until, reserved_by, reserved_at FROM reservations ORDER BY length(number), number")
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			r, err := scanReservation(rows)
			if err != nil {
				return err
			}
			out = append(out, r)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("read reservations: %w", err)
	}
	return out, nil
}

// ReservationLog returns every reserve and release, oldest first.
func (s *Store) ReservationLog(ctx context.Context) ([]numsync.ReservationChange, error) {
	var out []numsync.ReservationChange
	err := s.read(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, "SELECT seq, at, actor, action, number, upn, note, until FROM reservation_log ORDER BY seq")
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var c numsync.ReservationChange
			var at, until sql.NullString
			if err := rows.Scan(&c.Seq, &at, &c.Actor, &c.Action, &c.Reservation.Number, &c.Reservation.UPN, &c.Reservation.Note, &until); err != nil {
				return err
			}
			var err error
			if c.At, err = parseTime(at); err != nil {
				return err
			}
			if c.Reservation.Until, err = parseTime(until); err != nil {
				return err
			}
			out = append(out, c)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("read the reservation log: %w", err)
	}
	return out, nil
}

func reservationOf(ctx context.Context, tx *sql.Tx, number string) (*numsync.Reservation, error) {
	r, err := scanReservation(tx.QueryRowContext(ctx, "SELECT number, upn, note, until, reserved_by, reserved_at FROM reservations WHERE number = ?", number))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &r, nil
}

func scanReservation(row interface{ Scan(...any) error }) (numsync.Reservation, error) {
	var r numsync.Reservation
	var until, at sql.NullString
	if err := row.Scan(&r.Number, &r.UPN, &r.Note, &until, &r.By, &at); err != nil {
		return r, err
	}
	var err error
	if r.Until, err = parseTime(until); err != nil {
		return r, err
	}
	r.At, err = parseTime(at)
	return r, err
}

func logReservation(ctx context.Context, tx *sql.Tx, now time.Time, actor, action string, r numsync.Reservation) error {
	_, err := tx.ExecContext(ctx, "INSERT INTO reservation_log (at, actor, action, number, upn, note, until) VALUES (?, ?, ?, ?, ?, ?, ?)",
		dbTime(now), strings.TrimSpace(actor), action, r.Number, r.UPN, r.Note, dbTime(r.Until))
	return err
}
