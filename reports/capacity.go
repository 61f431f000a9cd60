package reports

import (
	"fmt"
	"strconv"

	"github.com/numsync/numsync"
)

// capacityCap is the most weeks the capacity chart draws: beyond it a
// range lasts long enough for no one to act yet.
const capacityCap = 52

// capacityLabel names a capacity group.
func capacityLabel(c numsync.Capacity) string {
	return fmt.Sprintf("%s %s %s", orDash(c.Country), orDash(c.Site), orDash(string(c.Type)))
}

// weeksLeft writes a runway in weeks; a negative one is no end in sight.
func weeksLeft(w float64) string {
	if w < 0 {
		return "none taken lately"
	}
	return strconv.FormatFloat(w, 'f', 1, 64)
}

// capacityTable is the page's capacity table.
func (f *facts) capacityTable() htmlTable {
	t := newHTMLTable("capacity", "Capacity", "", []string{"country", "site", "type", "free", "taken per week", "weeks left"}, len(f.capacity))
	for _, c := range f.capacity {
		t.add("", []string{orDash(c.Country), orDash(c.Site), orDash(string(c.Type)), strconv.Itoa(c.Free),
			strconv.FormatFloat(c.PerWeek, 'f', 1, 64), weeksLeft(c.WeeksLeft)})
	}
	return t
}

// capacityChart draws, per country, site and type whose numbers were taken
// lately, a bar as long as the weeks its free numbers last (up to a year).
func (f *facts) capacityChart() chart {
	c := chart{Width: chartLabelWidth + chartBarWidth + 260}
	for _, cp := range f.capacity {
		if cp.WeeksLeft < 0 {
			continue
		}
		b := bar{Y: chartTop + len(c.Bars)*chartRowHeight, Label: capacityLabel(cp)}
		w := max(1, int(min(cp.WeeksLeft, capacityCap)*chartBarWidth/capacityCap))
		color := stateColors[numsync.StateFree]
		if cp.WeeksLeft < 4 {
			color = stateColors[numsync.StateQuarantined]
		}
		b.Segments = []segment{{X: chartLabelWidth, W: w, Color: color, Title: fmt.Sprintf("%s: %s weeks", capacityLabel(cp), weeksLeft(cp.WeeksLeft))}}
		b.TotalX = chartLabelWidth + w + 6
		b.Text = fmt.Sprintf("%d free, %.1f taken a week: %s weeks", cp.Free, cp.PerWeek, weeksLeft(cp.WeeksLeft))
		c.Bars = append(c.Bars, b)
	}
	c.Height = chartTop + chartRowHeight*len(c.Bars)
	return c
}

// capacityMetrics writes the capacity figures.
func (f *facts) capacityMetrics(w promWriter) {
	if len(f.capacity) == 0 {
		return
	}
	w.family("numsync_capacity_free", "Free numbers by country, site (of the range holding them) and type.")
	for _, c := range f.capacity {
		w.sample("numsync_capacity_free", float64(c.Free), "country", c.Country, "site", c.Site, "type", string(c.Type))
	}
	w.family("numsync_capacity_taken_per_week", "Numbers taken per week over the last four weeks (or the store's history when shorter), by country, site and type.")
	for _, c := range f.capacity {
		w.sample("numsync_capacity_taken_per_week", c.PerWeek, "country", c.Country, "site", c.Site, "type", string(c.Type))
	}
	w.family("numsync_capacity_weeks_left", "Weeks until the free numbers run out at that rate; only where numbers were taken.")
	for _, c := range f.capacity {
		if c.WeeksLeft >= 0 {
			w.sample("numsync_capacity_weeks_left", c.WeeksLeft, "country", c.Country, "site", c.Site, "type", string(c.Type))
		}
	}
}
