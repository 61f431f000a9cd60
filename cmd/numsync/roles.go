package main

import (
	"context"
	"fmt"

	"github.com/numsync/numsync"
)

func init() {
	register(&command{name: "roles grant", args: "PRINCIPAL ROLE", summary: "give an actor one of the admin roles that may apply plans", run: runRoleChange(true)})
	register(&command{name: "roles revoke", args: "PRINCIPAL ROLE", summary: "take an admin role away", run: runRoleChange(false)})
	register(&command{name: "roles list", summary: "list who holds which admin role", run: runRolesList})
}

func runRoleChange(grant bool) func(context.Context, *env, []string) error {
	verb := map[bool]string{true: "grant", false: "revoke"}[grant]
	return func(ctx context.Context, e *env, args []string) error {
		fs := e.flags("roles "+verb, "PRINCIPAL ROLE")
		if err := parse(fs, args, 2, 2); err != nil {
			return err
		}
		role, err := numsync.ParseRole(fs.Arg(1))
		if err != nil {
			return usageErr(err, "")
		}
		st, err := e.writableStore(ctx)
		if err != nil {
			return err
		}
		g := numsync.RoleGrant{Principal: fs.Arg(0), Role: role}
		change := st.RevokeRole
		if grant {
			change = st.GrantRole
		}
		changed, err := change(ctx, g)
		if err != nil {
			return fmt.Errorf("%s role: %w", verb, err)
		}
		switch {
		case !changed:
			fmt.Fprintf(e.stdout, "%s: nothing to change\n", g.Principal)
		case grant:
			fmt.Fprintf(e.stdout, "%s now holds %s\n", g.Principal, g.Role)
		default:
			fmt.Fprintf(e.stdout, "%s no longer holds %s\n", g.Principal, g.Role)
		}
		return nil
	}
}

func runRolesList(ctx context.Context, e *env, args []string) error {
	if err := parse(e.flags("roles list", ""), args, 0, 0); err != nil {
		return err
	}
	st, err := e.store(ctx)
	if err != nil {
		return err
	}
	grants, err := st.RoleGrants(ctx)
	if err != nil {
		return err
	}
	if len(grants) == 0 {
		fmt.Fprintln(e.stdout, "no one holds an admin role: grant one with 'numsync roles grant PRINCIPAL TeamsTelephonyAdministrator'")
	}
	for _, g := range grants {
		from := ""
		if g.FromDirectory {
			from = "\t(directory group)"
		}
		fmt.Fprintf(e.stdout, "%s\t%s%s\n", g.Principal, g.Role, from)
	}
	return nil
}
