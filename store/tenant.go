package store

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"sort"

	"github.com/numsync/numsync"
)

// Tenant returns a consistent snapshot of the whole tenant, every list in
// key order (users by lower-case UPN, numbers by number and extension,
// locations by id, assignments by UPN and category) so that plans made
// from it are deterministic.
//
// The users and assignments are read on one connection while the numbers
// and locations are read on another, each in its own read transaction, so
// a large snapshot takes about half the time. Every change to the tenant
// raises the store revision (the stale-plan check relies on it too), so
// two reads at the same revision saw the same store; when a writer
// committed between them, the snapshot is read again, in the end in one
// transaction.
func (s *Store) Tenant(ctx context.Context) (*numsync.Tenant, error) {
	for range splitTries {
		t, err := s.tenantSplit(ctx)
		if err != nil {
			return nil, fmt.Errorf("read tenant: %w", err)
		}
		if t != nil {
			return t, nil
		}
	}
	// Writers kept committing between the two reads: one transaction.
	var u, n tenantPart
	err := s.read(ctx, func(tx *sql.Tx) error {
		if err := u.readUsers(ctx, tx); err != nil {
			return err
		}
		return n.readNumbers(ctx, tx)
	})
	if err != nil {
		return nil, fmt.Errorf("read tenant: %w", err)
	}
	t, err := join(&u, &n)
	if err != nil {
		return nil, fmt.Errorf("read tenant: %w", err)
	}
	return t, nil
}

// splitTries is how often [Store.Tenant] reads its two parts side by side
// before it reads them in one transaction.
var splitTries = 3

// tenantSplit reads the two parts side by side; nil, nil when
// the two reads saw different revisions.
func (s *Store) tenantSplit(ctx context.Context) (*numsync.Tenant, error) {
	var u, n tenantPart
	uerr := make(chan error, 1)
	go func() {
		uerr <- s.read(ctx, func(tx *sql.Tx) error { return u.readUsers(ctx, tx) })
	}()
	nerr := s.read(ctx, func(tx *sql.Tx) error { return n.readNumbers(ctx, tx) })
	if err := cmp.Or(<-uerr, nerr); err != nil {
		return nil, err
	}
	if u.revision != n.revision {
		return nil, nil
	}
	return join(&u, &n)
}

// tenantPart is what one read transaction of a snapshot found: the users
// and assignments, or the numbers and locations (about the same work at
// any size); with its own interner, so the two parts can be read at once.
type tenantPart struct {
	revision   int64
	in         interner
	t          numsync.Tenant
	userKeys   []string // the users' UPN keys, row by row
	holderKeys []string // the assignments' UPN keys, row by row
}

func (p *tenantPart) readUsers(ctx context.Context, tx *sql.Tx) error {
	var err error
	if p.revision, err = revision(ctx, tx); err != nil {
		return err
	}
	p.in = interner{}
	err = scanAll(ctx, tx, &p.t.Users, "users", `SELECT upn_key, upn, display_name, mail, object_id, dn, kind, usage_location,
		enabled, licenses, onprem_line, source, absent, enterprise_voice FROM users ORDER BY upn_key`,
		func(r *sql.Rows) (numsync.User, error) {
			var u numsync.User
			var key, lic string
			err := r.Scan(&key, &u.UPN, &u.DisplayName, &u.Mail, &u.ObjectID, &u.DN, &u.Kind, &u.UsageLocation,
				&u.Enabled, &lic, &u.OnPremLine, &u.Source, &u.Absent, &u.EnterpriseVoice)
			u.Licenses = internList[numsync.License](p.in, lic)
			u.Kind, u.UsageLocation, u.Source = numsync.UserKind(p.in.of(string(u.Kind))), p.in.of(u.UsageLocation), p.in.of(u.Source)
			p.userKeys = append(p.userKeys, key)
			return u, err
		})
	if err != nil {
		return err
	}
	return scanAll(ctx, tx, &p.t.Assignments, "assignments", "SELECT upn_key, category, e164, ext FROM assignments ORDER BY upn_key, category",
		func(r *sql.Rows) (numsync.Assignment, error) {
			var a numsync.Assignment
			var key string
			err := r.Scan(&key, &a.Category, &a.Number.E164, &a.Number.Ext)
			a.Category = numsync.Category(p.in.of(string(a.Category)))
			p.holderKeys = append(p.holderKeys, key)
			return a, err
		})
}

