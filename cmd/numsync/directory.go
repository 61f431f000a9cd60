package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/numsync/numsync"
	"github.com/numsync/numsync/ldapsync"
	"github.com/numsync/numsync/store"
)

func init() {
	register(&command{name: "directory sync", summary: "read users from AD (LDAP or LDIF) into the store; users gone from AD are marked absent", run: runDirectorySync})
	register(&command{name: "directory check", summary: "connect, bind, count entries per base DN and show a few mapped users", run: runDirectoryCheck})
	register(&command{name: "directory clear-line", args: "--from ad-cleanup.csv [--confirm]", summary: "clear msRTCSIP-Line in AD for the users of an ad-cleanup.csv (dry-run unless --confirm)", run: runClearLine})
}

var errNoDirectory = usageErr(errors.New("no directory is configured"),
	"set directory.url (LDAP) or directory.ldif_file (an LDIF export) in the config")

// openDirectory returns the configured directory, or errNoDirectory.
func (e *env) openDirectory() (*ldapsync.Directory, string, error) {
	cfg, ok := e.cfg.directory()
	if !ok {
		return nil, "", errNoDirectory
	}
	d, err := ldapsync.New(cfg, e.log)
	if err != nil {
		return nil, "", usageErr(fmt.Errorf("config: %w", err), "see numsync.example.yaml")
	}
	source := ldapsync.SourceLDAP
	if cfg.LDIFFile != "" {
		source = ldapsync.SourceLDIF
	}
	return d, source, nil
}

// syncDirectory reads the whole directory and upserts its users, and sets
// the admin roles its groups grant; it changes nothing when the directory
// could not be read to the end. The result's problems are the entries'
// values the mapping could not use, then the store's.
func syncDirectory(ctx context.Context, e *env, st *store.Store) (numsync.ImportResult, error) {
	d, source, err := e.openDirectory()
	if err != nil {
		return numsync.ImportResult{}, err
	}
	var users []numsync.User
	var places []numsync.Source
	var roles []numsync.RoleGrant
	var problems []numsync.Issue
	bar := e.newProgress("directory", 0, "entries")
	err = d.Records(ctx, func(r ldapsync.Record) error {
		users = append(users, r.User)
		place := r.Place
		if place.Line == 0 {
			// Over LDAP an entry is placed by its DN.
			place.File = r.User.DN
		}
		places = append(places, place)
		problems = append(problems, r.Problems...)
		for _, role := range r.Roles {
			roles = append(roles, numsync.RoleGrant{Principal: r.User.UPN, Role: role, FromDirectory: true})
		}
		bar.set(int64(len(users)))
		return nil
	})
	bar.finish()
	if err == nil && len(users) == 0 {
		err = errors.New("no users found; check base_dns and filter (importing nothing would mark every user absent)")
	}
	if err != nil {
		return numsync.ImportResult{}, &directoryError{fmt.Errorf("reading the directory: %w", err)}
	}
	// A user with another's object id is still in the directory (it must
	// not be marked absent), but its id cannot name it.
	dup, dups := numsync.DuplicateObjectIDs(users, places, "these users were loaded without it")
	for i := range dup {
		users[i].ObjectID = ""
	}
	if err := ctx.Err(); err != nil {
		return numsync.ImportResult{}, fmt.Errorf("directory sync: stopped before loading: %w", err)
	}
	// Once started, the store's transactions obey only a second signal.
	res, err := st.ImportUsers(e.commit, users, numsync.UserImportOptions{Source: source, MarkAbsent: true})
	// Values the mapping could not use (an msRTCSIP-Line that is no
	// number, a usage location that is no country) are the directory's
	// problem rows: shown and counted like an import's.
	res.Problems = append(append(dups, problems...), res.Problems...)
	if err != nil {
		return res, fmt.Errorf("directory sync: %w", err)
	}
	if _, err := st.SetDirectoryRoles(e.commit, roles); err != nil {
		return res, fmt.Errorf("directory sync: %w", err)
	}
	return res, nil
}

// directoryError is a directory that could not be read: the run applies
// nothing that depends on it.
type directoryError struct{ err error }

func (e *directoryError) Error() string { return e.err.Error() }
func (e *directoryError) Unwrap() error { return e.err }
func (e *directoryError) Hint() string {
	return "nothing was changed; run 'numsync directory check' to see what fails"
}

