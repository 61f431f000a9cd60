package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/numsync/numsync/importer"
	"github.com/numsync/numsync/notify"
)

func init() {
	register(&command{name: "config check", summary: "validate the config and test the store, sheets, directory and mail server", run: runConfigCheck})
}

// runConfigCheck checks each part the config names and says, one line each,
// what works. It goes on after a failure so that one run shows every
// problem; its first line says FAILED, and which parts, when any part
// fails, so that whoever reads only that line is not told all is well.
func runConfigCheck(ctx context.Context, e *env, args []string) error {
	if err := parse(e.flags("config check", ""), args, 0, 0); err != nil {
		return err
	}
	where := e.cfg.path
	if where == "" {
		where = "(no file: defaults)"
	}
	var failed, lines []string
	check := func(what string, err error, ok string) {
		if err != nil {
			failed = append(failed, what)
			lines = append(lines, fmt.Sprintf("%s: FAILED: %v", what, err))
			return
		}
		lines = append(lines, fmt.Sprintf("%s: %s", what, ok))
	}
	defer func() {
		if len(failed) > 0 {
			fmt.Fprintf(e.stdout, "config %s: FAILED (%s)\n", where, strings.Join(failed, ", "))
		} else {
			fmt.Fprintf(e.stdout, "config %s: valid, every part works\n", where)
		}
		for _, l := range lines {
			fmt.Fprintln(e.stdout, l)
		}
	}()

	st, err := e.store(ctx)
	rev := int64(0)
	if err == nil {
		rev, err = st.Revision(ctx)
	}
	check("store", err, fmt.Sprintf("%s at revision %d", e.cfg.storeName(), rev))

	for _, f := range []struct{ key, path string }{
		{"tenant.inventory", e.cfg.Tenant.Inventory}, {"tenant.users", e.cfg.Tenant.Users}, {"tenant.locations", e.cfg.Tenant.Locations},
	} {
		if f.path != "" {
			_, err := importer.SheetFiles([]string{e.cfg.resolve(f.path)})
			check(f.key, err, e.cfg.resolve(f.path)+" found")
		}
	}
	if len(e.cfg.Ranges) > 0 || e.cfg.RangesFile != "" {
		rs, err := e.cfg.ranges()
		check("ranges", err, fmt.Sprintf("%d number ranges", len(rs)))
	}
	if len(e.cfg.Sheets) > 0 {
		paths, _ := e.sheetPaths(nil)
		files, err := importer.SheetFiles(paths)
		check("sheets", err, fmt.Sprintf("%d sheet files", len(files)))
	}
	if _, ok := e.cfg.directory(); ok {
		users, source, err := checkDirectory(ctx, e)
		check("directory", err, fmt.Sprintf("%s: %d users", source, users))
	}
	if m := e.cfg.smtp(); m.Enabled() {
		check("smtp", notify.Check(ctx, m, e.log), fmt.Sprintf("%s:%d accepts numsync", m.Host, m.Port))
	}
	if _, ok := e.cfg.teams(); ok {
		check("teams", checkTeams(ctx, e, io.Discard), "token, permissions and one page of numbers and users")
	}
	if len(failed) > 0 {
		return withCode(ExitUsage, fmt.Errorf("config check failed: %s", strings.Join(failed, ", ")), "")
	}
	return nil
}

// checkDirectory connects, binds and counts the users the directory holds.
func checkDirectory(ctx context.Context, e *env) (users int, source string, err error) {
	d, _, err := e.openDirectory()
	if err != nil {
		return 0, "", err
	}
	rep, err := d.Check(ctx, 0)
	if err != nil {
		return 0, "", err
	}
	for _, b := range rep.Bases {
		users += b.Users
	}
	return users, rep.Source, nil
}
