package main

import (
	"context"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/numsync/numsync/importer"
	"github.com/numsync/numsync/reports"
)

func init() {
	register(&command{name: "reservations", summary: "list the reservations (lapsed ones too); --log for every change", run: runReservations})
	register(&command{name: "reservations export", args: "FILE", summary: "write the reservations as CSV", run: runReservationsExport})
	register(&command{name: "reservations import", args: "FILE", summary: "reserve the numbers a CSV file lists (all or none)", run: runReservationsImport})
}

func runReservations(ctx context.Context, e *env, args []string) error {
	fs := e.flags("reservations", "[--log]")
	log := fs.Bool("log", false, "list every reserve and release, oldest first, instead")
	if err := parse(fs, args, 0, 0); err != nil {
		return err
	}
	st, err := e.store(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	defer tw.Flush()
	if *log {
		changes, err := st.ReservationLog(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintln(tw, "at\tactor\taction\tnumber\treservation\t")
		for _, c := range changes {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t\n", c.At.UTC().Format(time.RFC3339), c.Actor, c.Action, c.Reservation.Number, c.Reservation.Describe())
		}
		return nil
	}
	rs, err := st.Reservations(ctx)
	if err != nil {
		return err
	}
	if len(rs) == 0 {
		fmt.Fprintln(e.stdout, "no reservations: keep numbers with 'numsync reserve NUMBER|RANGE --for UPN'")
		return nil
	}
	now := time.Now()
	fmt.Fprintln(tw, "number\tfor\tnote\tuntil\tstatus\tby\t")
	for _, r := range rs {
		until := "-"
		if !r.Until.IsZero() {
			until = r.Until.UTC().Format(time.RFC3339)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t\n", r.Number, orNone(r.UPN), orNone(r.Note), until, reports.ReservationStatus(r, now), r.By)
	}
	return nil
}

func runReservationsExport(ctx context.Context, e *env, args []string) error {
	fs := e.flags("reservations export", "FILE")
	if err := parse(fs, args, 1, 1); err != nil {
		return err
	}
	st, err := e.store(ctx)
	if err != nil {
		return err
	}
	rs, err := st.Reservations(ctx)
	if err != nil {
		return err
	}
	if err := reports.WriteReservationsCSV(fs.Arg(0), rs, time.Now()); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "%d reservations written to %s\n", len(rs), fs.Arg(0))
	return nil
}

func runReservationsImport(ctx context.Context, e *env, args []string) error {
	fs := e.flags("reservations import", "[--actor NAME] FILE")
	actor := fs.String("actor", "", "who reserves, for the log (default: actor from the config, else the system user)")
	if err := parse(fs, args, 1, 1); err != nil {
		return err
	}
	rs, err := importer.ReadReservations(fs.Arg(0))
	if err != nil {
		return usageErr(err, "fix the row; columns: Number, ReservedFor, Note, Until")
	}
	st, err := e.store(ctx)
	if err != nil {
		return err
	}
	changed, err := st.Reserve(ctx, rs, e.actorName(*actor), time.Now())
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "%d of %d reservations made or changed\n", changed, len(rs))
	return nil
}
