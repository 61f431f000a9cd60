package importer

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"testing"
	"time"
)

// writeBenchSheet writes a sheet of n rows, each a distinct user and
// number, a third of them in national format, to dir.
func writeBenchSheet(tb testing.TB, dir string, n int) string {
	tb.Helper()
	path := filepath.Join(dir, fmt.Sprintf("sheet-%d.csv", n))
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	w := bufio.NewWriter(f)
	fmt.Fprintln(w, "UserPrincipalName,PhoneNumber,PhoneNumberType,LocationId,Notify")
	for i := range n {
		num := fmt.Sprintf("+1425%07d", 3000000+i)
		if i%3 == 0 {
			num = fmt.Sprintf("(425) %03d-%04d", 300+i/10000, i%10000)
		}
		fmt.Fprintf(w, "user%06d@contoso.com,%s,CallingPlan,loc-us-%d,yes\n", i, num, i%50)
	}
	if err := w.Flush(); err != nil {
		tb.Fatal(err)
	}
	if err := f.Close(); err != nil {
		tb.Fatal(err)
	}
	return path
}

func usLookup(string) (string, bool) { return "US", true }

// samplePeakHeap watches the live heap until the returned function is
// called, which returns the highest value seen.
func samplePeakHeap() func() uint64 {
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	done := make(chan struct{})
	peak := make(chan uint64)
	go func() {
		var high uint64
		tick := time.NewTicker(2 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-done:
				peak <- high
				return
			case <-tick.C:
				metrics.Read(sample)
				high = max(high, sample[0].Value.Uint64())
			}
		}
	}()
	return func() uint64 {
		close(done)
		return <-peak
	}
}

// BenchmarkReadSheets reads sheets of 10,000 and 100,000 rows, serially and
// with numbers normalised on every core. Flat memory
// shows as B/row and retained-B/row staying the same as the file grows
// tenfold: what is kept is the wishes, and the reading itself holds one row
// at a time.
func BenchmarkReadSheets(b *testing.B) {
	for _, bc := range []struct{ rows, workers int }{
		{10_000, 1}, {100_000, 1}, {10_000, runtime.GOMAXPROCS(0)}, {100_000, runtime.GOMAXPROCS(0)},
	} {
		n := bc.rows
		b.Run(fmt.Sprintf("rows=%d/workers=%d", n, bc.workers), func(b *testing.B) {
			path := writeBenchSheet(b, b.TempDir(), n)
			b.ReportAllocs()
			var retained uint64
			stop := samplePeakHeap()
			for b.Loop() {
				var before, after runtime.MemStats
				runtime.GC()
				runtime.ReadMemStats(&before)
				res, err := readSheets(context.Background(), []string{path}, usLookup, bc.workers)
				if err != nil {
					b.Fatal(err)
				}
				if len(res.Wishes) != n || len(res.Rejects) != 0 {
					b.Fatalf("%d wishes, %d rejects (first %+v)", len(res.Wishes), len(res.Rejects), res.Rejects)
				}
				runtime.GC()
				runtime.ReadMemStats(&after)
				retained = after.HeapAlloc - before.HeapAlloc
				runtime.KeepAlive(res)
			}
			b.ReportMetric(float64(stop())/float64(n), "peak-heap-B/row")
			b.ReportMetric(float64(retained)/float64(n), "retained-B/row")
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/row")
		})
	}
}
