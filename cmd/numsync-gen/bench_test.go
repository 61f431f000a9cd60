package main

import (
	"testing"
)

// BenchmarkGenerate10k writes a whole 10,000-user tenant; the figure to
// watch is ns/op divided by 10,000 (the cost of one user, its numbers and
// its sheet rows).
func BenchmarkGenerate10k(b *testing.B) {
	dir := b.TempDir()
	for b.Loop() {
		if _, err := generate(options{users: 10000, seed: 1, out: dir, sheetRows: 10000}); err != nil {
			b.Fatal(err)
		}
	}
}
