package reports

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/numsync/numsync"
)

// countryCounts is one line of the per-country table.
type countryCounts struct {
	Country string
	numsync.Counts
}

// perCountry counts operations, rejects and blocked rows per country
// ("" sorts last and is shown as "unknown").
func (f *facts) perCountry() []countryCounts {
	idx := map[string]*countryCounts{}
	get := func(c string) *countryCounts {
		if idx[c] == nil {
			idx[c] = &countryCounts{Country: c}
		}
		return idx[c]
	}
	for _, op := range f.plan.Ops {
		get(f.numberCountry(opNumber(op))).Add(op)
	}
	for _, is := range f.plan.Rejects {
		get(f.issueCountry(is)).Rejected++
	}
	for _, is := range f.plan.Blocked {
		get(f.issueCountry(is)).Blocked++
	}
	out := make([]countryCounts, 0, len(idx))
	for _, c := range idx {
		out = append(out, *c)
	}
	slices.SortFunc(out, func(a, b countryCounts) int {
		if (a.Country == "") != (b.Country == "") {
			return cmp.Compare(b.Country, a.Country) // "" last
		}
		return cmp.Compare(a.Country, b.Country)
	})
	return out
}

// nextSteps says what a person should do after this plan or run, most
// urgent first.
func (f *facts) nextSteps() []string {
	var steps []string
	c := f.counts()
	if f.in.Err != nil {
		steps = append(steps, "The run failed: fix the cause above and run it again; the store is as it was before the failed step.")
	}
	if f.in.Run != nil {
		switch f.in.Run.Status {
		case numsync.RunHeldBack:
			steps = append(steps, fmt.Sprintf("Nothing was applied: the plan takes away %s that no one else gets, more than max_removes allows. Review %s; if the removals are intended, apply again with a raised limit.", plural(f.plan.Removals(), "number", "numbers"), PlanCSVFile))
		case numsync.RunStale:
			steps = append(steps, "Nothing was applied: the store changed since the plan was made. Make a new plan and review it.")
		case numsync.RunNotAuthorized:
			steps = append(steps, "Nothing was applied: the actor holds none of the roles Teams Administrator, Teams Communications Administrator, Teams Telephony Administrator.")
		}
	}
	if c.Rejected > 0 {
		steps = append(steps, fmt.Sprintf("%s rejected: fix %s in the sheets (file, line, reason and hint in %s).",
			plural(c.Rejected, "row was", "rows were"), plural1(c.Rejected, "it", "them"), RejectsFile))
	}
	if users := f.adUsers(); len(users) > 0 {
		steps = append(steps, fmt.Sprintf("%s for msRTCSIP-Line to be cleared in Active Directory: see %s (%s or %s clears it); the first run after the change is synchronised assigns their numbers.",
			plural(len(users), "user waits", "users wait"), ADCleanupCSVFile, ADCleanupLDIFFile, ADCleanupPS1File))
	}
	if other := len(f.plan.Blocked) - len(f.adWaiting()); other > 0 {
		steps = append(steps, fmt.Sprintf("%s blocked for other reasons: see %s.", plural(other, "operation is", "operations are"), BlockedFile))
	}
	if n := len(f.in.Imported); n > 0 {
		steps = append(steps, fmt.Sprintf("%s in the exports or the directory: see the input problems table of %s (entry or file, attribute or column, value, reason and hint); fix %s at the source.",
			plural(n, "value could not be used as it is", "values could not be used as they are"), HTMLFile, plural1(n, "it", "them")))
	}
	if c.Warnings > 0 {
		steps = append(steps, fmt.Sprintf("%s: see the warnings table of %s.", plural(c.Warnings, "warning", "warnings"), HTMLFile))
	}
	if n := len(f.in.Unfinished); n > 0 {
		steps = append(steps, fmt.Sprintf("%s not landed in Teams yet (see the last table of %s): run %s against the tenant (it resumes and retries), then record what landed with `numsync results import teams-apply.results.csv`.",
			plural(n, "applied operation has", "applied operations have"), HTMLFile, TeamsApplyFile))
	}
	if f.in.Run == nil && f.in.Err == nil && len(f.plan.Ops) > 0 {
		steps = append(steps, fmt.Sprintf("Review %s (or %s), then apply exactly this plan with `numsync apply plan.json`; %s runs the same operations against a Teams tenant.", PlanCSVFile, HTMLFile, TeamsApplyFile))
	}
	switch {
	case len(steps) > 0:
	case f.applied() && len(f.plan.Ops) > 0:
		steps = append(steps, "Nothing more to do: every operation was applied.")
	default:
		steps = append(steps, "Nothing to do.")
	}
	return steps
}

