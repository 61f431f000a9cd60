// Package fakeclock is a [numsync.Clock] that moves only when a test moves
// it, for tests of the lock's lease, the lock wait and the schedule: they
// wait for events (someone waits on the clock) instead of sleeping.
package fakeclock

import (
	"sync"
	"time"

	"github.com/numsync/numsync"
)

// Clock is a clock that stands still until [Clock.Advance] or [Clock.Set].
type Clock struct {
	mu      sync.Mutex
	changed *sync.Cond // signalled when a waiter comes or goes
	now     time.Time
	waiters []waiter
}

type waiter struct {
	at time.Time
	c  chan time.Time
}

var _ numsync.Clock = (*Clock)(nil)

// New returns a clock standing at now.
func New(now time.Time) *Clock {
	c := &Clock{now: now}
	c.changed = sync.NewCond(&c.mu)
	return c
}

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// After returns a channel that receives once the clock reached now+d; at
// once when d is not positive.
func (c *Clock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	ch := make(chan time.Time, 1)
	if d <= 0 {
		ch <- c.now
		return ch
	}
	c.waiters = append(c.waiters, waiter{c.now.Add(d), ch})
	c.changed.Broadcast()
	return ch
}

// Advance moves the clock on by d and wakes the waiters that are due.
func (c *Clock) Advance(d time.Duration) { c.Set(c.Now().Add(d)) }

// Set moves the clock to t (never back) and wakes the waiters that are due.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if t.After(c.now) {
		c.now = t
	}
	kept := c.waiters[:0]
	for _, w := range c.waiters {
		if w.at.After(c.now) {
			kept = append(kept, w)
			continue
		}
		w.c <- c.now
	}
	c.waiters = kept
	c.changed.Broadcast()
}

// BlockUntil returns once n callers of After are waiting for a time still
// to come: the event that code under test has reached its wait.
func (c *Clock) BlockUntil(n int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for len(c.waiters) < n {
		c.changed.Wait()
	}
}
