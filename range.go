package numsync

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Range is a named block of numbers the organisation hands out from: the
// numbers of a site's DDI block, a country's Calling Plan numbers. A range
// is written as its first and last number (both in E.164, of equal length)
// or as a prefix; its numbers are the inventory numbers in that span (a
// Direct Routing number with an extension is never part of a range).
type Range struct {
	Name   string
	First  string // E.164, with Last; empty when Prefix is used
	Last   string
	Prefix string // "+" and digits
	// Type and Country, when set, are what every number of the range must
	// be; numbers of the span that differ are reported, never handed out.
	Type    NumberType
	Country string // ISO 3166 alpha-2
	// Site is a free label that sheets select ranges by ("next:site=London").
	Site string
	// LocationID is the emergency location a number from the range gets
	// when its row names none.
	LocationID string
	// Tag is the tenant's number tag for the range's numbers.
	Tag string
	// LowStock, when set, flags the range as low once its free numbers
	// fall to the limit (a count, or a percentage of its owned numbers).
	LowStock *Threshold
}

// Validate checks r and normalises its spelling: numbers in E.164, the
// country upper case (taken from the numbers when empty). The error names
// the field at fault. An empty country is taken from the first number (or
// the prefix) when its calling code belongs to one country only.
func (r *Range) Validate() error {
	r.Name = strings.TrimSpace(r.Name)
	if r.Name == "" {
		return fmt.Errorf("name: must not be empty")
	}
	if strings.ContainsAny(r.Name, ",=") {
		return fmt.Errorf("name %q: must not contain ',' or '=' (sheets write next:NAME)", r.Name)
	}
	switch {
	case r.Prefix != "" && (r.First != "" || r.Last != ""):
		return fmt.Errorf("give either first and last, or prefix, not both")
	case r.Prefix != "":
		r.Prefix = strings.TrimSpace(r.Prefix)
		if !strings.HasPrefix(r.Prefix, "+") || len(r.Prefix) < 3 || !allDigits(r.Prefix[1:]) {
			return fmt.Errorf("prefix %q: want + and the leading digits of the numbers, e.g. +4420794600", r.Prefix)
		}
	case r.First == "" || r.Last == "":
		return fmt.Errorf("give first and last (E.164 numbers), or prefix")
	default:
		for _, f := range []*string{&r.First, &r.Last} {
			n, err := ParseNumber(*f, "")
			if err != nil || n.Ext != "" {
				return fmt.Errorf("%q: want a number in E.164 such as +442079460000", *f)
			}
			*f = n.E164
		}
		if len(r.First) != len(r.Last) {
			return fmt.Errorf("first %s and last %s have different lengths", r.First, r.Last)
		}
		if r.First > r.Last {
			return fmt.Errorf("first %s comes after last %s", r.First, r.Last)
		}
	}
	r.Country = strings.ToUpper(strings.TrimSpace(r.Country))
	if r.Country == "" {
		r.Country = Number{E164: cmp.Or(r.First, r.Prefix)}.Country()
	}
	return nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// Contains reports whether the E.164 number falls in the range's span,
// owned or not.
func (r Range) Contains(e164 string) bool {
	if r.Prefix != "" {
		return strings.HasPrefix(e164, r.Prefix)
	}
	return len(e164) == len(r.First) && e164 >= r.First && e164 <= r.Last
}

// Fits reports whether an inventory number of the span is what the range
// says its numbers are (type and country).
func (r Range) Fits(n *InventoryNumber) bool {
	return (r.Type == "" || n.Type == r.Type) && (r.Country == "" || strings.EqualFold(n.Country, r.Country))
}

// ValidateRanges validates every range and that names are unique
// (case-insensitively, as sheets write them).
func ValidateRanges(rs []Range) error {
	seen := make(map[string]bool, len(rs))
	for i := range rs {
		if err := rs[i].Validate(); err != nil {
			return fmt.Errorf("range %d (%s): %w", i+1, cmp.Or(rs[i].Name, "no name"), err)
		}
		k := strings.ToLower(rs[i].Name)
		if seen[k] {
			return fmt.Errorf("range %d: the name %s is used twice", i+1, rs[i].Name)
		}
		seen[k] = true
	}
	return nil
}

// Selector is what a sheet row asks for instead of a number: the next
// free number of the ranges it selects. A cell "next:London-DDI" selects
// the range of that name; "next:site=London,type=DirectRouting" every
// range of that site and type.
type Selector struct {
	Range   string
	Site    string
	Country string
	Type    NumberType
}

// NextPrefix starts a sheet cell that asks for the next free number.
const NextPrefix = "next:"

// ParseSelector reads the part of a "next:" cell after the prefix.
func ParseSelector(s string) (Selector, error) {
	var sel Selector
	s = strings.TrimSpace(s)
	if s == "" {
		return sel, fmt.Errorf("empty selector: write next:RANGE, or next:site=…;country=…;type=…")
	}
	if !strings.Contains(s, "=") {
		sel.Range = s
		return sel, nil
	}
	for part := range strings.FieldsFuncSeq(s, func(r rune) bool { return r == ',' || r == ';' }) {
		k, v, ok := strings.Cut(part, "=")
		k, v = strings.ToLower(strings.TrimSpace(k)), strings.TrimSpace(v)
		if !ok || v == "" {
			return sel, fmt.Errorf("%q: want key=value (range, site, country or type)", part)
		}
		var dup bool
		switch k {
		case "range":
			dup, sel.Range = sel.Range != "", v
		case "site":
			dup, sel.Site = sel.Site != "", v
		case "country":
			dup, sel.Country = sel.Country != "", strings.ToUpper(v)
		case "type":
			t, err := ParseNumberType(v)
			if err != nil {
				return sel, err
			}
			dup, sel.Type = sel.Type != "", t
		default:
			return sel, fmt.Errorf("unknown selector key %q (want range, site, country or type)", k)
		}
		if dup {
			return sel, fmt.Errorf("selector key %q given twice", k)
		}
	}
	return sel, nil
}

// String writes the selector in its canonical form, which [ParseSelector]
// reads back: the range name alone, or key=value pairs in a fixed order.
func (s Selector) String() string {
	if s.Site == "" && s.Country == "" && s.Type == "" {
		return s.Range
	}
	var parts []string
	for _, kv := range [][2]string{{"range", s.Range}, {"site", s.Site}, {"country", s.Country}, {"type", string(s.Type)}} {
		if kv[1] != "" {
			parts = append(parts, kv[0]+"="+kv[1])
		}
	}
	return strings.Join(parts, ",")
}

// Matches reports whether the selector selects r.
func (s Selector) Matches(r Range) bool {
	return (s.Range == "" || strings.EqualFold(s.Range, r.Name)) &&
		(s.Site == "" || strings.EqualFold(s.Site, r.Site)) &&
		(s.Country == "" || strings.EqualFold(s.Country, r.Country)) &&
		(s.Type == "" || s.Type == r.Type)
}

// RangeUsage is where a range stands in the inventory.
type RangeUsage struct {
	Range
	// Size is the count of numbers in the span; for a prefix range it is
	// worked out from the length of the owned numbers (0 when none is owned).
	Size        int64
	Owned       int // inventory numbers in the span that fit the range
	Assigned    int
	Free        int // owned, not assigned, not quarantined, not reserved
	Quarantined int
	Reserved    int // free but for an active reservation
	// Blocked are free numbers an operation the plan holds back (R12)
	// waits for; the reports count them, RangeUsages does not know plans.
	Blocked int
	// PerWeek and WeeksLeft are the range's runway (see [RangeRunways]);
	// WeeksLeft is -1 when no number of it was taken lately.
	PerWeek, WeeksLeft float64
	// Mismatched are inventory numbers in the span of another type or
	// country than the range's.
	Mismatched int
	// Missing is the count of numbers of the span the inventory lacks;
	// Gaps names the first few of them as spans.
	Missing  int64
	Gaps     []Span
	MoreGaps bool // more gaps than Gaps names
}

// IsLow reports whether the range has a LowStock limit and its free
// numbers are at or below it.
func (u RangeUsage) IsLow() bool { return u.LowStock != nil && u.Free <= u.LowStock.Limit(u.Owned) }

// Span is a run of consecutive numbers, First to Last inclusive.
type Span struct{ First, Last string }

func (s Span) String() string {
	if s.First == s.Last {
		return s.First
	}
	return s.First + "-" + s.Last
}

// maxGaps is how many gap spans a [RangeUsage] names.
const maxGaps = 5

// RangeUsages works out the usage of every range in t as of now, in the
// order of rs; held says whether a number (by [Number.String]) is assigned,
// reserved are the active reservations by number.
func RangeUsages(t *Tenant, rs []Range, held func(key string) bool, reserved map[string]*Reservation, now time.Time, quarantineDays int) []RangeUsage {
	out := make([]RangeUsage, len(rs))
	members := RangeMembers(t, rs)
	for i, r := range rs {
		u := RangeUsage{Range: r, WeeksLeft: -1}
		var owned []string
		for _, n := range members[i] {
			owned = append(owned, n.E164)
			if !r.Fits(n) {
				u.Mismatched++
				continue
			}
			u.Owned++
			switch StateOf(n, held, reserved, now, quarantineDays) {
			case StateAssigned:
				u.Assigned++
			case StateQuarantined:
				u.Quarantined++
			case StateReserved:
				u.Reserved++
			default:
				u.Free++
			}
		}
		u.Size, u.Missing, u.Gaps, u.MoreGaps = gaps(r, owned)
		out[i] = u
	}
	return out
}

// RangeMembers returns, for each range of rs, the inventory numbers of t in
// its span in ascending order (fitting or not). Numbers with an extension
// belong to no range.
func RangeMembers(t *Tenant, rs []Range) [][]*InventoryNumber {
	out := make([][]*InventoryNumber, len(rs))
	if len(rs) == 0 {
		return out
	}
	// The numbers are sorted once by value, in which a first..last span is
	// one run, and, for prefix ranges, by text, in which a prefix is one
	// run: each range is then two binary searches, however many ranges
	// and numbers there are.
	byValue := make([]*InventoryNumber, 0, len(t.Numbers))
	for i := range t.Numbers {
		if t.Numbers[i].Ext == "" {
			byValue = append(byValue, &t.Numbers[i])
		}
	}
	slices.SortFunc(byValue, func(a, b *InventoryNumber) int { return CompareE164(a.E164, b.E164) })
	var byText []*InventoryNumber
	for j, r := range rs {
		if r.Prefix == "" {
			lo, _ := slices.BinarySearchFunc(byValue, r.First, func(n *InventoryNumber, e string) int { return CompareE164(n.E164, e) })
			hi, found := slices.BinarySearchFunc(byValue, r.Last, func(n *InventoryNumber, e string) int { return CompareE164(n.E164, e) })
			if found {
				hi++
			}
			out[j] = byValue[lo:hi:hi]
			continue
		}
		if byText == nil {
			byText = slices.Clone(byValue)
			slices.SortFunc(byText, func(a, b *InventoryNumber) int { return strings.Compare(a.E164, b.E164) })
		}
		lo, _ := slices.BinarySearchFunc(byText, r.Prefix, func(n *InventoryNumber, p string) int { return strings.Compare(n.E164, p) })
		hi := lo
		for hi < len(byText) && strings.HasPrefix(byText[hi].E164, r.Prefix) {
			hi++
		}
		m := slices.Clone(byText[lo:hi])
		slices.SortFunc(m, func(a, b *InventoryNumber) int { return CompareE164(a.E164, b.E164) })
		out[j] = m
	}
	return out
}

// CompareE164 orders E.164 numbers by value: a shorter number first, then
// digit by digit.
func CompareE164(a, b string) int {
	return cmp.Or(cmp.Compare(len(a), len(b)), strings.Compare(a, b))
}

// gaps works out the size of r's span and the numbers of it missing from
// owned (sorted, in the span).
func gaps(r Range, owned []string) (size, missing int64, spans []Span, more bool) {
	first, last := r.First, r.Last
	if r.Prefix != "" {
		width := 0
		for _, o := range owned {
			width = max(width, len(o))
		}
		if width == 0 {
			return 0, 0, nil, false
		}
		pad := width - len(r.Prefix)
		first, last = r.Prefix+strings.Repeat("0", pad), r.Prefix+strings.Repeat("9", pad)
	}
	lo, _ := strconv.ParseUint(first[1:], 10, 64)
	hi, _ := strconv.ParseUint(last[1:], 10, 64)
	size = int64(hi - lo + 1)
	width := len(first) - 1
	name := func(v uint64) string { return fmt.Sprintf("+%0*d", width, v) }
	next := lo
	gap := func(to uint64) { // numbers next..to-1 are missing
		if to <= next {
			return
		}
		missing += int64(to - next)
		if len(spans) < maxGaps {
			spans = append(spans, Span{name(next), name(to - 1)})
		} else {
			more = true
		}
	}
	for _, o := range owned {
		if len(o) != len(first) {
			continue
		}
		v, err := strconv.ParseUint(o[1:], 10, 64)
		if err != nil || v < next {
			continue
		}
		gap(v)
		next = v + 1
	}
	gap(hi + 1)
	return size, missing, spans, more
}
