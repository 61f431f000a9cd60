package main

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"go.uber.org/zap"

	"github.com/numsync/numsync"
	"github.com/numsync/numsync/importer"
	"github.com/numsync/numsync/internal/atomicfile"
	"github.com/numsync/numsync/notify"
	"github.com/numsync/numsync/planner"
	"github.com/numsync/numsync/reports"
	"github.com/numsync/numsync/store"
)

// job is one plan on its way through numsync: what it was computed from,
// the plan, and (once applied) the run. plan, apply, run and rollback share
// it, so a dry-run and a real run go through the same code up to the
// commit.
type job struct {
	started time.Time
	tenant  *numsync.Tenant
	index   *numsync.TenantIndex // of tenant, when the plan was made here
	wishes  []numsync.Wish
	plan    *numsync.Plan
	run     *numsync.Run
	// imported are the problems of the exports and directory entries
	// the job loaded before planning.
	imported []numsync.Issue
}

// sheetPaths returns the sheets named on the command line, else those of
// the config.
func (e *env) sheetPaths(args []string) ([]string, error) {
	if len(args) > 0 {
		return args, nil
	}
	paths := make([]string, len(e.cfg.Sheets))
	for i, p := range e.cfg.Sheets {
		paths[i] = e.cfg.resolve(p)
	}
	if len(paths) == 0 {
		return nil, usageErr(errors.New("no assignment sheets given"), "name sheet files or directories as arguments, or list them under sheets: in the config")
	}
	return paths, nil
}

// makePlan reads the sheets and plans them against the store as it is now.
func makePlan(ctx context.Context, e *env, st *store.Store, sheets []string, policy numsync.Policy) (*job, error) {
	j := &job{started: time.Now()}
	t, err := st.Tenant(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading the store: %w", err)
	}
	j.tenant = t
	// One index of the snapshot serves the sheets (usage locations, and
	// the inventory's numbers, validated when imported), the planner and
	// the reports.
	j.index = numsync.NewTenantIndex(t)
	bar := e.newProgress("sheets", sheetBytes(sheets), "bytes")
	res, err := importer.ReadSheets(ctx, sheets, func(key string) (string, bool) {
		if u := j.index.User(key); u != nil {
			return u.UsageLocation, true
		}
		return "", false
	}, importer.WithProgress(bar.set), importer.WithKnownNumbers(func(e164 string) (numsync.Number, bool) {
		if n := j.index.Number(e164); n != nil {
			return n.Number, true
		}
		return numsync.Number{}, false
	}))
	bar.finish()
	if err != nil {
		return nil, fmt.Errorf("reading sheets: %w", err)
	}
	if policy.Mode == numsync.Authoritative {
		for _, s := range res.Sheets {
			if s.Err != nil {
				return nil, usageErr(fmt.Errorf("authoritative mode needs every sheet, and %w", s.Err),
					"fix the sheet, or plan in merge mode: without it, the identities it names would lose their numbers")
			}
		}
	}
	j.wishes = res.Wishes
	j.plan = planner.Plan(planner.Input{
		Tenant:        t,
		Index:         j.index,
		Wishes:        res.Wishes,
		SheetRejects:  res.Rejects,
		SheetWarnings: res.Warnings,
		Policy:        policy,
		Now:           j.started,
		InputsDigest:  inputsDigest(res, policy),
		RowsRead:      res.RowsRead,
		Sheets:        len(res.Sheets),
	})
	e.log.Info("planned", zap.Int("rows", res.RowsRead), zap.Int("sheets", len(res.Sheets)),
		zap.Int("ops", len(j.plan.Ops)), zap.Int("rejects", len(j.plan.Rejects)), zap.Int("blocked", len(j.plan.Blocked)))
	return j, nil
}

// sheetBytes is the size of the sheets, for the progress bar; 0 when
// unknown.
func sheetBytes(paths []string) int64 {
	files, err := importer.SheetFiles(paths)
	if err != nil {
		return 0
	}
	var n int64
	for _, f := range files {
		if fi, err := os.Stat(f); err == nil {
			n += fi.Size()
		}
	}
	return n
}

// inputsDigest fingerprints what a plan was made from: the normalised rows,
// the rejects and the policy. Two plans with the same digest and revision
// are the same plan.
func inputsDigest(res *importer.SheetResult, policy numsync.Policy) string {
	h := sha256.New()
	enc := json.NewEncoder(h)
	_ = enc.Encode(policy)
	for _, w := range res.Wishes {
		_ = enc.Encode(w)
	}
	for _, r := range res.Rejects {
		_ = enc.Encode(r)
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil))
}

