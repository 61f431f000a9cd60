package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"go.uber.org/zap"

	"github.com/numsync/numsync"
	"github.com/numsync/numsync/store"
)

func init() {
	register(&command{name: "run", summary: "the nightly job: load exports, sync the directory, read sheets, plan, apply, notify, report", run: runRun})
}

// runFlags are the flags of `numsync run`, shared with `numsync schedule`.
type runFlags struct {
	dryRun     bool
	allowOlder bool
	maxRemoves string
	wait       bool
	actor      string
}

func runRun(ctx context.Context, e *env, args []string) error {
	fs := e.flags("run", "[--dry-run] [--allow-older-export] [--max-removes N|P%] [--wait] [--actor UPN]")
	var f runFlags
	fs.BoolVar(&f.dryRun, "dry-run", false, "do everything but apply and notify")
	fs.BoolVar(&f.allowOlder, "allow-older-export", false, "load the inventory export even if it was written before the last applied run")
	fs.StringVar(&f.maxRemoves, "max-removes", "", "raise the removal guard for this run: a count or a percentage")
	fs.BoolVar(&f.wait, "wait", false, "wait for another writer to finish instead of failing")
	fs.StringVar(&f.actor, "actor", "", "who applies (default: actor from the config)")
	if err := parse(fs, args, 0, 0); err != nil {
		return err
	}
	return runJob(ctx, e, f)
}

// runJob is one run of the nightly job.
func runJob(ctx context.Context, e *env, f runFlags) error {
	opts, err := e.applyOptions(f.actor, f.maxRemoves, f.wait)
	if err != nil {
		return err
	}
	sheets, err := e.sheetPaths(nil)
	if err != nil {
		return err
	}
	st, err := e.writableStore(ctx)
	if err != nil {
		return err
	}
	started := time.Now()
	id := "run-" + started.UTC().Format("20060102T150405.000Z")
	if f.dryRun {
		id = "dry-run-" + started.UTC().Format("20060102T150405.000Z")
	}
	log := e.log.With(zap.String("run", id))

	// One writer from the first import to the last report: no other apply
	// can slip in between this run's plan and its apply.
	release, err := e.hold(ctx, st, &opts)
	if err != nil {
		return err
	}
	defer release()

	// Facts first: the exports and the directory describe the world as it
	// is, so they are loaded even by a dry-run.
	// Order matters: inventory holders resolve to users by object id, so
	// the users (CSV and directory) load before the inventory.
	// Their problems (rows and entries loaded otherwise than they asked, or
	// not at all) are printed as they come and counted in the reports.
	failed := func(err error, imported []numsync.Issue) error {
		return e.failRun(ctx, st, &job{started: started, imported: imported}, id, err)
	}
	imported, err := loadExports(ctx, e, log, false, "locations", "users")
	if err != nil {
		return failed(err, imported)
	}
	if _, ok := e.cfg.directory(); ok {
		res, err := syncDirectory(ctx, e, st)
		for _, p := range res.Problems {
			printIssue(e.stderr, "", p)
		}
		imported = append(imported, res.Problems...)
		if err != nil {
			return failed(err, imported)
		}
		log.Info("directory synced", zap.Int("added", res.Added), zap.Int("updated", res.Updated),
			zap.Int("unchanged", res.Unchanged), zap.Int("absent", res.Absent), zap.Int("adopted", res.Adopted), zap.Int("problems", len(res.Problems)))
	}
	inv, err := loadExports(ctx, e, log, f.allowOlder, "inventory")
	imported = append(imported, inv...)
	if err != nil {
		return failed(err, imported)
	}
	teams, _ := e.cfg.teams()
	if teams.Source {
		// What Teams has now is what the plan starts from.
		if err := importTeams(ctx, e, st); err != nil {
			return failed(err, imported)
		}
	}

	j, err := makePlan(ctx, e, st, sheets, e.cfg.policy())
	if err != nil {
		return failed(err, imported)
	}
	j.started, j.imported = started, imported
	if f.dryRun {
		if err := e.writeReports(j, e.reportDir(id), nil); err != nil {
			return err
		}
		return outcome(j)
	}
	err = applyAndReport(ctx, e, st, j, opts, id)
	if !teams.Push || !finished(err) {
		return err
	}
	// The newest applied run (this one, or an earlier one whose push did
	// not finish) is carried out in Teams.
	c, cerr := e.graphClient()
	if cerr != nil {
		return cerr
	}
	if perr := pushRun(ctx, e, st, c, "", opts, false); perr != nil && !errors.Is(perr, errNoAppliedRun) {
		return perr
	}
	return err
}

// finished reports whether a run's outcome leaves an applied store behind
// (applied, applied with rejected rows, or nothing to do), so that a push
// may follow.
func finished(err error) bool {
	var xe *exitError
	return err == nil || (errors.As(err, &xe) && xe.err == nil && (xe.code == ExitRejected || xe.code == ExitNothingToDo))
}

// failRun records a run that could not get to a plan, writes what is known
// of it, and returns its error.
func (e *env) failRun(ctx context.Context, st *store.Store, j *job, id string, err error) error {
	status := numsync.RunFailed
	var de *directoryError
	if errors.As(err, &de) {
		status = numsync.RunDirectoryError
	}
	run, rerr := st.RecordRun(context.WithoutCancel(ctx), numsync.Run{
		Actor: e.cfg.Actor, Started: j.started, Ended: time.Now(), Status: status, Message: err.Error(),
	})
	if rerr != nil {
		e.log.Warn("recording the failed run", zap.Error(rerr))
	} else {
		j.run, id = &run, run.ID
	}
	if werr := e.writeReports(j, e.reportDir(id), err); werr != nil {
		e.log.Warn("writing reports", zap.Error(werr))
	}
	return err
}

// loadExports imports those of the tenant exports named in the config
// whose kinds are given, in that order, and returns their problems;
// allowOlder loads an export written before the last applied run.
func loadExports(ctx context.Context, e *env, log *zap.Logger, allowOlder bool, nouns ...string) ([]numsync.Issue, error) {
	st, err := e.store(ctx)
	if err != nil {
		return nil, err
	}
	var all []numsync.Issue
	files := map[string]string{
		"inventory": e.cfg.Tenant.Inventory,
		"users":     e.cfg.Tenant.Users,
		"locations": e.cfg.Tenant.Locations,
	}
	for _, k := range importKinds {
		if !slices.Contains(nouns, k.noun) {
			continue
		}
		path := e.cfg.resolve(files[k.noun])
		if path == "" {
			continue
		}
		res, problems, skipped, err := k.loadFile(ctx, e, st, path, true, allowOlder)
		all = append(all, problems...)
		if err != nil {
			return all, fmt.Errorf("loading %s: %w", k.noun, err)
		}
		if skipped {
			log.Info(k.noun+" unchanged since it was last loaded", zap.String("file", path))
			continue
		}
		log.Info("loaded "+k.noun, zap.String("file", path), zap.Int("added", res.Added), zap.Int("updated", res.Updated),
			zap.Int("unchanged", res.Unchanged), zap.Int("problems", len(problems)))
	}
	return all, nil
}
