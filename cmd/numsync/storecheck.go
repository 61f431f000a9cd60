package main

import (
	"context"
	"fmt"
)

func init() {
	register(&command{name: "store check", summary: "check the whole store file for damage (SQLite's integrity check)", run: runStoreCheck})
}

func runStoreCheck(ctx context.Context, e *env, args []string) error {
	if err := parse(e.flags("store check", ""), args, 0, 0); err != nil {
		return err
	}
	st, err := e.store(ctx)
	if err != nil {
		return err
	}
	if err := st.Check(ctx, false); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "store %s: ok, no damage found\n", e.cfg.resolve(e.cfg.Store.Path))
	return nil
}
