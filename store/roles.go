package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	"numsync"
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

// RoleGrants returns every grant, sorted by principal (without case) and role.
func (s *Store) RoleGrants(ctx context.Context) ([]numsync.RoleGrant, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT principal, role FROM roles ORDER BY principal_key, role")
	if err != nil {
		return nil, fmt.Errorf("list roles: %w", err)
	}
	defer rows.Close()
	var grants []numsync.RoleGrant
	for rows.Next() {
		var g numsync.RoleGrant
		if err := rows.Scan(&g.Principal, &g.Role); err != nil {
			return nil, fmt.Errorf("list roles: %w", err)
		}
		grants = append(grants, g)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list roles: %w", err)
	}
	return grants, nil
}
