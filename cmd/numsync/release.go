package main

import (
	"context"
	"fmt"
	"time"
)

func init() {
	register(&command{name: "release", args: "NUMBER|RANGE...", summary: "end the reservations of numbers (or of a range's numbers)", run: runRelease})
}

func runRelease(ctx context.Context, e *env, args []string) error {
	fs := e.flags("release", "[--actor NAME] NUMBER|RANGE...")
	actor := fs.String("actor", "", "who releases, for the log (default: actor from the config, else the system user)")
	if err := parse(fs, args, 1, -1); err != nil {
		return err
	}
	st, err := e.store(ctx)
	if err != nil {
		return err
	}
	t, err := st.Tenant(ctx)
	if err != nil {
		return err
	}
	numbers, err := e.reservationTargets(t, fs.Args(), false)
	if err != nil {
		return err
	}
	released, err := st.Release(ctx, numbers, e.actorName(*actor), time.Now())
	if err != nil {
		return err
	}
	for _, r := range released {
		fmt.Fprintf(e.stdout, "released %s (was %s)\n", r.Number, r.Describe())
	}
	fmt.Fprintf(e.stdout, "%d of %d numbers released (%d had no reservation)\n", len(released), len(numbers), len(numbers)-len(released))
	return nil
}
