package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/robfig/cron/v3"
	"go.uber.org/zap"

	"github.com/numsync/numsync"
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
	e.log.Info("schedule started", zap.String("cron", e.cfg.Schedule.Cron), zap.String("time_zone", loc.String()),
		zap.Time("next", sched.Next(time.Now().In(loc))))
	every(ctx, numsync.SystemClock, sched, loc, e.log, func() int { return report(e.stderr, runJob(ctx, e, f)) })
	e.log.Info("schedule stopped")
	return nil
}

// every runs job at each time sched gives in loc, as clock tells the time,
// until ctx is done; then it waits for a run still going. A time that comes
// while a run goes is skipped, never queued: two runs never overlap, and a
// run longer than the interval does not make the next ones pile up. job
// returns the run's exit code.
func every(ctx context.Context, clock numsync.Clock, sched cron.Schedule, loc *time.Location, log *zap.Logger, job func() int) {
	var (
		result chan int // receives the exit code of the run going; nil when none goes
		began  time.Time
	)
	finished := func(code int) {
		result = nil
		log.Info("scheduled run finished", zap.Int("exit_code", code), zap.Duration("took", clock.Now().Sub(began)))
	}
	next := sched.Next(clock.Now().In(loc))
	tick := clock.After(next.Sub(clock.Now()))
	for {
		select {
		case <-ctx.Done():
			log.Info("stopping: waiting for the current run to finish or roll back (send the signal again to stop at once)")
			if result != nil {
				finished(<-result)
			}
			return
		case code := <-result:
			finished(code)
		case <-tick:
			if result == nil {
				result, began = make(chan int, 1), clock.Now()
				log.Info("scheduled run starting")
				go runGuarded(job, result, log)
			} else {
				log.Info("scheduled run skipped: the previous one is still running", zap.Time("due", next))
			}
			now := clock.Now()
			next = sched.Next(now.In(loc))
			tick = clock.After(next.Sub(now))
		}
	}
}

// runGuarded sends job's exit code to result. As cron's Recover did, a bug
// in one night's run is logged as a failed run and the schedule goes on.
func runGuarded(job func() int, result chan<- int, log *zap.Logger) {
	code := ExitFailed
	defer func() {
		if r := recover(); r != nil {
			log.Error("scheduled run panicked", zap.Any("panic", r), zap.Stack("stack"))
		}
		result <- code
	}()
	code = job()
}