func runDirectorySync(ctx context.Context, e *env, args []string) error {
	if err := parse(e.flags("directory sync", ""), args, 0, 0); err != nil {
		return err
	}
	st, err := e.writableStore(ctx)
	if err != nil {
		return err
	}
	res, err := syncDirectory(ctx, e, st)
	for _, p := range res.Problems {
		printIssue(e.stderr, "", p)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "directory: %s (store revision %d)\n", describeImport(res, len(res.Problems), "entries"), res.Revision)
	return problemsExit(res.Problems)
}

func runDirectoryCheck(ctx context.Context, e *env, args []string) error {
	fs := e.flags("directory check", "[-n USERS]")
	n := fs.Int("n", 5, "how many mapped users to show")
	if err := parse(fs, args, 0, 0); err != nil {
		return err
	}
	d, _, err := e.openDirectory()
	if err != nil {
		return err
	}
	rep, err := d.Check(ctx, *n)
	if err != nil {
		return &directoryError{err}
	}
	printCheck(e, rep)
	return nil
}

// runClearLine clears msRTCSIP-Line over LDAP for the users an
// ad-cleanup.csv lists, one modify per user, each result reported. The
// bind account must be allowed to write the attribute.
func runClearLine(ctx context.Context, e *env, args []string) error {
	fs := e.flags("directory clear-line", "--from ad-cleanup.csv [--confirm]")
	from := fs.String("from", "", "the ad-cleanup.csv of a plan or run")
	confirm := fs.Bool("confirm", false, "change AD (default: only show what would change)")
	if err := parse(fs, args, 0, 0); err != nil {
		return err
	}
	if *from == "" {
		fs.Usage()
		return usageErr(errors.New("--from is required"), "give the ad-cleanup.csv that a plan or run wrote in its reports")
	}
	entries, err := ldapsync.ReadCleanup(*from)
	if err != nil {
		return usageErr(err, "give the ad-cleanup.csv that numsync wrote, unedited")
	}
	d, _, err := e.openDirectory()
	if err != nil {
		return err
	}
	results, err := d.ClearLines(ctx, entries, *confirm)
	problems := 0
	for _, r := range results {
		dn := r.DN
		if dn == "" {
			dn = r.Entry.DN
		}
		fmt.Fprintf(e.stdout, "%-14s %s (%s): %s\n", r.Outcome, r.Entry.UPN, dn, r.Detail)
		if r.Err != nil {
			fmt.Fprintf(e.stdout, "  %v\n", r.Err)
		}
		switch r.Outcome {
		case ldapsync.Failed, ldapsync.NotFound, ldapsync.ChangedSince:
			problems++
		}
	}
	if err != nil {
		return &directoryError{fmt.Errorf("clearing msRTCSIP-Line: %w", err)}
	}
	if !*confirm {
		fmt.Fprintf(e.stdout, "dry-run: nothing was changed; run again with --confirm to clear %d users\n", len(entries))
	}
	if problems > 0 {
		return withCode(ExitRejected, fmt.Errorf("%d of %d users could not be cleared", problems, len(results)), "see the lines above; a user whose line changed since the report needs a new plan")
	}
	return nil
}

func printCheck(e *env, rep *ldapsync.CheckReport) {
	fmt.Fprintf(e.stdout, "directory %s: read\n", rep.Source)
	tw := tabwriter.NewWriter(e.stdout, 2, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "base\tentries\tusers\tdisabled\tresource accounts\twith msRTCSIP-Line\tproblems\treferences skipped")
	for _, b := range rep.Bases {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\n", b.Base, b.Entries, b.Users, b.Disabled, b.Resources, b.WithLine, b.Problems, b.References)
	}
	_ = tw.Flush()
	for _, r := range rep.Samples {
		u := r.User
		lic := make([]string, len(u.Licenses))
		for i, l := range u.Licenses {
			lic[i] = string(l)
		}
		fmt.Fprintf(e.stdout, "\n%s (%s)\n  dn: %s\n  object id: %s  guid: %s\n  kind: %s  enabled: %t  usage location: %s\n  licences: %s\n  msRTCSIP-Line: %s\n",
			// The directory's values are shown, never obeyed by the terminal.
			numsync.OneLine(u.UPN), numsync.OneLine(u.DisplayName), numsync.OneLine(u.DN), numsync.OneLine(u.ObjectID), r.GUID, u.Kind, u.Enabled,
			numsync.OneLine(u.UsageLocation), strings.Join(lic, ", "), numsync.OneLine(orNone(u.OnPremLine)))
		for _, p := range r.Problems {
			fmt.Fprintf(e.stdout, "  problem: %s: %s\n", p.Code, numsync.OneLine(p.Message))
		}
	}
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}
