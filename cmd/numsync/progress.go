package main

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
)

// progress is a one-line bar on the terminal. It draws nothing when its
// writer is not a terminal, so logs and redirected output never carry it.
type progress struct {
	w     io.Writer
	label string
	total int64 // 0: unknown, show a count
	unit  string

	mu   sync.Mutex
	done int64
	last time.Time
}

// newProgress returns a bar for label on e's stderr; total may be 0.
func (e *env) newProgress(label string, total int64, unit string) *progress {
	if !isTerminal(e.stderr) {
		return nil
	}
	return &progress{w: e.stderr, label: label, total: total, unit: unit}
}

// set moves the bar to n; redraws at most ten times a second. A nil bar
// does nothing, so callers need not ask whether there is a terminal.
func (p *progress) set(n int64) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done = n
	if time.Since(p.last) < 100*time.Millisecond {
		return
	}
	p.last = time.Now()
	p.draw()
}

func (p *progress) draw() {
	if p.total <= 0 {
		fmt.Fprintf(p.w, "\r%s: %d %s\x1b[K", p.label, p.done, p.unit)
		return
	}
	const width = 30
	frac := min(float64(p.done)/float64(p.total), 1)
	fill := int(frac * width)
	fmt.Fprintf(p.w, "\r%s [%s%s] %3.0f%% %d/%d %s\x1b[K", p.label,
		strings.Repeat("=", fill), strings.Repeat(" ", width-fill), frac*100, p.done, p.total, p.unit)
}

// finish clears the bar's line.
func (p *progress) finish() {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprint(p.w, "\r\x1b[K")
}
