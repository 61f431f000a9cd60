package numsync

import "time"

// Clock is where the code that waits or measures against a deadline takes
// its time from: the writer lock's lease, waiting for the lock, and the
// schedule. [SystemClock] is the machine's; a test hands in one it moves
// itself, so that it waits for events instead of sleeping.
type Clock interface {
	Now() time.Time
	// After returns a channel that receives the time once d has passed on
	// this clock, as [time.After] does on the machine's.
	After(d time.Duration) <-chan time.Time
}

// SystemClock is the machine's clock.
var SystemClock Clock = systemClock{}

type systemClock struct{}

func (systemClock) Now() time.Time                         { return time.Now() }
func (systemClock) After(d time.Duration) <-chan time.Time { return time.After(d) }
