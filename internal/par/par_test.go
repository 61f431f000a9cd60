package par

import (
	"runtime"
	"sync/atomic"
	"testing"
	"time"
)

func TestEachCallsEveryPieceOnce(t *testing.T) {
	for _, n := range []int{0, 1, 7, 1000} {
		calls := make([]atomic.Int32, n)
		Each(n, func(i int) { calls[i].Add(1) })
		for i := range calls {
			if c := calls[i].Load(); c != 1 {
				t.Fatalf("n=%d: piece %d called %d times, want once", n, i, c)
			}
		}
	}
}

func TestEachRunsPiecesSideBySide(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	// The first two pieces wait for each other: Each returns only if they
	// run at the same time.
	var started atomic.Int32
	done := make(chan struct{})
	go func() {
		Each(2, func(int) {
			started.Add(1)
			for started.Load() < 2 {
				time.Sleep(time.Millisecond)
			}
		})
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("two pieces never ran at the same time")
	}
}
