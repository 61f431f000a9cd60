package main

import (
	"context"
	"errors"
	"fmt"
	"os"
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
	host, _ := os.Hostname()
	holder := fmt.Sprintf("numsync schedule (pid %d on %s)", os.Getpid(), host)
	e.log.Info("schedule started", zap.String("cron", e.cfg.Schedule.Cron), zap.String("time_zone", loc.String()),
		zap.Time("next", sched.Next(time.Now().In(loc))))
	claim := func(due time.Time) bool { return claimTick(ctx, e, due, holder) }
	every(ctx, numsync.SystemClock, sched, loc, e.log, claim, func() int { return report(e.stderr, runJob(ctx, e, f)) })
	e.log.Info("schedule stopped")
	return nil
}

// claimTick claims the run due at tick in the store, so that of several
// hosts scheduling against one store only the first runs it; the others
// log who has it and skip it. Hosts agree on tick as long as they agree on
// the schedule and on the time to the second. A store that cannot be reached is the run's failure
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

// every runs job at each time sched gives in loc, as clock tells the time,
// until ctx is done; then it waits for a run still going. A time that comes
// while a run goes is skipped, never queued: two runs never overlap, and a
// run longer than the interval does not make the next ones pile up. job
// returns the run's exit code. claim, when set, is asked first whether this
// process is to run the time due (see [claimTick]).
func every(ctx context.Context, clock numsync.Clock, sched cron.Schedule, loc *time.Location, log *zap.Logger,
	claim func(due time.Time) bool, job func() int) {
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
			switch {
			case result != nil:
				log.Info("scheduled run skipped: the previous one is still running", zap.Time("due", next))
			case claim != nil && !claim(next):
				// Another scheduler runs it; claim said who.
			default:
				result, began = make(chan int, 1), clock.Now()
				log.Info("scheduled run starting", zap.Time("tick", next))
				go runGuarded(job, result, log)
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
