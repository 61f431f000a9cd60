package store

import (
	"context"
	"database/sql"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/numsync/numsync"
)

// GrantRole gives g.Principal the role g.Role (rule R15), reporting whether
// that changed anything; principals are compared without case. A grant
// raises the store revision.
func (s *Store) GrantRole(ctx context.Context, g numsync.RoleGrant) (bool, error) {
	return s.changeRole(ctx, g, "grant", func(tx *sql.Tx, key, principal string) (sql.Result, error) {
		return tx.ExecContext(ctx, `INSERT INTO roles (principal_key, principal, role, granted_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (principal_key, role) DO NOTHING`, key, principal, string(g.Role), dbTime(time.Now()))
	})
}

// RevokeRole takes the role g.Role from g.Principal, reporting whether it
// was held. A revocation raises the store revision.
func (s *Store) RevokeRole(ctx context.Context, g numsync.RoleGrant) (bool, error) {
	return s.changeRole(ctx, g, "revoke", func(tx *sql.Tx, key, _ string) (sql.Result, error) {
		return tx.ExecContext(ctx, "DELETE FROM roles WHERE principal_key = ? AND role = ?", key, string(g.Role))
	})
}

// changeRole validates g and runs exec in a write transaction, raising the
// revision when exec changed a row.
func (s *Store) changeRole(ctx context.Context, g numsync.RoleGrant, verb string, exec func(tx *sql.Tx, key, principal string) (sql.Result, error)) (bool, error) {
	principal := strings.TrimSpace(g.Principal)
	if principal == "" {
		return false, fmt.Errorf("%s role: no principal given", verb)
	}
	if !slices.Contains(numsync.Roles, g.Role) {
		return false, fmt.Errorf("%s role: unknown role %q (want one of %s, %s, %s)", verb, g.Role,
			numsync.RoleTeamsAdmin, numsync.RoleTeamsCommsAdmin, numsync.RoleTeamsTelephonyAdmin)
	}
	var changed bool
	err := s.write(ctx, func(tx *sql.Tx) error {
		n, err := affected(exec(tx, strings.ToLower(principal), principal))
		if err != nil || n == 0 {
			return err
		}
		changed = true
		_, err = bump(ctx, tx)
		return err
	})
	if err != nil {
		return false, fmt.Errorf("%s role %s to %s: %w", verb, g.Role, principal, err)
	}
	return changed, nil
}

// RoleGrants returns every grant, those made by hand and those of the
// directory, sorted by principal (without case), role and source.
func (s *Store) RoleGrants(ctx context.Context) ([]numsync.RoleGrant, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT principal, role, 0 AS dir, principal_key FROM roles
		UNION ALL SELECT principal, role, 1, principal_key FROM directory_roles ORDER BY 4, 2, 3`)
	if err != nil {
		return nil, fmt.Errorf("list roles: %w", err)
	}
	defer rows.Close()
	var grants []numsync.RoleGrant
	for rows.Next() {
		var g numsync.RoleGrant
		var key string
		if err := rows.Scan(&g.Principal, &g.Role, &g.FromDirectory, &key); err != nil {
			return nil, fmt.Errorf("list roles: %w", err)
		}
		grants = append(grants, g)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list roles: %w", err)
	}
	return grants, nil
}

// SetDirectoryRoles replaces the grants of the directory. A change raises
// the store revision, as a grant by hand does: who may apply has changed.
func (s *Store) SetDirectoryRoles(ctx context.Context, grants []numsync.RoleGrant) (bool, error) {
	want := map[[2]string]string{}
	for _, g := range grants {
		p := strings.TrimSpace(g.Principal)
		if p == "" || !slices.Contains(numsync.Roles, g.Role) {
			return false, fmt.Errorf("directory roles: bad grant %q %q", g.Principal, g.Role)
		}
		want[[2]string{strings.ToLower(p), string(g.Role)}] = p
	}
	var changed bool
	err := s.write(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, "SELECT principal_key, role, principal FROM directory_roles")
		if err != nil {
			return err
		}
		have := map[[2]string]string{}
		for rows.Next() {
			var k [2]string
			var p string
			if err := rows.Scan(&k[0], &k[1], &p); err != nil {
				rows.Close()
				return err
			}
			have[k] = p
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if maps.Equal(have, want) {
			return nil
		}
		changed = true
		if _, err := tx.ExecContext(ctx, "DELETE FROM directory_roles"); err != nil {
			return err
		}
		for k, p := range want {
			if _, err := tx.ExecContext(ctx, "INSERT INTO directory_roles (principal_key, principal, role) VALUES (?, ?, ?)", k[0], p, k[1]); err != nil {
				return err
			}
		}
		_, err = bump(ctx, tx)
		return err
	})
	if err != nil {
		return false, fmt.Errorf("directory roles: %w", err)
	}
	return changed, nil
}
