package main

import (
	"context"
	"fmt"
)

func init() {
	register(&command{name: "store check", args: "[--quick]", summary: "check the whole store file for damage (SQLite's integrity check)", run: runStoreCheck})
}

func runStoreCheck(ctx context.Context, e *env, args []string) error {
	fs := e.flags("store check", "[--quick]")
	quick := fs.Bool("quick", false, "only the quick check that commands run before they write (no index cross-check)")
	if err := parse(fs, args, 0, 0); err != nil {
		return err
	}
	st, err := e.store(ctx)
	if err != nil {
		return err
	}
	if err := st.Check(ctx, *quick); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "store %s: ok, no damage found\n", e.cfg.storeName())
	return nil
}