func (p *tenantPart) readNumbers(ctx context.Context, tx *sql.Tx) error {
	var err error
	if p.revision, err = revision(ctx, tx); err != nil {
		return err
	}
	p.in = interner{}
	in := p.in
	if err := scanAll(ctx, tx, &p.t.Numbers, "numbers", `SELECT e164, ext, type, country, capabilities, location_id,
		location_update_supported, operator, source, activation_state, released_at,
		outside_id, outside_type, outside_category FROM numbers ORDER BY e164, ext`,
		func(r *sql.Rows) (numsync.InventoryNumber, error) {
			var n numsync.InventoryNumber
			var caps string
			var rel sql.NullString
			if err := r.Scan(&n.E164, &n.Ext, &n.Type, &n.Country, &caps, &n.LocationID,
				&n.LocationUpdateSupported, &n.Operator, &n.Source, &n.ActivationState, &rel,
				&n.Outside.ID, &n.Outside.Type, &n.Outside.Category); err != nil {
				return n, err
			}
			n.Capabilities = internList[numsync.Capability](in, caps)
			n.Type, n.Country, n.LocationID = numsync.NumberType(in.of(string(n.Type))), in.of(n.Country), in.of(n.LocationID)
			n.Operator, n.Source, n.ActivationState = in.of(n.Operator), in.of(n.Source), in.of(n.ActivationState)
			n.Outside.Type, n.Outside.Category = in.of(n.Outside.Type), numsync.Category(in.of(string(n.Outside.Category)))
			var err error
			n.ReleasedAt, err = parseTime(rel)
			return n, err
		}); err != nil {
		return err
	}
	return scanAll(ctx, tx, &p.t.Locations, "locations", `SELECT id, description, country, company_name, house_number,
		street_name, city, state_or_prov, postal_code FROM locations ORDER BY id`,
		func(r *sql.Rows) (numsync.EmergencyLocation, error) {
			var l numsync.EmergencyLocation
			err := r.Scan(&l.ID, &l.Description, &l.Country, &l.CompanyName, &l.HouseNumber,
				&l.StreetName, &l.City, &l.StateOrProv, &l.PostalCode)
			return l, err
		})
}

// join makes one tenant of the two parts of a snapshot. An assignment's
// UPN, type and location come from the user and number it names: joining
// in Go is several times cheaper than two index lookups per row in
// SQLite. Users are in upn_key order and numbers in (e164, ext) order,
// both byte order (BINARY collation), so a binary search finds them
// without a map over the tenant; the assignment shares their strings.
func join(users, numbers *tenantPart) (*numsync.Tenant, error) {
	// A copy, so that the parts' keys and interners are garbage once
	// joined.
	t := new(numsync.Tenant)
	*t = numbers.t
	t.Revision, t.Users, t.Assignments = numbers.revision, users.t.Users, users.t.Assignments
	for i := range t.Assignments {
		a := &t.Assignments[i]
		u, uok := slices.BinarySearch(users.userKeys, users.holderKeys[i])
		n, nok := sort.Find(len(t.Numbers), func(j int) int {
			return a.Number.Compare(t.Numbers[j].Number)
		})
		if !uok || !nok {
			// The foreign keys make this impossible in one snapshot.
			return nil, fmt.Errorf("assignment of %s to %s names a missing user or number", a.Number, users.holderKeys[i])
		}
		a.UPN = t.Users[u].UPN
		a.Number = t.Numbers[n].Number
		a.Type = t.Numbers[n].Type
		a.LocationID = t.Numbers[n].LocationID
	}
	return t, nil
}

// interner keeps one copy of each value of the columns that repeat a few
// values on every row (types, countries, sources, location ids, licences):
// a snapshot of a large tenant then holds one string per distinct value,
// not one per row.
type interner map[string]string

func (in interner) of(s string) string {
	if v, ok := in[s]; ok {
		return v
	}
	in[s] = s
	return s
}

// internList is splitList with each element interned.
func internList[T ~string](in interner, s string) []T {
	xs := splitList[T](s)
	for i, x := range xs {
		xs[i] = T(in.of(string(x)))
	}
	return xs
}

// scanAll appends the rows of one query to dst, sized from a count in the
// same snapshot so a million-row table is not grown by doubling.
func scanAll[T any](ctx context.Context, tx *sql.Tx, dst *[]T, table, query string, scan func(*sql.Rows) (T, error)) error {
	var n int
	// table is one of our own names, never input.
	if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM "+table).Scan(&n); err != nil {
		return fmt.Errorf("count %s: %w", table, err)
	}
	*dst = make([]T, 0, n)
	rows, err := tx.QueryContext(ctx, query)
	if err != nil {
		return fmt.Errorf("read %s: %w", table, err)
	}
	defer rows.Close()
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return fmt.Errorf("read %s: %w", table, err)
		}
		*dst = append(*dst, v)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read %s: %w", table, err)
	}
	return nil
}
