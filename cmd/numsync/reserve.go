package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/user"
	"strings"
	"time"

	"github.com/numsync/numsync"
	"github.com/numsync/numsync/store"
)

func init() {
	register(&command{name: "reserve", args: "NUMBER|RANGE...", summary: "keep numbers (or a range's free numbers) for one identity or a purpose", run: runReserve})
}

func runReserve(ctx context.Context, e *env, args []string) error {
	fs := e.flags("reserve", "--for UPN | --note TEXT [--until DATE] [--actor NAME] NUMBER|RANGE...")
	upn := fs.String("for", "", "the identity the numbers are kept for")
	note := fs.String("note", "", "what the numbers are kept for (with or without --for)")
	until := fs.String("until", "", "last day of the reservation (2026-12-31) or an RFC 3339 time; default: until released")
	actor := fs.String("actor", "", "who reserves, for the log (default: actor from the config, else the system user)")
	if err := parse(fs, args, 1, -1); err != nil {
		return err
	}
	if *upn == "" && *note == "" {
		return usageErr(errors.New("say whom or what the numbers are for"), "give --for UPN, --note TEXT, or both")
	}
	end, err := numsync.ParseUntil(*until)
	if err != nil {
		return usageErr(fmt.Errorf("--until: %w", err), "")
	}
	now := time.Now()
	if !end.IsZero() && !end.After(now) {
		return usageErr(fmt.Errorf("--until %s is in the past", *until), "give a later date, or none")
	}
	st, err := e.store(ctx)
	if err != nil {
		return err
	}
	t, err := st.Tenant(ctx)
	if err != nil {
		return err
	}
	numbers, err := e.reservationTargets(t, fs.Args(), true)
	if err != nil {
		return err
	}
	x := numsync.NewTenantIndex(t)
	if *upn != "" && x.User(numsync.UPNKey(*upn)) == nil {
		fmt.Fprintf(e.stderr, "numsync: warning: %s is not in the directory (yet); the numbers wait for it all the same\n", *upn)
	}
	rs := make([]numsync.Reservation, len(numbers))
	for i, n := range numbers {
		rs[i] = numsync.Reservation{Number: n, UPN: strings.TrimSpace(*upn), Note: *note, Until: end}
		switch h := x.Holder(n); {
		case h != nil && !rs[i].For(h.UPN):
			fmt.Fprintf(e.stderr, "numsync: warning: %s is held by %s; the reservation counts once it is free\n", n, h.UPN)
		case h == nil && x.Taken(n):
			fmt.Fprintf(e.stderr, "numsync: warning: %s is held by %s; the reservation counts once it is free\n", n, x.Number(n).Outside)
		}
	}
	changed, err := st.Reserve(ctx, rs, e.actorName(*actor), now)
	var re *store.ReservedError
	if errors.As(err, &re) {
		return usageErr(err, "release it first with 'numsync release "+re.Held.Number+"', or choose another number")
	}
	if err != nil {
		return err
	}
	what := "reserved"
	if len(rs) > 0 {
		what = rs[0].Describe()
	}
	fmt.Fprintf(e.stdout, "%d of %d numbers %s (%d already were)\n", changed, len(rs), what, len(rs)-changed)
	return nil
}

// reservationTargets turns arguments into numbers: an E.164 number of the
// inventory, or the name of a configured range for its numbers that fit
// it (only the unassigned ones when freeOnly).
func (e *env) reservationTargets(t *numsync.Tenant, args []string, freeOnly bool) ([]string, error) {
	ranges, err := e.cfg.ranges()
	if err != nil {
		return nil, err
	}
	x := numsync.NewTenantIndex(t)
	var out []string
	for _, a := range args {
		if n, err := numsync.ParseNumber(a, ""); err == nil && n.Ext == "" {
			out = append(out, n.E164)
			continue
		}
		i := -1
		for j, r := range ranges {
			if strings.EqualFold(r.Name, a) {
				i = j
			}
		}
		if i < 0 {
			return nil, usageErr(fmt.Errorf("%q is neither a number in E.164 nor a configured range", a), "write +14255550101, or a range name from 'numsync ranges'")
		}
		for _, n := range numsync.RangeMembers(t, ranges[i:i+1])[0] {
			if ranges[i].Fits(n) && (!freeOnly || !x.Taken(n.String())) {
				out = append(out, n.E164)
			}
		}
	}
	return out, nil
}

// actorName is who a change is logged as: the flag, the configured actor,
// else the system user.
func (e *env) actorName(flag string) string {
	if flag != "" {
		return flag
	}
	if e.cfg.Actor != "" {
		return e.cfg.Actor
	}
	if u, err := user.Current(); err == nil {
		host, _ := os.Hostname()
		return u.Username + "@" + host
	}
	return "unknown"
}
