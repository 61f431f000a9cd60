package main

import (
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/numsync/numsync/internal/fakeclock"
)

// TestEveryRunsOnScheduleWithoutOverlap drives the scheduler with a clock
// the test moves: runs start at the schedule's times in its time zone, a
// time that comes while a run is still going is skipped (never a second
// run at once, never a queue), and stopping waits for the run in progress.
func TestEveryRunsOnScheduleWithoutOverlap(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	sched, err := cronParser.Parse("0 2 * * *")
	if err != nil {
		t.Fatal(err)
	}
	// 01:59:30 in Berlin (UTC+1 in December).
	clock := fakeclock.New(time.Date(2026, 12, 3, 0, 59, 30, 0, time.UTC))
	// The scheduler's log lines are the events the test waits for.
	events := make(chan string, 100)
	discard := zapcore.NewCore(zapcore.NewJSONEncoder(zap.NewProductionEncoderConfig()), zapcore.AddSync(io.Discard), zap.InfoLevel)
	log := zap.New(discard, zap.Hooks(func(e zapcore.Entry) error {
		events <- e.Message
		return nil
	}))
	// next takes the scheduler's next line, waiting for it.
	next := func(want string) {
		t.Helper()
		if got := <-events; !strings.HasPrefix(got, want) {
			t.Fatalf("scheduler said %q, want %q", got, want)
		}
	}
	// tick moves the clock on by d and waits until the scheduler waits for
	// its next time again: whatever d made it do, it has said by then.
	tick := func(d time.Duration, want string) {
		t.Helper()
		clock.Advance(d)
		clock.BlockUntil(1)
		select {
		case got := <-events:
			if !strings.HasPrefix(got, want) {
				t.Fatalf("after %s the scheduler said %q, want %q", d, got, want)
			}
		default:
			t.Fatalf("after %s the scheduler said nothing, want %q", d, want)
		}
	}
	ctx, stop := context.WithCancel(context.Background())
	defer stop()

	starts := make(chan time.Time, 10)
	release := make(chan int)
	done := make(chan struct{})
	go func() {
		every(ctx, clock, sched, berlin, log, nil, func() int {
			starts <- clock.Now()
			return <-release
		})
		close(done)
	}()

	clock.BlockUntil(1)
	clock.Advance(29 * time.Second)
	tick(time.Second, "scheduled run starting")
	if at := <-starts; !at.Equal(time.Date(2026, 12, 3, 1, 0, 0, 0, time.UTC)) {
		t.Errorf("first run at %s, want 02:00 Berlin (01:00 UTC)", at)
	}

	// The next night comes while the first run still goes: skipped.
	tick(24*time.Hour, "scheduled run skipped")
	release <- 3
	next("scheduled run finished")

	// The night after, with the first run over, a run starts again.
	tick(24*time.Hour, "scheduled run starting")
	if at := <-starts; !at.Equal(time.Date(2026, 12, 5, 1, 0, 0, 0, time.UTC)) {
		t.Errorf("second run at %s, want 02:00 Berlin two nights on", at)
	}

	// Stopping while the run goes waits for it: the scheduler returns only
	// after the run it started has ended.
	stop()
	next("stopping")
	select {
	case <-done:
		t.Fatal("the scheduler returned while its run was still going")
	case release <- 0:
	}
	<-done
	select {
	case got := <-events:
		if got != "scheduled run finished" {
			t.Errorf("after the last run the scheduler said %q, want it finished", got)
		}
	default:
		t.Error("the scheduler returned without seeing its last run finish")
	}
}