// reportDir is where the reports of a plan or run go.
func (e *env) reportDir(id string) string {
	return filepath.Join(e.cfg.resolve(e.cfg.Reports.Dir), id)
}

// writeReports writes plan.json and every report of j into dir, prints the
// summary and says where the reports are. runErr is why the job failed, if
// it did: the reports still say what is known.
func (e *env) writeReports(j *job, dir string, runErr error) error {
	in := reports.Input{
		Plan: j.plan, Tenant: j.tenant, Index: j.index, Wishes: j.wishes, Run: j.run, Imported: j.imported,
		RunID: filepath.Base(dir), Started: j.started, Finished: time.Now(),
		Err: runErr, QuarantineDays: e.cfg.Policy.QuarantineDays, Now: time.Now(),
	}
	switch {
	case j.run != nil && j.run.PlanDigest != "":
		in.PlanDigest = j.run.PlanDigest
	case j.plan != nil:
		in.PlanDigest = planner.Digest(j.plan)
	}
	// What earlier runs applied but Teams has not got yet goes into
	// teams-apply.ps1 and the reports; a store that cannot say leaves them
	// out rather than the reports unwritten.
	if st, err := e.store(context.WithoutCancel(e.commit)); err == nil {
		if in.Unfinished, err = unfinishedOps(context.WithoutCancel(e.commit), st, j); err != nil {
			e.log.Warn("reading the operations not landed in Teams", zap.Error(err))
		}
		if in.Observed, err = st.Observed(context.WithoutCancel(e.commit)); err != nil {
			e.log.Warn("reading what Teams showed", zap.Error(err))
		}
	}
	if j.run == nil && j.plan != nil && len(j.plan.Ops) > 0 {
		in.ApplyCommand = e.applyCommand(dir)
	}
	rep := reports.New(in)
	// plan.json is written beside the reports, while they are written.
	planErr := make(chan error, 1)
	go func() {
		if j.plan == nil {
			planErr <- nil
			return
		}
		planErr <- writePlanFile(filepath.Join(dir, "plan.json"), j.plan)
	}()
	errs := []error{rep.Write(dir), <-planErr}
	fmt.Fprint(e.stdout, rep.Summary())
	printPlanDetails(e.stdout, j.plan)
	fmt.Fprintf(e.stdout, "\nreports: %s\n", dir)
	return errors.Join(errs...)
}

// applyCommand is the command that applies exactly the plan written into
// dir, with the config it was made with.
func (e *env) applyCommand(dir string) string {
	cmd := "numsync"
	if e.cfg.path != "" && e.cfg.path != "numsync.yaml" {
		cmd += " --config " + e.cfg.path
	}
	return cmd + " apply " + filepath.Join(dir, "plan.json")
}

// writePlanFile writes p to path as [atomicfile.Write] writes every
// output file, so a reader never sees half a plan.
func writePlanFile(path string, p *numsync.Plan) error {
	return atomicfile.Write(path, func(w *bufio.Writer) error { return planner.WritePlan(w, p) })
}

// applyOptions are the planner's apply options from config and flags.
func (e *env) applyOptions(actor, maxRemoves string, wait bool) (planner.ApplyOptions, error) {
	opts := planner.ApplyOptions{Actor: e.cfg.Actor, Wait: wait, MailFrom: e.cfg.SMTP.From, LockTTL: e.cfg.Store.LockTTL}
	if actor != "" {
		opts.Actor = actor
	}
	opts.MaxRemoves = e.cfg.policy().MaxRemoves
	if maxRemoves != "" {
		t, err := numsync.ParseThreshold(maxRemoves)
		if err != nil {
			return opts, usageErr(fmt.Errorf("--max-removes: %w", err), "")
		}
		opts.MaxRemoves = t
	}
	opts.LockHolder = lockHolder(opts.Actor)
	return opts, nil
}

