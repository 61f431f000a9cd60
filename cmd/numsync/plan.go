package main

import (
	"context"
	"fmt"

	"github.com/numsync/numsync"
)

func init() {
	register(&command{name: "plan", args: "[SHEET|DIR...]", summary: "plan the sheets against the store (changes nothing) and write plan.json and reports", run: runPlan})
}

func runPlan(ctx context.Context, e *env, args []string) error {
	fs := e.flags("plan", "[--mode merge|authoritative] [--out FILE] [SHEET|DIR...]")
	mode := fs.String("mode", "", "merge or authoritative (default from the config)")
	out := fs.String("out", "", "also write the plan to this `file`")
	if err := parse(fs, args, 0, -1); err != nil {
		return err
	}
	policy := e.cfg.policy()
	if *mode != "" {
		m, err := numsync.ParseMode(*mode)
		if err != nil {
			return usageErr(fmt.Errorf("--mode: %w", err), "")
		}
		policy.Mode = m
	}
	sheets, err := e.sheetPaths(fs.Args())
	if err != nil {
		return err
	}
	st, err := e.store(ctx)
	if err != nil {
		return err
	}
	j, err := makePlan(ctx, e, st, sheets, policy)
	if err != nil {
		return err
	}
	dir := e.reportDir("plan-" + j.started.UTC().Format("20060102T150405.000Z"))
	if err := e.writeReports(j, dir, nil); err != nil {
		return err
	}
	if *out != "" {
		if err := writePlanFile(*out, j.plan); err != nil {
			return err
		}
	}
	if len(j.plan.Ops) > 0 {
		fmt.Fprintf(e.stdout, "to apply exactly this plan: %s\n", e.applyCommand(dir))
	}
	return outcome(j)
}
