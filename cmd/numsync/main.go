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

// Main runs the command line in os.Args and returns the exit code. The first
// SIGINT or SIGTERM cancels the context, which lets the current transaction
// finish or roll back; a second one ends the process at once.
func Main() int {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	defer signal.Stop(sigs)
	go func() {
		if _, ok := <-sigs; !ok {
			return
		}
		cancel()
		if _, ok := <-sigs; ok {
			os.Exit(ExitFailed)
		}
	}()
	return Run(ctx, os.Args[1:], os.Stdout, os.Stderr)
}
