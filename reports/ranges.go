package reports

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/numsync/numsync"
)

// rangeColumns head the ranges table of the summary, the page and
// `numsync ranges`.
var rangeColumns = []string{"range", "site", "type", "country", "size", "owned", "assigned", "free", "reserved", "quarantined", "blocked", "missing", "other", "per week", "weeks left", "stock"}

// rangeCells is one range's row under rangeColumns.
func rangeCells(u numsync.RangeUsage) []string {
	stock := "ok"
	switch {
	case u.LowStock == nil:
		stock = "-"
	case u.IsLow():
		stock = "LOW (limit " + u.LowStock.String() + ")"
	}
	return []string{u.Name, orDash(u.Site), orDash(string(u.Type)), orDash(u.Country), strconv.FormatInt(u.Size, 10),
		strconv.Itoa(u.Owned), strconv.Itoa(u.Assigned), strconv.Itoa(u.Free), strconv.Itoa(u.Reserved), strconv.Itoa(u.Quarantined), strconv.Itoa(u.Blocked),
		strconv.FormatInt(u.Missing, 10), strconv.Itoa(u.Mismatched), strconv.FormatFloat(u.PerWeek, 'f', 1, 64), weeksLeft(u.WeeksLeft), stock}
}

// orDash shows an empty cell as "-".
func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// WriteRangeTable writes the usage of ranges as a text table, then a line
// for each range whose span the inventory does not fully own (naming the
// first gaps) or holds numbers of another type or country.
func WriteRangeTable(w io.Writer, us []numsync.RangeUsage) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  "+strings.Join(rangeColumns, "\t")+"\t")
	for _, u := range us {
		cells := rangeCells(u)
		for i := range cells {
			cells[i] = numsync.OneLine(cells[i])
		}
		fmt.Fprintln(tw, "  "+strings.Join(cells, "\t")+"\t")
	}
	tw.Flush()
	for _, u := range us {
		if u.Missing > 0 {
			gaps := make([]string, len(u.Gaps))
			for i, g := range u.Gaps {
				gaps[i] = g.String()
			}
			more := ""
			if u.MoreGaps {
				more = ", …"
			}
			fmt.Fprintf(w, "  %s: %s of its %d not in the inventory: %s%s\n", numsync.OneLine(u.Name), plural(int(u.Missing), "number", "numbers"), u.Size, strings.Join(gaps, ", "), more)
		}
		if u.Size == 0 && u.Prefix != "" {
			fmt.Fprintf(w, "  %s: no inventory number starts with %s\n", numsync.OneLine(u.Name), u.Prefix)
		}
		if u.Mismatched > 0 {
			fmt.Fprintf(w, "  %s: %s in its span %s not %s %s, and never handed out from it\n", numsync.OneLine(u.Name),
				plural(u.Mismatched, "number", "numbers"), plural1(u.Mismatched, "is", "are"), orDash(u.Country), orDash(string(u.Type)))
		}
	}
}

// countBlocked moves the free numbers of the ranges that blocked rows of
// the plan wait for (ONPREM_LINE_SET) from free to blocked: they are spoken
// for until AD is cleared.
func (f *facts) countBlocked(held func(string) bool, reserved map[string]*numsync.Reservation) {
	for _, is := range f.plan.Blocked {
		n := f.x.Number(is.Number)
		if n == nil || numsync.StateOf(n, held, reserved, f.in.Now, f.in.QuarantineDays) != numsync.StateFree {
			continue
		}
		for i := range f.ranges {
			if u := &f.ranges[i]; u.Contains(n.E164) && u.Fits(n) {
				u.Free--
				u.Blocked++
			}
		}
	}
}

// lowRanges names the ranges low on free numbers, for the next steps.
func (f *facts) lowRanges() []string {
	var out []string
	for _, u := range f.ranges {
		if u.IsLow() {
			out = append(out, fmt.Sprintf("%s (%d free, limit %s)", numsync.OneLine(u.Name), u.Free, u.LowStock))
		}
	}
	return out
}

func (f *facts) rangesTable() htmlTable {
	t := newHTMLTable("ranges", "Number ranges", "", rangeColumns, len(f.ranges))
	for _, u := range f.ranges {
		t.add("", rangeCells(u))
	}
	return t
}

// rangeMetrics writes the ranges' figures.
func (f *facts) rangeMetrics(w promWriter) {
	if len(f.ranges) == 0 {
		return
	}
	w.family("numsync_range_numbers", "Numbers of each configured range by state (assigned, free, reserved, quarantined, blocked: waiting for an operation held back) after the last run.")
	for _, u := range f.ranges {
		for _, s := range []struct {
			st numsync.NumberState
			n  int
		}{{numsync.StateAssigned, u.Assigned}, {numsync.StateFree, u.Free}, {numsync.StateReserved, u.Reserved}, {numsync.StateQuarantined, u.Quarantined}, {"blocked", u.Blocked}} {
			w.sample("numsync_range_numbers", float64(s.n), "range", u.Name, "site", u.Site, "state", string(s.st))
		}
	}
	w.family("numsync_range_missing", "Numbers in the span of each range that the inventory does not hold.")
	for _, u := range f.ranges {
		w.sample("numsync_range_missing", float64(u.Missing), "range", u.Name, "site", u.Site)
	}
	w.family("numsync_range_weeks_left", "Weeks until the range's free numbers run out at the rate of the last four weeks; only where numbers were taken.")
	for _, u := range f.ranges {
		if u.WeeksLeft >= 0 {
			w.sample("numsync_range_weeks_left", u.WeeksLeft, "range", u.Name, "site", u.Site)
		}
	}
	w.family("numsync_range_low", "1 when the range's free numbers are at or below its low_stock limit, else 0.")
	for _, u := range f.ranges {
		w.sample("numsync_range_low", boolFloat(u.IsLow()), "range", u.Name, "site", u.Site)
	}
}
