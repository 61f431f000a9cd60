package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/robfig/cron/v3"
	"go.uber.org/zap"
)

func init() {
	register(&command{name: "schedule", summary: "run the job on the configured cron schedule until stopped (SIGTERM/SIGINT)", run: runSchedule})
}

// cronParser reads five-field expressions, an optional leading seconds
// field and descriptors such as @daily or @every 1h.
var cronParser = cron.NewParser(cron.SecondOptional | cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

func runSchedule(ctx context.Context, e *env, args []string) error {
	fs := e.flags("schedule", "[--max-removes N|P%]")
	var f runFlags
	fs.StringVar(&f.maxRemoves, "max-removes", "", "removal guard for every run: a count or a percentage")
	if err := parse(fs, args, 0, 0); err != nil {
		return err
	}
	if e.cfg.Schedule.Cron == "" {
		return usageErr(errors.New("no schedule: schedule.cron is empty"), `set e.g. schedule: {cron: "0 2 * * *", time_zone: Europe/Berlin}`)
	}
	loc := time.UTC
	if tz := e.cfg.Schedule.TimeZone; tz != "" {
		var err error
		if loc, err = time.LoadLocation(tz); err != nil {
			return usageErr(fmt.Errorf("schedule.time_zone: %w", err), "use an IANA name such as Europe/Berlin")
		}
	}
	sched, err := cronParser.Parse(e.cfg.Schedule.Cron)
	if err != nil {
		return usageErr(fmt.Errorf("schedule.cron %q: %w", e.cfg.Schedule.Cron, err), `five fields ("0 2 * * *"), six with seconds, or @daily / @every 1h`)
	}
	// The job must open its own view of the config's sheets and store on
	// each run; a failed check now is a configuration error, not a night's
	// failed run.
	if _, err := e.sheetPaths(nil); err != nil {
		return err
	}
	host, _ := os.Hostname()
	holder := fmt.Sprintf("numsync schedule (pid %d on %s)", os.Getpid(), host)
	logger := cronLogger{e.log}
	c := cron.New(cron.WithLocation(loc), cron.WithLogger(logger),
		cron.WithChain(cron.Recover(logger), cron.SkipIfStillRunning(logger)))
	c.Schedule(sched, cron.FuncJob(func() {
		start := time.Now()
		// cron fires on whole seconds, a few milliseconds late: the tick
		// is the second it was due, the same on every host whose clock
		// is within half a second.
		tick := start.Round(time.Second)
		if !claimTick(ctx, e, tick, holder) {
			return
		}
		e.log.Info("scheduled run starting", zap.Time("tick", tick))
		err := runJob(ctx, e, f)
		code := report(e.stderr, err)
		e.log.Info("scheduled run finished", zap.Int("exit_code", code), zap.Duration("took", time.Since(start)))
	}))
	c.Start()
	e.log.Info("schedule started", zap.String("cron", e.cfg.Schedule.Cron), zap.String("time_zone", loc.String()),
		zap.Time("next", sched.Next(time.Now().In(loc))))
	<-ctx.Done()
	e.log.Info("stopping: waiting for the current run to finish or roll back (send the signal again to stop at once)")
	<-c.Stop().Done()
	e.log.Info("schedule stopped")
	return nil
}

// claimTick claims the run of tick in the store, so that of several hosts
// scheduling against one store only the first runs it; the others log who
// has it and skip it. A store that cannot be reached is the run's failure
// to report, so the tick is then run (and fails there, with its exit code).
func claimTick(ctx context.Context, e *env, tick time.Time, holder string) bool {
	st, err := e.store(ctx)
	if err != nil {
		return true
	}
	claimed, by, err := st.ClaimTick(ctx, tick, holder)
	if err != nil {
		e.log.Warn("could not claim the scheduled run; running it", zap.Time("tick", tick), zap.Error(err))
		return true
	}
	if !claimed {
		e.log.Info("scheduled run skipped: another scheduler has this tick", zap.Time("tick", tick), zap.String("holder", by))
	}
	return claimed
}

// cronLogger sends the scheduler's own messages to zap.
type cronLogger struct{ log *zap.Logger }

func (l cronLogger) Info(msg string, kv ...any) {
	l.log.Sugar().Debugw("cron: "+msg, kv...)
}

func (l cronLogger) Error(err error, msg string, kv ...any) {
	l.log.Sugar().Errorw("cron: "+msg, append(kv, "error", err)...)
}
