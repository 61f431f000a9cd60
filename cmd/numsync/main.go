// Command numsync keeps an organisation's Teams phone numbers in the state
// its administrators wrote down. See the README for the commands.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	os.Exit(Main())
}

// Main runs the command line in os.Args and returns the exit code.
//
// Signals stop numsync in two stages. The first SIGINT or SIGTERM stops
// it at the next step, but lets a store transaction that is under way
// commit. A second one cancels that transaction too, which rolls it back;
// a third ends the process at once.
func Main() int {
	commit, cancelCommit := context.WithCancel(context.Background())
	defer cancelCommit()
	ctx, stop := context.WithCancel(commit)
	defer stop()
	sigs := make(chan os.Signal, 3)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	defer signal.Stop(sigs)
	go func() {
		for _, next := range []func(){stop, cancelCommit, func() { os.Exit(ExitFailed) }} {
			if _, ok := <-sigs; !ok {
				return
			}
			next()
		}
	}()
	return Run(ctx, commit, os.Args[1:], os.Stdout, os.Stderr)
}
