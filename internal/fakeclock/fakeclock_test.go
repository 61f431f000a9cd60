package fakeclock

import (
	"testing"
	"time"
)

func TestAfterFiresWhenTheClockReachesIt(t *testing.T) {
	start := time.Date(2026, 12, 3, 2, 0, 0, 0, time.UTC)
	c := New(start)
	early, late := c.After(time.Minute), c.After(time.Hour)
	c.BlockUntil(2)
	c.Advance(59 * time.Second)
	select {
	case <-early:
		t.Fatal("a one-minute wait fired after 59 s")
	default:
	}
	c.Advance(time.Second)
	if at := <-early; !at.Equal(start.Add(time.Minute)) {
		t.Errorf("fired at %s, want %s", at, start.Add(time.Minute))
	}
	c.Set(start) // never back
	if !c.Now().Equal(start.Add(time.Minute)) {
		t.Errorf("Set moved the clock back to %s", c.Now())
	}
	c.Set(start.Add(2 * time.Hour))
	<-late
	if at := <-c.After(0); !at.Equal(start.Add(2 * time.Hour)) {
		t.Errorf("a zero wait fired at %s, want at once", at)
	}
}
