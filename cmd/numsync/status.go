package main

import (
	"context"
	"fmt"
	"sort"
	"text/tabwriter"
	"time"

	"github.com/numsync/numsync"
)

func init() {
	register(&command{name: "status", summary: "show numbers by type, country and state, users, locations and the store revision", run: runStatus})
}

func runStatus(ctx context.Context, e *env, args []string) error {
	if err := parse(e.flags("status", ""), args, 0, 0); err != nil {
		return err
	}
	st, err := e.store(ctx)
	if err != nil {
		return err
	}
	// The quick check costs a fraction of reading the snapshot, and a
	// status that reads a damaged store as well would be a lie.
	if err := st.Check(ctx, true); err != nil {
		return err
	}
	t, err := st.Tenant(ctx)
	if err != nil {
		return err
	}
	printStatus(e, t, time.Now())
	obs, err := st.Observed(ctx)
	if err != nil {
		return err
	}
	printObserved(e, t, obs)
	res, err := st.Reservations(ctx)
	if err != nil {
		return err
	}
	if len(res) > 0 {
		active := len(numsync.ActiveReservations(res, time.Now()))
		fmt.Fprintf(e.stdout, "reservations: %d active, %d lapsed (numsync reservations lists them)\n", active, len(res)-active)
	}
	exports, err := st.Exports(ctx)
	if err != nil {
		return err
	}
	for _, x := range exports {
		written := "at an unknown time"
		if !x.Written.IsZero() {
			written = x.Written.UTC().Format(time.RFC3339)
		}
		fmt.Fprintf(e.stdout, "%s export: written %s, loaded %s\n", x.Name, written, x.Loaded.UTC().Format(time.RFC3339))
	}
	waiting, err := st.OutboxLen(ctx)
	if err != nil {
		return err
	}
	if waiting > 0 {
		fmt.Fprintf(e.stdout, "notifications waiting to be sent: %d\n", waiting)
	}
	if err := printUnfinished(ctx, e.stdout, st); err != nil {
		return err
	}
	runs, err := st.Runs(ctx, 1)
	if err != nil {
		return err
	}
	if len(runs) > 0 {
		r := runs[0]
		fmt.Fprintf(e.stdout, "last run: %s %s by %s at %s\n", r.ID, r.Status, orNone(r.Actor), r.Ended.UTC().Format(time.RFC3339))
	}
	return nil
}

// printStatus writes the status table of t.
func printStatus(e *env, t *numsync.Tenant, now time.Time) {
	var resources, disabled, onPrem, absent int
	for _, u := range t.Users {
		if u.Kind == numsync.KindResource {
			resources++
		}
		if !u.Enabled {
			disabled++
		}
		if u.OnPremLine != "" {
			onPrem++
		}
		if u.Absent {
			absent++
		}
	}
	states := t.NumberStates(now, e.cfg.Policy.QuarantineDays)
	type key struct {
		country string
		typ     numsync.NumberType
	}
	rows := map[key]map[numsync.NumberState]int{}
	total := map[numsync.NumberState]int{}
	outside := 0
	for _, n := range t.Numbers {
		if !n.Outside.IsZero() {
			outside++
		}
		k := key{n.Country, n.Type}
		if rows[k] == nil {
			rows[k] = map[numsync.NumberState]int{}
		}
		rows[k][states[n.String()]]++
		total[states[n.String()]]++
	}
	w := e.stdout
	fmt.Fprintf(w, "store %s at revision %d\n", e.cfg.storeName(), t.Revision)
	fmt.Fprintf(w, "users: %d (%d resource accounts, %d disabled, %d with an on-premises line, %d absent from the directory)\n",
		len(t.Users), resources, disabled, onPrem, absent)
	fmt.Fprintf(w, "emergency locations: %d\n", len(t.Locations))
	fmt.Fprintf(w, "numbers: %d (%d assigned, %d free, %d quarantined)\n", len(t.Numbers),
		total[numsync.StateAssigned], total[numsync.StateFree], total[numsync.StateQuarantined])
	if outside > 0 {
		held := fmt.Sprintf("%d assigned numbers are held by identities", outside)
		if outside == 1 {
			held = "1 assigned number is held by an identity"
		}
		fmt.Fprintf(w, "  %s outside the directory (see reconciliation.csv)\n", held)
	}
	if len(rows) == 0 {
		return
	}
	keys := make([]key, 0, len(rows))
	for k := range rows {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].country != keys[j].country {
			return keys[i].country < keys[j].country
		}
		return keys[i].typ < keys[j].typ
	})
	tw := tabwriter.NewWriter(w, 2, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "country\ttype\tassigned\tfree\tquarantined\t")
	for _, k := range keys {
		r := rows[k]
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t\n", k.country, k.typ, r[numsync.StateAssigned], r[numsync.StateFree], r[numsync.StateQuarantined])
	}
	_ = tw.Flush()
}

// maxDriftShown bounds the numbers status lists whose Teams state differs
// from the store's.
const maxDriftShown = 10

// printObserved compares what Teams last showed (obs) with what runs
// applied (t): the numbers whose holder differs, and those whose
// activation failed.
func printObserved(e *env, t *numsync.Tenant, obs []numsync.ObservedNumber) {
	if len(obs) == 0 {
		return
	}
	name := t.HolderNames()
	var last time.Time
	for _, o := range obs {
		if o.At.After(last) {
			last = o.At
		}
	}
	diffs := t.DiffObserved(obs)
	fmt.Fprintf(e.stdout, "teams: %d numbers as last read at %s, %d differ from what runs applied\n", len(obs), last.UTC().Format(time.RFC3339), len(diffs))
	for i, d := range diffs {
		if i == maxDriftShown {
			fmt.Fprintf(e.stdout, "  … and %d more\n", len(diffs)-maxDriftShown)
			break
		}
		o, store := d.Observed, d.DesiredUPN
		if store == "" {
			store = "(free)"
		}
		if teams := name(o.HolderID); teams != store {
			fmt.Fprintf(e.stdout, "  %s: store %s, Teams %s\n", o.Number, store, teams)
		} else {
			fmt.Fprintf(e.stdout, "  %s: %s in the store, activation failed in Teams\n", o.Number, store)
		}
	}
}