// plural writes "1 row was" or "3 rows were".
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// plural1 picks the word for one or many without the count.
func plural1(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func formatTime(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format("2006-01-02 15:04:05 UTC")
}

// summary renders summary.txt. Values that came from outside (error and
// run messages) are reduced to one line of printable text, so the summary
// cannot steer the terminal it is printed on.
func (f *facts) summary() string {
	var b strings.Builder
	c := f.counts()
	title := "numsync plan"
	if f.in.Run != nil {
		title = "numsync run"
	}
	if f.in.RunID != "" {
		title += " " + numsync.OneLine(f.in.RunID)
	}
	fmt.Fprintf(&b, "%s: %s\n", title, strings.ToUpper(f.statusText()))
	if f.in.Err != nil {
		fmt.Fprintf(&b, "error: %s\n", numsync.OneLine(f.in.Err.Error()))
	}
	if f.in.Run != nil && f.in.Run.Message != "" {
		fmt.Fprintf(&b, "message: %s\n", numsync.OneLine(f.in.Run.Message))
	}
	fmt.Fprintf(&b, "started %s, took %s\n", formatTime(f.in.Started), f.duration().Round(time.Millisecond))
	fmt.Fprintf(&b, "sheets read %d, rows read %d\n", c.Sheets, c.RowsRead)
	mode := f.plan.Mode
	if mode == "" {
		mode = numsync.Merge
	}
	if f.in.Plan != nil {
		fmt.Fprintf(&b, "mode %s, store revision %d", mode, f.plan.Revision)
		if f.applied() {
			fmt.Fprintf(&b, " -> %d", f.in.Run.Revision)
		}
		b.WriteString("\n")
	}
	b.WriteString("\n")

	if f.in.Plan == nil {
		b.WriteString("no plan was made\n")
	} else {
		b.WriteString("operations\n")
		for _, line := range []struct {
			label string
			n     int
		}{
			{numsync.Assign.Symbol() + " assign", c.Assign},
			{numsync.Change.Symbol() + " change", c.Change},
			{numsync.Remove.Symbol() + " remove", c.Remove},
			{"  unchanged", c.Unchanged},
			{"  rejected", c.Rejected},
			{"  blocked", c.Blocked},
			{"  warnings", c.Warnings},
		} {
			fmt.Fprintf(&b, "  %-12s %7d\n", line.label, line.n)
		}
	}

	if len(f.in.Unfinished) > 0 {
		n := f.unlanded()
		fmt.Fprintf(&b, "\nnot landed in Teams yet: %d applied operations (%d failed, %d pending, %d submitted)\n",
			len(f.in.Unfinished), n[numsync.PushFailed], n[numsync.PushPending], n[numsync.PushSubmitted])
	}

	for _, sec := range []struct {
		title  string
		issues []numsync.Issue
	}{{"rejected rows by reason", f.plan.Rejects}, {"blocked by reason", f.plan.Blocked}, {"warnings by reason", f.plan.Warnings},
		{"input problems by reason (exports and directory)", f.in.Imported}} {
		counts := countReasons(sec.issues)
		if len(counts) == 0 {
			continue
		}
		fmt.Fprintf(&b, "\n%s\n", sec.title)
		tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
		for _, rc := range counts {
			fmt.Fprintf(tw, "  %s\t%d\n", numsync.OneLine(string(rc.Code)), rc.Count)
		}
		tw.Flush()
	}

	if countries := f.perCountry(); len(countries) > 0 {
		b.WriteString("\nper country\n")
		tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintf(tw, "country\tassign\tchange\tremove\trejected\tblocked\t\n")
		for _, cc := range countries {
			name := cc.Country
			if name == "" {
				name = "unknown"
			}
			fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t\n", numsync.OneLine(name), cc.Assign, cc.Change, cc.Remove, cc.Rejected, cc.Blocked)
		}
		tw.Flush()
	}

	b.WriteString("\nnext\n")
	for _, s := range f.nextSteps() {
		fmt.Fprintf(&b, "- %s\n", s)
	}
	return b.String()
}
