package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"go.uber.org/zap"

	"github.com/numsync/numsync"
	"github.com/numsync/numsync/store"
)

// command is one numsync command with its own flag set.
type command struct {
	name    string // words after "numsync", e.g. "inventory import"
	args    string // argument synopsis for the help
	summary string
	hidden  bool
	// noConfig runs the command without loading the config (its env has
	// no cfg and no log), so that it works whatever state the config is in.
	noConfig bool
	run      func(ctx context.Context, e *env, args []string) error
}

// commands lists every command; each is defined in its own file.
var commands []*command

func register(c *command) { commands = append(commands, c) }

// env is what every command gets: configuration, logger, output streams and
// the store, opened on first use.
type env struct {
	cfg    *Config
	log    *zap.Logger
	stdout io.Writer
	stderr io.Writer
	st     *store.Store
	// commit is the context of store transactions that must not be cut
	// short by the first signal (see [Main]).
	commit context.Context
}

// store opens the configured store once. It must exist: only init creates
// one (see [store.OpenExisting]).
func (e *env) store(ctx context.Context) (*store.Store, error) {
	if e.st != nil {
		return e.st, nil
	}
	st, err := e.cfg.openStore(ctx, false)
	if err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	e.st = st
	return st, nil
}

// writableStore is [env.store] for a command that writes: the store must
// first pass SQLite's quick check, so that nothing is written into a
// damaged file (at a million users and numbers the check takes seconds,
// docs/performance.md). Each call checks again: a scheduled run is one
// call of a process that lives for months.
func (e *env) writableStore(ctx context.Context) (*store.Store, error) {
	st, err := e.store(ctx)
	if err != nil {
		return nil, err
	}
	if err := st.Check(ctx, true); err != nil {
		return nil, err
	}
	return st, nil
}

func (e *env) close() {
	if e.st != nil {
		if err := e.st.Close(); err != nil {
			e.log.Warn("closing store", zap.Error(err))
		}
	}
}

// Run runs one numsync command line (without the program name) and returns
// its exit code. ctx stops the command between steps; commit, a parent of
// ctx, is what a started apply transaction obeys. Errors are printed once,
// here.
func Run(ctx, commit context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("numsync", flag.ContinueOnError)
	fs.SetOutput(stderr)
	configPath := fs.String("config", "numsync.yaml", "configuration `file`")
	logLevel := fs.String("log-level", "", "log level: debug, info, warn or error (default from the config, else info)")
	fs.Usage = func() { usage(stderr) }
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return ExitOK
		}
		return ExitUsage
	}
	explicit := false
	fs.Visit(func(f *flag.Flag) { explicit = explicit || f.Name == "config" })

	cmd, rest := findCommand(fs.Args())
	if cmd == nil {
		if len(fs.Args()) > 0 {
			fmt.Fprintf(stderr, "numsync: error: unknown command %q\n", strings.Join(fs.Args(), " "))
		}
		usage(stderr)
		return ExitUsage
	}
	if cmd.noConfig {
		return report(stderr, cmd.run(ctx, &env{stdout: stdout, stderr: stderr, commit: commit}, rest))
	}
	cfg, err := loadConfig(*configPath, explicit)
	if err != nil {
		return report(stderr, err)
	}
	level := cfg.Log.Level
	if *logLevel != "" {
		level = *logLevel
	}
	log, err := newLogger(stderr, level)
	if err != nil {
		return report(stderr, usageErr(err, "use --log-level debug, info, warn or error"))
	}
	defer func() { _ = log.Sync() }()
	e := &env{cfg: cfg, log: log, stdout: stdout, stderr: stderr, commit: commit}
	defer e.close()
	return report(stderr, cmd.run(ctx, e, rest))
}

