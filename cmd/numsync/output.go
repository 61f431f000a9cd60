package main

import (
	"fmt"
	"io"

	"github.com/numsync/numsync"
)

// printIssue writes one issue as one line, "file:line: CODE: message",
// after indent, with the hint on a further indented line below. What came
// from the input is made one printable line ([numsync.OneLine]): a NUL, an
// escape sequence or a right-to-left override in a cell is shown, never
// sent to the terminal.
func printIssue(w io.Writer, indent string, is numsync.Issue) {
	is.File, is.Column, is.Message, is.Hint = numsync.OneLine(is.File), numsync.OneLine(is.Column), numsync.OneLine(is.Message), numsync.OneLine(is.Hint)
	where := is.File
	if is.Line > 0 {
		where = fmt.Sprintf("%s:%d", is.File, is.Line)
	}
	if where != "" {
		where += ": "
	}
	col := ""
	if is.Column != "" {
		col = "column " + is.Column + ": "
	}
	fmt.Fprintf(w, "%s%s%s%s: %s\n", indent, where, col, is.Code, is.Message)
	if is.Hint != "" {
		fmt.Fprintf(w, "%s  hint: %s\n", indent, is.Hint)
	}
}

// listLimit is how many operations, rejects and blocked rows a command
// lists on the terminal; the reports have them all.
const listLimit = 20

// printPlanDetails lists the first operations, rejected and blocked rows
// of p, one line each, below the summary.
func printPlanDetails(w io.Writer, p *numsync.Plan) {
	if p == nil {
		return
	}
	if len(p.Ops) > 0 {
		fmt.Fprintf(w, "\noperations%s\n", shown(len(p.Ops), "plan.csv"))
		for i, op := range p.Ops[:min(len(p.Ops), listLimit)] {
			pair := ""
			if op.Pair != 0 {
				pair = fmt.Sprintf(" (steps %d and %d: one change)", min(i+1, op.Pair), max(i+1, op.Pair))
			}
			fmt.Fprintf(w, "  %d %s %s %s: %s%s\n", i+1, op.Action.Symbol(), numsync.OneLine(op.UPN), op.Category, numsync.OneLine(describeOp(op)), pair)
		}
	}
	for _, l := range []struct {
		name, file string
		issues     []numsync.Issue
	}{{"rejected rows", "rejects.csv", p.Rejects}, {"blocked", "blocked.csv", p.Blocked}} {
		if len(l.issues) == 0 {
			continue
		}
		fmt.Fprintf(w, "\n%s%s\n", l.name, shown(len(l.issues), l.file))
		for _, is := range l.issues[:min(len(l.issues), listLimit)] {
			printIssue(w, "  ", is)
		}
	}
}

// shown says how many of n items a list shows.
func shown(n int, file string) string {
	if n <= listLimit {
		return ""
	}
	return fmt.Sprintf(" (first %d of %d; all in %s)", listLimit, n, file)
}

func describeOp(op numsync.Op) string {
	h := func(x *numsync.Holding) string {
		s := x.Number.String() + " " + string(x.Type)
		if x.Location != "" {
			s += " @ " + x.Location
		}
		return s
	}
	switch {
	case op.Before == nil && op.After != nil:
		return h(op.After)
	case op.After == nil && op.Before != nil:
		return h(op.Before)
	case op.Before != nil && op.After != nil:
		return h(op.Before) + " -> " + h(op.After)
	}
	return ""
}
