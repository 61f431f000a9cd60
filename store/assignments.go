package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"time"

	"github.com/numsync/numsync"
)

// holding is one row of the assignments table: a slot and its number.
type holding struct {
	s numsync.Slot
	n numsync.Number
}

// writeAssignments deletes the rows of dropped, then inserts held, each in
// key order, so that each multi-row statement's rows share the B-tree
// pages the last one read instead of each going to a page of its own.
// Deleting first lets a number move from one slot to another. Both slices
// are sorted in place.
func writeAssignments(ctx context.Context, tx *sql.Tx, dropped []numsync.Slot, held []holding) error {
	slices.SortFunc(dropped, numsync.Slot.Compare)
	err := batchExec(ctx, tx, "DELETE FROM assignments WHERE (upn_key, category) IN (VALUES ", ")", nil, 2, len(dropped),
		func(i int, args []any) ([]any, error) {
			return append(args, dropped[i].UPNKey, string(dropped[i].Category)), nil
		})
	if err != nil {
		return fmt.Errorf("remove assignments: %w", err)
	}
	slices.SortFunc(held, func(a, b holding) int { return a.s.Compare(b.s) })
	err = batchExec(ctx, tx, "INSERT INTO assignments (upn_key, category, e164, ext) VALUES ", "", nil, 4, len(held),
		func(i int, args []any) ([]any, error) {
			h := &held[i]
			return append(args, h.s.UPNKey, string(h.s.Category), h.n.E164, h.n.Ext), nil
		})
	if err != nil {
		return fmt.Errorf("store assignments: %w", err)
	}
	return nil
}

// markReleased starts the quarantine (rule R9) of the freed numbers at at.
func markReleased(ctx context.Context, tx *sql.Tx, at time.Time, freed map[numsync.Number]bool) error {
	ns := make([]numsync.Number, 0, len(freed))
	for n := range freed {
		ns = append(ns, n)
	}
	slices.SortFunc(ns, numsync.Number.Compare)
	err := batchExec(ctx, tx, "UPDATE numbers SET released_at = ? WHERE (e164, ext) IN (VALUES ", ")", []any{dbTime(at)}, 2, len(ns),
		func(i int, args []any) ([]any, error) { return append(args, ns[i].E164, ns[i].Ext), nil })
	if err != nil {
		return fmt.Errorf("mark freed numbers released: %w", err)
	}
	return nil
}

// setVoice makes the EnterpriseVoice flag of the users of touched (by
// upn_key) say whether they hold a number, once the assignments are
// written.
func setVoice(ctx context.Context, tx *sql.Tx, touched map[string]bool) error {
	keys := sortedKeys(touched)
	err := batchExec(ctx, tx, `UPDATE users SET enterprise_voice = CASE WHEN EXISTS (SELECT 1 FROM assignments a WHERE a.upn_key = users.upn_key) THEN 1 ELSE 0 END
		WHERE upn_key IN (`, ")", nil, 1, len(keys),
		func(i int, args []any) ([]any, error) { return append(args, keys[i]), nil })
	if err != nil {
		return fmt.Errorf("set enterprise voice: %w", err)
	}
	return nil
}
