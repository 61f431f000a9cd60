// Command pgserver runs a throwaway PostgreSQL cluster for scripts/bench:
// it starts one (as internal/pgtest does for the tests, but syncing its
// commits to disk as a production server would), writes the password to
// -password-file, prints the URL of each of -dbs new databases on a line
// of its own, and stops the cluster and removes its files when stdin
// closes or on SIGTERM/SIGINT.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/numsync/numsync/internal/pgtest"
)

func main() {
	dbs := flag.Int("dbs", 1, "how many empty databases to create")
	pwFile := flag.String("password-file", "", "file to write the password of the databases' user to (mode 0600)")
	flag.Parse()
	if err := run(*dbs, *pwFile); err != nil {
		fmt.Fprintln(os.Stderr, "pgserver:", err)
		os.Exit(1)
	}
}

func run(dbs int, pwFile string) error {
	if pwFile == "" {
		return fmt.Errorf("-password-file is required")
	}
	if err := os.WriteFile(pwFile, []byte(pgtest.Password+"\n"), 0o600); err != nil {
		return err
	}
	s, err := pgtest.Start(true)
	if err != nil {
		return err
	}
	defer s.Stop()
	for range dbs {
		name, err := s.NewDatabase(context.Background())
		if err != nil {
			return err
		}
		fmt.Println(s.URL(name))
	}
	done := make(chan struct{})
	go func() {
		_, _ = io.Copy(io.Discard, os.Stdin)
		close(done)
	}()
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
	select {
	case <-done:
	case <-sig:
	}
	return nil
}
