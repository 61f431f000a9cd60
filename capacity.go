package numsync

import (
	"cmp"
	"slices"
	"time"
)

// Taken is a number an applied run gave to an identity, and when.
type Taken struct {
	At     time.Time
	Number Number
}

// CapacityWindow is how far back the rate numbers are taken at is
// measured.
const CapacityWindow = 4 * 7 * 24 * time.Hour

// Capacity is how long the free numbers of one country, site and type
// last at the rate they were taken lately.
type Capacity struct {
	Country string
	Site    string // of the first range holding the numbers; "" outside ranges
	Type    NumberType
	Free    int
	// PerWeek is the numbers taken per week over the window (or over the
	// history, when it is shorter, but never less than a week).
	PerWeek float64
	// WeeksLeft is Free / PerWeek; -1 when nothing was taken (no end in
	// sight).
	WeeksLeft float64
}

// CapacityIn works out, per country, site and type, the free numbers of t
// (free meaning what [RangeUsages] means) and the rate taken shows. The
// rate is over window before now, or since historyStart when that is
// later (a store younger than the window); taken may hold older entries,
// which are left out.
func CapacityIn(t *Tenant, rs []Range, held func(key string) bool, reserved map[string]*Reservation,
	taken []Taken, historyStart, now time.Time, window time.Duration, quarantineDays int) []Capacity {
	type key struct {
		country, site string
		typ           NumberType
	}
	site := map[string]string{} // number -> site of its first range
	for i, m := range RangeMembers(t, rs) {
		for _, n := range m {
			if _, ok := site[n.E164]; !ok && rs[i].Fits(n) {
				site[n.E164] = rs[i].Site
			}
		}
	}
	keyOf := func(n *InventoryNumber) key { return key{n.Country, site[n.E164], n.Type} }
	groups := map[key]*Capacity{}
	get := func(k key) *Capacity {
		if groups[k] == nil {
			groups[k] = &Capacity{Country: k.country, Site: k.site, Type: k.typ}
		}
		return groups[k]
	}
	byNumber := make(map[string]*InventoryNumber, len(t.Numbers))
	for i := range t.Numbers {
		n := &t.Numbers[i]
		byNumber[n.String()] = n
		c := get(keyOf(n))
		if StateOf(n, held, reserved, now, quarantineDays) == StateFree {
			c.Free++
		}
	}
	from, weeks := rateWindow(historyStart, now, window)
	counts := map[key]int{}
	for _, tk := range taken {
		if n := byNumber[tk.Number.String()]; n != nil && !tk.At.Before(from) {
			counts[keyOf(n)]++
		}
	}
	out := make([]Capacity, 0, len(groups))
	for k, c := range groups {
		c.PerWeek, c.WeeksLeft = runway(counts[k], weeks, c.Free)
		out = append(out, *c)
	}
	slices.SortFunc(out, func(a, b Capacity) int {
		return cmp.Or(cmp.Compare(a.Country, b.Country), cmp.Compare(a.Site, b.Site), cmp.Compare(a.Type, b.Type))
	})
	return out
}

// RangeRunways sets, on each range's usage, the numbers of the range (of
// t's inventory, fitting the range) taken per week and the weeks its free
// numbers last at that rate, as [CapacityIn] does per country, site and
// type.
func RangeRunways(t *Tenant, us []RangeUsage, taken []Taken, historyStart, now time.Time, window time.Duration) {
	from, weeks := rateWindow(historyStart, now, window)
	recent := map[string]bool{}
	for _, tk := range taken {
		if tk.Number.Ext == "" && !tk.At.Before(from) {
			recent[tk.Number.E164] = true
		}
	}
	rs := make([]Range, len(us))
	for j := range us {
		rs[j] = us[j].Range
	}
	for j, m := range RangeMembers(t, rs) {
		n := 0
		for _, num := range m {
			if recent[num.E164] && rs[j].Fits(num) {
				n++
			}
		}
		us[j].PerWeek, us[j].WeeksLeft = runway(n, weeks, us[j].Free)
	}
}

// rateWindow is where the window rates are measured over starts (window
// before now, or historyStart when later) and how many weeks it spans,
// never under one: one morning's wave is no weekly rate.
func rateWindow(historyStart, now time.Time, window time.Duration) (from time.Time, weeks float64) {
	from = now.Add(-window)
	if historyStart.After(from) {
		from = historyStart
	}
	return from, max(now.Sub(from).Hours()/(24*7), 1)
}

// runway is the rate of taken numbers over weeks and how long free
// numbers last at it; -1 weeks when none were taken.
func runway(taken int, weeks float64, free int) (perWeek, weeksLeft float64) {
	if taken == 0 {
		return 0, -1
	}
	perWeek = float64(taken) / weeks
	return perWeek, float64(free) / perWeek
}
