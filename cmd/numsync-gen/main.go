// Command numsync-gen writes a synthetic but consistent tenant for numsync:
// the number inventory in both of Microsoft's export formats, the users as
// a CSV export and as an LDIF export of Active Directory, the emergency
// locations, assignment sheets with a realistic mix of valid, rejected and
// blocked rows, and expected.csv saying what each sheet row should become.
//
//	go run ./cmd/numsync-gen -users 100000 -seed 7 -out /tmp/t100k
//	go run ./cmd/numsync-gen -sample -out testdata/sample
//
// The same flags give byte-identical files. Output is streamed; memory
// grows with the number of users (a few dozen bytes each), not with the
// size of the files.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"
)

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "numsync-gen: error:", err)
		}
		os.Exit(2)
	}
}

// The committed sample tenant (testdata/sample) is this generator's output
// for these settings.
const (
	sampleUsers = 50
	sampleSeed  = 7
)

// smallTenant is the size under which the generator makes sure every sort
// of identity exists, which chance does not promise for few users.
const smallTenant = 200

type options struct {
	users     int
	seed      uint64
	out       string
	sheetRows int // -1: as many as fit
	sample    bool
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("numsync-gen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.IntVar(&o.users, "users", 1000, "number of users and resource accounts")
	fs.Uint64Var(&o.seed, "seed", 1, "random seed; the same flags give the same files")
	fs.StringVar(&o.out, "out", "", "directory to write the tenant to (created if missing)")
	fs.IntVar(&o.sheetRows, "sheet-rows", -1, "rows of the assignment sheets, -1 for as many as fit (a sheet names each identity about once)")
	fs.BoolVar(&o.sample, "sample", false, "write the committed sample tenant (50 users, fixed seed, the scripted story only, and its README)")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: numsync-gen -out DIR [-users N] [-seed S] [-sheet-rows M]\n       numsync-gen -sample -out testdata/sample\n\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected argument %q (all settings are flags; see -h)", fs.Arg(0))
	}
	if o.out == "" {
		return o, errors.New("-out DIR is required")
	}
	if o.sample {
		fixed := false
		fs.Visit(func(f *flag.Flag) { fixed = fixed || f.Name == "users" || f.Name == "seed" || f.Name == "sheet-rows" })
		if fixed {
			return o, errors.New("-sample fixes -users, -seed and -sheet-rows; leave them out")
		}
		o.users, o.seed, o.sheetRows = sampleUsers, sampleSeed, 0
	}
	if o.users < 1 {
		return o, fmt.Errorf("-users must be at least 1, not %d", o.users)
	}
	return o, nil
}

func run(args []string, stdout, stderr io.Writer) error {
	o, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	start := time.Now()
	sum, err := generate(o)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %d users, %d numbers (%d assigned), %d locations and %d sheet rows to %s in %s\n",
		sum.users, sum.numbers, sum.assigned, sum.locations, sum.rows, o.out, time.Since(start).Round(time.Millisecond))
	if o.sheetRows >= 0 && sum.rows < o.sheetRows {
		fmt.Fprintf(stderr, "numsync-gen: note: %d sheet rows asked for, %d fit: a sheet names each identity about once; use more -users for more rows\n", o.sheetRows, sum.rows)
	}
	return nil
}

type summary struct {
	users, numbers, assigned, locations, rows int
}

// generate writes every file of the tenant o describes.
func generate(o options) (summary, error) {
	t, err := newTenant(o.users, o.seed, o.users < smallTenant)
	if err != nil {
		return summary{}, err
	}
	if err := os.MkdirAll(o.out, 0o755); err != nil {
		return summary{}, err
	}
	// The files are independent of one another (the sheets only take from
	// the free lists and spare ranges, which no other file reads), so they
	// are written side by side, each by one goroutine: deterministic still.
	var rows int
	writers := []func() error{
		func() (err error) { rows, err = t.writeSheets(o.out, o.sheetRows, o.sample); return err },
		func() error { return t.writeUsersCSV(filepath.Join(o.out, "users.csv")) },
		func() error { return t.writeLDIF(filepath.Join(o.out, "users.ldif")) },
		func() error { return t.writeLocations(filepath.Join(o.out, "locations.csv")) },
		func() error { return t.writeAcquired(filepath.Join(o.out, "inventory.csv")) },
		func() error { return t.writeAssignments(filepath.Join(o.out, "inventory-assignments.csv")) },
	}
	errs := make([]error, len(writers))
	var wg sync.WaitGroup
	for i, w := range writers {
		wg.Go(func() { errs[i] = w() })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return summary{}, err
	}
	s := summary{users: len(t.users), rows: rows}
	for _, c := range t.cs {
		s.numbers += len(c.nums)
		s.locations += len(c.offices)
		for _, n := range c.nums {
			if n.holder >= 0 {
				s.assigned++
			}
		}
	}
	if o.sample {
		if err := t.writeSampleReadme(filepath.Join(o.out, "README.md")); err != nil {
			return s, err
		}
	}
	return s, nil
}
