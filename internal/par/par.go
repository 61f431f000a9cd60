// Package par runs independent pieces of work on every core.
package par

import (
	"runtime"
	"sync"
)

// Each calls fn(i) for every i in [0, n), on as many goroutines as there
// are cores (GOMAXPROCS), handing out the pieces in order, and returns when
// all are done. The calls must not depend on each other; a caller that
// wants ordered results writes piece i's result into slot i.
func Each(n int, fn func(i int)) {
	next := make(chan int, n)
	for i := range n {
		next <- i
	}
	close(next)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), n) {
		wg.Go(func() {
			for i := range next {
				fn(i)
			}
		})
	}
	wg.Wait()
}
