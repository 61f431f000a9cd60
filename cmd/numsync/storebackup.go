package main

import (
	"context"
	"fmt"
)

func init() {
	register(&command{name: "store backup", args: "FILE", summary: "copy the store to a new FILE while it stays in use (SQLite online backup)", run: runStoreBackup})
}

func runStoreBackup(ctx context.Context, e *env, args []string) error {
	fs := e.flags("store backup", "FILE")
	if err := parse(fs, args, 1, 1); err != nil {
		return err
	}
	st, err := e.store(ctx)
	if err != nil {
		return err
	}
	rev, err := st.Revision(ctx)
	if err != nil {
		return err
	}
	if err := st.Backup(ctx, fs.Arg(0)); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "store %s backed up to %s (revision %d or later, checked)\n", e.cfg.storeName(), fs.Arg(0), rev)
	return nil
}