// findCommand picks the longest command name that prefixes args.
func findCommand(args []string) (*command, []string) {
	var best *command
	for _, c := range commands {
		words := strings.Fields(c.name)
		if len(words) <= len(args) && strings.Join(args[:len(words)], " ") == c.name {
			if best == nil || len(words) > len(strings.Fields(best.name)) {
				best = c
			}
		}
	}
	if best == nil {
		return nil, nil
	}
	return best, args[len(strings.Fields(best.name)):]
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: numsync [--config FILE] [--log-level LEVEL] COMMAND [ARGS]")
	fmt.Fprintln(w, "\ncommands:")
	sorted := append([]*command(nil), commands...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].name < sorted[j].name })
	for _, c := range sorted {
		if !c.hidden {
			fmt.Fprintf(w, "  %-28s %s\n", strings.TrimSpace(c.name+" "+c.args), c.summary)
		}
	}
	fmt.Fprintln(w, "\nRun 'numsync COMMAND -h' for a command's flags. Exit codes are listed in the README.")
}

// flags returns a flag set for command c that prints errors to e.stderr.
func (e *env) flags(c string, synopsis string) *flag.FlagSet {
	fs := flag.NewFlagSet("numsync "+c, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fmt.Fprintf(e.stderr, "usage: numsync %s %s\n", c, synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// parse parses a command's flags and checks the count of positional
// arguments.
func parse(fs *flag.FlagSet, args []string, min, max int) error {
	// Flags may come after the arguments too ("rollback RUN --apply"), as
	// people type them; "--" ends the flags.
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return errHelp
			}
			return &exitError{code: ExitUsage, err: err, printed: true}
		}
		rest := fs.Args()
		if len(rest) == 0 {
			break
		}
		if end := len(args) - len(rest) - 1; end >= 0 && args[end] == "--" {
			pos = append(pos, rest...)
			break
		}
		pos, args = append(pos, rest[0]), rest[1:]
	}
	// Leave the arguments where fs.Arg and fs.Args find them.
	_ = fs.Parse(append([]string{"--"}, pos...))
	if n := fs.NArg(); n < min || (max >= 0 && n > max) {
		fs.Usage()
		return &exitError{code: ExitUsage, err: fmt.Errorf("wrong number of arguments"), printed: true}
	}
	return nil
}

var errHelp = &exitError{code: ExitOK, printed: true}

// exitError carries an exit code and an optional hint to the top.
type exitError struct {
	code    int
	err     error
	hint    string
	printed bool // already told the user (flag errors)
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit %d", e.code)
	}
	return e.err.Error()
}
func (e *exitError) Unwrap() error { return e.err }

func usageErr(err error, hint string) error {
	return &exitError{code: ExitUsage, err: err, hint: hint}
}

// withCode gives err an exit code (and a hint) without changing its text.
func withCode(code int, err error, hint string) error {
	return &exitError{code: code, err: err, hint: hint}
}

// hinter is an error that knows what the user should do about it.
type hinter interface{ Hint() string }

// report prints err once, as "numsync: error: ..." and "hint: ...", and
// returns the exit code it stands for.
func report(w io.Writer, err error) int {
	if err == nil {
		return ExitOK
	}
	code := ExitFailed
	hint := ""
	var xe *exitError
	if errors.As(err, &xe) {
		code, hint = xe.code, xe.hint
		if xe.printed || xe.err == nil {
			return code
		}
	}
	var le *numsync.LockedError
	switch {
	case errors.As(err, &le) && code == ExitFailed:
		code, hint = ExitLocked, "wait for the other run to finish, or pass --wait"
	case errors.Is(err, numsync.ErrStale) && code == ExitFailed:
		code, hint = ExitStale, "make a new plan with 'numsync plan' and review it again"
	}
	msg := err.Error()
	if errors.Is(err, context.Canceled) {
		// A signal stopped the command: say so in the user's words.
		msg = strings.ReplaceAll(msg, context.Canceled.Error(), "interrupted")
		if !strings.Contains(msg, "interrupted") {
			msg = "interrupted: " + msg
		}
		if hint == "" {
			hint = "nothing half-done was kept: what had not committed was rolled back; run the command again"
		}
	}
	var h hinter
	if hint == "" && errors.As(err, &h) {
		hint = h.Hint()
	}
	fmt.Fprintf(w, "numsync: error: %s\n", msg)
	if hint != "" {
		fmt.Fprintf(w, "hint: %s\n", hint)
	}
	return code
}

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
