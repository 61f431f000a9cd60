// Command numsync keeps an organisation's Teams phone numbers in the state
// its administrators wrote down. See the README for the commands.
package main

import (
	"context"
	"os"
	"os/signal"
	"runtime/debug"
	"runtime/pprof"
	"sync"
	"syscall"
)

func main() {
	os.Exit(profiled(Main))
}

// profiled runs main and, when NUMSYNC_CPUPROFILE names a file, writes a
// CPU profile of the whole command there: scripts/bench and
// docs/performance.md profile the real command with it.
func profiled(main func() int) int {
	path := os.Getenv("NUMSYNC_CPUPROFILE")
	if path == "" {
		return main()
	}
	f, err := os.Create(path)
	if err == nil {
		err = pprof.StartCPUProfile(f)
	}
	if err != nil {
		os.Stderr.WriteString("numsync: NUMSYNC_CPUPROFILE: " + err.Error() + "\n")
		return main()
	}
	defer f.Close()
	defer pprof.StopCPUProfile()
	return main()
}

// defaultGCPercent is the garbage collector's GOGC when the environment
// sets none. Most of a plan's or an apply's heap is the store snapshot,
// alive from start to end; collecting at 70 % growth instead of Go's
// 100 % keeps a 100k plan ~50 MB further under its 400 MB target, and an
// apply ~100 MB lower, for no time that the benchmarks can tell
// (docs/performance.md).
const defaultGCPercent = 70

// Main runs the command line in os.Args and returns the exit code.
//
// Signals stop numsync in two stages. The first SIGINT or SIGTERM stops
// it at the next step (a wait for the store lock included), but lets a
// store transaction that is under way commit. A second one cancels that
// transaction too, which rolls it back. A third ends the process at once,
// after releasing the store lock it holds.
func Main() int {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(defaultGCPercent)
	}
	commit, cancelCommit := context.WithCancel(context.Background())
	defer cancelCommit()
	ctx, stop := context.WithCancel(commit)
	defer stop()
	sigs := make(chan os.Signal, 3)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	defer signal.Stop(sigs)
	go func() {
		for _, next := range []func(){
			func() {
				os.Stderr.WriteString("numsync: interrupted: stopping after the current step; a store transaction under way may still commit (interrupt again to roll it back)\n")
				stop()
			},
			func() {
				os.Stderr.WriteString("numsync: interrupted again: rolling back the store transaction under way (a third interrupt ends numsync at once)\n")
				cancelCommit()
			},
			exitNow,
		} {
			if _, ok := <-sigs; !ok {
				return
			}
			next()
		}
	}()
	return Run(ctx, commit, os.Args[1:], os.Stdout, os.Stderr)
}

// lastWords holds what must be done even when a third signal ends the
// process at once: releasing the store lock, which would otherwise stay
// until it expires.
var lastWords struct {
	sync.Mutex
	fns  map[int]func()
	next int
}

// atExitNow registers fn to run if a third signal ends the process; the
// returned function unregisters it.
func atExitNow(fn func()) (unregister func()) {
	lastWords.Lock()
	defer lastWords.Unlock()
	if lastWords.fns == nil {
		lastWords.fns = map[int]func(){}
	}
	id := lastWords.next
	lastWords.next++
	lastWords.fns[id] = fn
	return func() {
		lastWords.Lock()
		defer lastWords.Unlock()
		delete(lastWords.fns, id)
	}
}

// exitNow ends the process after a third signal, saying so and running
// the registered last words.
func exitNow() {
	os.Stderr.WriteString("numsync: interrupted a third time: stopping now; nothing half-done is kept\n")
	lastWords.Lock()
	for _, fn := range lastWords.fns {
		fn()
	}
	lastWords.Unlock()
	os.Exit(ExitFailed)
}
