package main

import (
	"context"
	"fmt"
)

func init() {
	register(&command{name: "init", summary: "create the store (or bring its schema up to date)", run: runInit})
}

func runInit(ctx context.Context, e *env, args []string) error {
	fs := e.flags("init", "")
	if err := parse(fs, args, 0, 0); err != nil {
		return err
	}
	st, err := e.cfg.openStore(ctx, true)
	if err != nil {
		return err
	}
	e.st = st
	if _, err := e.writableStore(ctx); err != nil {
		return err
	}
	rev, err := st.Revision(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "store %s ready at revision %d\n", e.cfg.storeName(), rev)
	return nil
}
