package store

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"sort"
	"strings"

	"numsync"
)

// Tenant returns a consistent snapshot of the whole tenant: every list is
// read in one read transaction, one query each, in key order (users by
// lower-case UPN, numbers by number and extension, locations by id,
// assignments by UPN and category) so that plans made from it are
// deterministic.
func (s *Store) Tenant(ctx context.Context) (*numsync.Tenant, error) {
	t := &numsync.Tenant{}
	// An assignment's UPN, type and location come from the user and number
	// just read: joining in Go is several times cheaper than two index
	// lookups per row in SQLite. Users come in upn_key order and numbers in
	// (e164, ext) order, both byte order (BINARY collation), so a binary
	// search finds them without a map over the tenant.
	var userKeys []string
	in := interner{}
	err := s.read(ctx, func(tx *sql.Tx) error {
		var err error
		if t.Revision, err = revision(ctx, tx); err != nil {
			return err
		}
		if err := scanAll(ctx, tx, &t.Users, "users", `SELECT upn_key, upn, display_name, mail, object_id, dn, kind, usage_location,
			enabled, licenses, onprem_line, source, absent, enterprise_voice FROM users ORDER BY upn_key`,
			func(r *sql.Rows) (numsync.User, error) {
				var u numsync.User
				var key, lic string
				err := r.Scan(&key, &u.UPN, &u.DisplayName, &u.Mail, &u.ObjectID, &u.DN, &u.Kind, &u.UsageLocation,
					&u.Enabled, &lic, &u.OnPremLine, &u.Source, &u.Absent, &u.EnterpriseVoice)
				u.Licenses = internList[numsync.License](in, lic)
				u.Kind, u.UsageLocation, u.Source = numsync.UserKind(in.of(string(u.Kind))), in.of(u.UsageLocation), in.of(u.Source)
				userKeys = append(userKeys, key)
				return u, err
			}); err != nil {
			return err
		}
		if err := scanAll(ctx, tx, &t.Numbers, "numbers", `SELECT e164, ext, type, country, capabilities, location_id,
			location_update_supported, operator, source, activation_state, released_at FROM numbers ORDER BY e164, ext`,
			func(r *sql.Rows) (numsync.InventoryNumber, error) {
				var n numsync.InventoryNumber
				var caps string
				var rel sql.NullString
				if err := r.Scan(&n.E164, &n.Ext, &n.Type, &n.Country, &caps, &n.LocationID,
					&n.LocationUpdateSupported, &n.Operator, &n.Source, &n.ActivationState, &rel); err != nil {
					return n, err
				}
				n.Capabilities = internList[numsync.Capability](in, caps)
				n.Type, n.Country, n.LocationID = numsync.NumberType(in.of(string(n.Type))), in.of(n.Country), in.of(n.LocationID)
				n.Operator, n.Source, n.ActivationState = in.of(n.Operator), in.of(n.Source), in.of(n.ActivationState)
				var err error
				n.ReleasedAt, err = parseTime(rel)
				return n, err
			}); err != nil {
			return err
		}
		if err := scanAll(ctx, tx, &t.Locations, "locations", `SELECT id, description, country, company_name, house_number,
			street_name, city, state_or_prov, postal_code FROM locations ORDER BY id`,
			func(r *sql.Rows) (numsync.EmergencyLocation, error) {
				var l numsync.EmergencyLocation
				err := r.Scan(&l.ID, &l.Description, &l.Country, &l.CompanyName, &l.HouseNumber,
					&l.StreetName, &l.City, &l.StateOrProv, &l.PostalCode)
				return l, err
			}); err != nil {
			return err
		}
		return scanAll(ctx, tx, &t.Assignments, "assignments", "SELECT upn_key, category, e164, ext FROM assignments ORDER BY upn_key, category",
			func(r *sql.Rows) (numsync.Assignment, error) {
				var a numsync.Assignment
				var key string
				if err := r.Scan(&key, &a.Category, &a.Number.E164, &a.Number.Ext); err != nil {
					return a, err
				}
				u, uok := slices.BinarySearch(userKeys, key)
				n, nok := sort.Find(len(t.Numbers), func(i int) int {
					return cmp.Or(strings.Compare(a.Number.E164, t.Numbers[i].E164), strings.Compare(a.Number.Ext, t.Numbers[i].Ext))
				})
				if !uok || !nok {
					// The foreign keys make this impossible in one snapshot.
					return a, fmt.Errorf("assignment of %s to %s names a missing user or number", a.Number, key)
				}
				a.UPN = t.Users[u].UPN
				a.Number = t.Numbers[n].Number
				a.Category = numsync.Category(in.of(string(a.Category)))
				a.Type = t.Numbers[n].Type
				a.LocationID = t.Numbers[n].LocationID
				return a, nil
			})
	})
	if err != nil {
		return nil, fmt.Errorf("read tenant: %w", err)
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