// hold takes the store's writer lock for the rest of the command (see
// [planner.Hold]) and marks opts as holding it. Waiting for it (--wait)
// stops at the first signal, and the lock is released on every way out,
// a third signal included. A lock held by someone else is an error saying
// what to do about it.
func (e *env) hold(ctx context.Context, st *store.Store, opts *planner.ApplyOptions) (release func(), err error) {
	// Say once why a --wait run is quiet, and whom it waits for.
	told := false
	opts.Waiting = func(held *numsync.LockedError) {
		if !told {
			told = true
			e.log.Info("waiting for the store lock", zap.String("holder", held.Holder), zap.Time("expires", held.Expires))
		}
	}
	unlock, err := planner.Hold(ctx, st, *opts)
	var le *numsync.LockedError
	if errors.As(err, &le) {
		return nil, lockedError(err, le, opts.Wait)
	}
	if err != nil {
		return nil, err
	}
	opts.Held = true
	forget := atExitNow(unlock)
	e.log.Debug("store lock taken", zap.String("holder", opts.LockHolder))
	return func() {
		unlock()
		forget()
	}, nil
}

// applyJob applies j.plan and maps the outcome to an error carrying the exit
// code a cron wrapper can act on. It takes the store lock unless opts says
// it is held.
func applyJob(ctx context.Context, e *env, st *store.Store, j *job, opts planner.ApplyOptions) error {
	if !opts.Held {
		release, err := e.hold(ctx, st, &opts)
		if err != nil {
			return err
		}
		defer release()
	}
	bar := e.newProgress("apply", int64(len(j.plan.Ops)), "operations")
	opts.Progress = func(n int) { bar.set(int64(n)) }
	opts.Tenant = j.tenant
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("stopped before applying: %w", err)
	}
	run, err := planner.Apply(e.commit, st, j.plan, opts)
	bar.finish()
	if run.ID != "" {
		j.run = &run
	}
	var (
		held  *planner.HeldBackError
		unath *planner.NotAuthorizedError
	)
	switch {
	case errors.As(err, &held):
		return withCode(ExitHeldBack, err, "review the plan; if the removals are meant, raise the limit for this run with --max-removes N")
	case errors.As(err, &unath):
		return withCode(ExitNotAuthorized, err, "grant a role with 'numsync roles grant ACTOR TeamsTelephonyAdministrator', or set actor in the config / --actor")
	case err != nil:
		return err
	}
	e.log.Info("applied", zap.String("run", run.ID), zap.String("status", string(run.Status)), zap.Int64("revision", run.Revision))
	return nil
}

// applyAndReport applies j, writes its reports under the run's id (id when
// no run was recorded), delivers the notifications the apply queued, and
// returns the outcome.
func applyAndReport(ctx context.Context, e *env, st *store.Store, j *job, opts planner.ApplyOptions, id string) error {
	applyErr := applyJob(ctx, e, st, j, opts)
	if j.run != nil {
		id = j.run.ID
	}
	if err := e.writeReports(j, e.reportDir(id), applyErr); err != nil {
		e.log.Warn("writing reports", zap.Error(err))
	}
	if applyErr != nil {
		return applyErr
	}
	if err := sendNotifications(ctx, e, e.log.With(zap.String("run", id))); err != nil {
		return err
	}
	return outcome(j)
}

// sendNotifications delivers the outbox when a mail server is configured.
// Messages that fail stay queued for the next run; the run still counts as
// applied, and says so.
func sendNotifications(ctx context.Context, e *env, log *zap.Logger) error {
	cfg := e.cfg.smtp()
	if !cfg.Enabled() {
		return nil
	}
	st, err := e.store(ctx)
	if err != nil {
		return err
	}
	res, err := notify.Send(ctx, st, cfg, log)
	for _, f := range res.Failures {
		fmt.Fprintf(e.stderr, "notification to %s (%s) not sent, kept for the next run: %v\n", f.UPN, f.To, f.Err)
	}
	fmt.Fprintf(e.stdout, "notifications: %d sent, %d failed, %d left for the next run\n", res.Sent, res.Failed, res.Skipped)
	if err != nil {
		return fmt.Errorf("sending notifications: %w", err)
	}
	return nil
}

// outcome turns a finished job into its exit code: nothing to do, applied,
// or done with rejected or blocked rows.
func outcome(j *job) error {
	switch {
	case len(j.plan.Rejects) > 0 || len(j.plan.Blocked) > 0 || len(j.imported) > 0:
		return &exitError{code: ExitRejected}
	case len(j.plan.Ops) == 0:
		return &exitError{code: ExitNothingToDo}
	}
	return nil
}
