package main

import (
	"context"
	"fmt"

	"github.com/numsync/numsync/store"
)

func init() {
	register(&command{name: "init", summary: "create the store (or bring its schema up to date)", run: runInit})
}

func runInit(ctx context.Context, e *env, args []string) error {
	fs := e.flags("init", "")
	if err := parse(fs, args, 0, 0); err != nil {
		return err
	}
	st, err := store.Open(ctx, e.cfg.resolve(e.cfg.Store.Path))
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
	fmt.Fprintf(e.stdout, "store %s ready at revision %d\n", e.cfg.resolve(e.cfg.Store.Path), rev)
	return nil
}
