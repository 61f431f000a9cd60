package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"text/tabwriter"

	"github.com/numsync/numsync/planner"
	"github.com/numsync/numsync/store"
)

func init() {
	register(&command{name: "store migrate", args: "--to postgres://USER@HOST/DB [--password-env VAR | --password-file FILE]",
		summary: "copy the SQLite store into an empty PostgreSQL database, every revision, run and audit entry, and verify the copy", run: runStoreMigrate})
}

func runStoreMigrate(ctx context.Context, e *env, args []string) error {
	fs := e.flags("store migrate", "--to postgres://USER@HOST/DB [--password-env VAR | --password-file FILE]")
	var to StoreConfig
	fs.StringVar(&to.URL, "to", "", "the PostgreSQL database to copy into (a URL without password; sslmode verify-full unless it says otherwise)")
	fs.StringVar(&to.PasswordEnv, "password-env", "", "environment variable holding the database password (else PGPASSWORD or ~/.pgpass)")
	fs.StringVar(&to.PasswordFile, "password-file", "", "file holding the database password")
	if err := parse(fs, args, 0, 0); err != nil {
		return err
	}
	if to.URL == "" {
		return usageErr(errors.New("store migrate: --to is missing"), "name the new database: --to postgres://numsync@db.example.com/numsync")
	}
	if err := to.validate(); err != nil {
		return usageErr(fmt.Errorf("store migrate: --to: %w", err), "put the password in an environment variable or a file and name it with --password-env or --password-file")
	}
	if e.cfg.Store.URL != "" {
		return usageErr(errors.New("store migrate: the configured store is already on PostgreSQL"), "run it with the config of the SQLite store (store.path)")
	}
	from, err := e.store(ctx)
	if err != nil {
		return err
	}
	// No one writes to the SQLite store while it is copied: what changed
	// after the copy's snapshot would be lost.
	host, _ := os.Hostname()
	release, err := planner.Hold(ctx, from, planner.ApplyOptions{
		LockHolder: fmt.Sprintf("numsync store migrate (pid %d on %s)", os.Getpid(), host), LockTTL: e.cfg.Store.LockTTL})
	if err != nil {
		return err
	}
	defer release()
	target, err := (&Config{Store: to}).openStore(ctx, true)
	if err != nil {
		return fmt.Errorf("store migrate: %w", err)
	}
	defer target.Close()
	rev, err := from.Revision(ctx)
	if err != nil {
		return err
	}
	copied, err := store.Copy(ctx, from, target)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "copied %s (revision %d) to %s; each table read back and verified:\n", from, rev, target)
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	for _, c := range copied {
		fmt.Fprintf(tw, "  %s\t%d rows\tsha256 %s\n", c.Table, c.Rows, c.TargetDigest)
	}
	tw.Flush()
	fmt.Fprintf(e.stdout, "to use it, set store.url: %s and store.password_env or store.password_file in the config\n", target)
	return nil
}
