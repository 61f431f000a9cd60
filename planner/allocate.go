package planner

import (
	"fmt"
	"slices"
	"strings"

	"github.com/numsync/numsync"
)

// Allocate returns in with a number chosen for every row that asks for the
// next free number of a range ([numsync.Wish.Next]); rows that cannot be
// served leave the wishes for the sheet rejects. The rest of in is as it
// was. Plan calls it itself; a caller that wants the rows as planned (for
// the reports) calls it first and plans its result.
//
// The choice is deterministic, so that re-planning the same sheets against
// the same store gives the same numbers and the reviewed dry-run is what
// is applied:
//   - A row whose identity already holds, in the row's category, a number
//     of a selected range keeps it (the row is then unchanged).
//   - A row whose identity has a number of the selected ranges reserved
//     for it gets that number (the lowest, if several).
//   - Every other row, in sheet order, gets the lowest number of the
//     selected ranges that fits the range (type, country), that is held by
//     no one, in the directory or outside it (nor any extension line of
//     it), not in quarantine, not wanted
//     by another row of the sheets nor given to an earlier row, reserved
//     for no one, has the capability the identity needs and is in the
//     identity's usage location.
//   - A row whose identity lacks the Calling Plan licence the chosen
//     number needs is refused without using the number up.
//   - Numbers that this plan frees are not handed out by it: they are free
//     only once it is applied, and the next plan can give them.
//   - Rows that no free number is left for are RANGE_EXHAUSTED, each saying
//     how many rows of the same selector were short.
func Allocate(in Input) Input {
	if !slices.ContainsFunc(in.Wishes, func(w numsync.Wish) bool { return asksNext(&w) }) {
		return in
	}
	x := numsync.IndexOf(in.Index, in.Tenant)
	in.Index = x
	a := &allocator{
		in:       &in,
		x:        x,
		ranges:   in.Policy.Ranges,
		members:  numsync.RangeMembers(x.Tenant(), in.Policy.Ranges),
		taken:    make(map[string]bool, len(in.Wishes)),
		reserved: numsync.ActiveReservations(in.Reservations, in.Now),
		cursors:  map[cursorKey]int{},
		short:    map[string]int{},
	}
	a.reservedBy = map[string][]string{}
	for num, r := range a.reserved {
		if r.UPN != "" {
			a.reservedBy[numsync.UPNKey(r.UPN)] = append(a.reservedBy[numsync.UPNKey(r.UPN)], num)
		}
	}
	// A number whose extension lines are held or wanted is a shared main
	// number: it is never handed out whole.
	held := make(map[numsync.Slot]*numsync.Assignment, len(x.Tenant().Assignments))
	for i := range x.Tenant().Assignments {
		as := &x.Tenant().Assignments[i]
		held[numsync.SlotOf(as.UPN, as.Category)] = as
		if as.Number.Ext != "" {
			a.taken[as.Number.E164] = true
		}
	}
	for i := range in.Wishes {
		w := &in.Wishes[i]
		// A row that wants a number reserved for someone else is refused
		// (RESERVED): it keeps the number from no one.
		if r := a.reserved[w.Number.E164]; !w.Number.IsZero() && (r == nil || r.For(w.UPN)) {
			a.taken[w.Number.E164] = true
		}
	}
	// A number of a refused row stays for that row once it is fixed.
	for _, is := range in.SheetRejects {
		base, _, _ := strings.Cut(is.Number, ";")
		a.taken[base] = true
	}

	wishes := make([]numsync.Wish, len(in.Wishes))
	copy(wishes, in.Wishes)
	rejects := append([]numsync.Issue(nil), in.SheetRejects...)
	failed := make([]bool, len(wishes))
	fail := func(i int, code numsync.Reason, msg, hint string) {
		w := &wishes[i]
		failed[i] = true
		rejects = append(rejects, numsync.Issue{Code: code, UPN: w.UPN, Number: numsync.NextPrefix + w.Next,
			File: w.Source.File, Line: w.Source.Line, Message: msg, Hint: hint})
	}

	// First the rows that keep what they hold, so that no earlier row is
	// given a number its holder keeps; then the new numbers, in sheet order.
	type request struct {
		i      int
		ranges []int
		user   *numsync.User
	}
	var requests []request
	for i := range wishes {
		w := &wishes[i]
		if !asksNext(w) {
			continue
		}
		sel, err := numsync.ParseSelector(w.Next)
		var ranges []int
		if err == nil {
			for j, r := range a.ranges {
				if sel.Matches(r) {
					ranges = append(ranges, j)
				}
			}
		}
		if len(ranges) == 0 {
			fail(i, numsync.UnknownRange, fmt.Sprintf("no configured range matches %s%s", numsync.NextPrefix, w.Next),
				"check the range name, or define the range under ranges: in the config")
			continue
		}
		u := x.User(numsync.UPNKey(w.UPN))
		if code, msg, hint := identityProblem(w.UPN, u); code != "" {
			fail(i, code, msg, hint)
			continue
		}
		if cur := held[numsync.SlotOf(w.UPN, w.Category)]; cur != nil && cur.Number.Ext == "" {
			if j, ok := a.rangeOf(cur.Number.E164, ranges); ok {
				a.give(w, cur.Number, a.ranges[j])
				continue
			}
		}
		if n, j, ok := a.reservedFor(u, ranges); ok {
			a.give(w, n.Number, a.ranges[j])
			continue
		}
		requests = append(requests, request{i, ranges, u})
	}
	for _, r := range requests {
		w := &wishes[r.i]
		if n, j, ok := a.next(r.ranges, neededCap(r.user), r.user.UsageLocation); ok {
			// The licence is checked here, not left to the rules: a row
			// refused for it must not use up a number.
			if n.Type == numsync.CallingPlan && !r.user.HasLicense(numsync.LicenseCallingPlan) {
				fail(r.i, numsync.NoCallingPlan, fmt.Sprintf("%s has no Calling Plan licence, which the Calling Plan numbers of %s%s need", r.user.UPN, numsync.NextPrefix, w.Next),
					"assign a Calling Plan licence first, or select a range of another type")
				continue
			}
			a.give(w, n.Number, a.ranges[j])
			continue
		}
		a.short[w.Next]++
	}
	for _, r := range requests {
		if w := &wishes[r.i]; w.Number.IsZero() && !failed[r.i] {
			fail(r.i, numsync.RangeExhausted,
				fmt.Sprintf("no free number of %s%s fits %s (%s, usage location %s): %d %s short",
					numsync.NextPrefix, w.Next, w.UPN, neededCap(r.user), orUnknown(r.user.UsageLocation),
					a.short[w.Next], plural(a.short[w.Next], "row is", "rows are")),
				"add numbers to the range (and load the inventory), release reserved or quarantined ones, or select another range")
		}
	}

	// The refused rows leave the copy, compacted in place.
	kept := wishes[:0]
	for i := range wishes {
		if !failed[i] {
			kept = append(kept, wishes[i])
		}
	}
	in.Wishes = kept
	in.SheetRejects = rejects
	return in
}

// asksNext reports whether w asks for a number the allocator has not
// chosen yet.
func asksNext(w *numsync.Wish) bool { return w.Next != "" && w.Number.IsZero() }

// neededCap is the capability a number must have for u (rule R7).
func neededCap(u *numsync.User) numsync.Capability {
	if u.Kind == numsync.KindResource {
		return numsync.CapVoiceApp
	}
	return numsync.CapUser
}

// plural picks the word for n.
func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// allocator hands out the numbers of the ranges for one plan.
type allocator struct {
	in      *Input
	x       *numsync.TenantIndex
	ranges  []numsync.Range
	members [][]*numsync.InventoryNumber // per range, ascending
	// taken are numbers no row may be given: wanted by a row by number, or
	// already given to a row.
	taken map[string]bool
	// cursors remember, per range and kind of request, the first member
	// that may still be free for it: a member unfit or taken for a kind
	// stays so for the whole plan, so each member is passed over once.
	cursors map[cursorKey]int
	short   map[string]int // rows not served, by selector
	// reserved are the active reservations by number: a reserved number
	// goes only to its reservee, before any other number; reservedBy
	// lists them by the reservee's UPN key.
	reserved   map[string]*numsync.Reservation
	reservedBy map[string][]string
}

type cursorKey struct {
	rng     int
	need    numsync.Capability
	country string
}

// rangeOf returns the first of the ranges whose numbers e164 is one of.
func (a *allocator) rangeOf(e164 string, ranges []int) (int, bool) {
	inv := a.x.Number(e164)
	for _, j := range ranges {
		if a.ranges[j].Contains(e164) && inv != nil && a.ranges[j].Fits(inv) {
			return j, true
		}
	}
	return 0, false
}

// reservedFor finds the lowest number of the ranges reserved for u that is
// still free for it.
func (a *allocator) reservedFor(u *numsync.User, ranges []int) (*numsync.InventoryNumber, int, bool) {
	var best *numsync.InventoryNumber
	bestRange := 0
	for _, num := range a.reservedBy[u.Key()] {
		if best != nil && numsync.CompareE164(num, best.E164) > 0 {
			continue
		}
		n := a.x.Number(num)
		j, ok := a.rangeOf(num, ranges)
		if ok && a.available(n, neededCap(u), u.UsageLocation) {
			best, bestRange = n, j
		}
	}
	return best, bestRange, best != nil
}

// give settles w on number n of range r: the range's emergency location
// applies when the row names none.
func (a *allocator) give(w *numsync.Wish, n numsync.Number, r numsync.Range) {
	w.Number = n
	if w.LocationID == "" {
		w.LocationID = r.LocationID
	}
	a.taken[n.E164] = true
}

// next finds the lowest free number of the ranges for an identity that
// needs capability need in country, and the range it is from.
func (a *allocator) next(ranges []int, need numsync.Capability, country string) (*numsync.InventoryNumber, int, bool) {
	var best *numsync.InventoryNumber
	bestRange := 0
	for _, j := range ranges {
		n := a.first(j, need, country)
		if n != nil && (best == nil || numsync.CompareE164(n.E164, best.E164) < 0) {
			best, bestRange = n, j
		}
	}
	return best, bestRange, best != nil
}

// first returns the lowest member of range j free for the request, moving
// its cursor past the members before it.
func (a *allocator) first(j int, need numsync.Capability, country string) *numsync.InventoryNumber {
	k := cursorKey{j, need, strings.ToUpper(country)}
	m := a.members[j]
	i := a.cursors[k]
	for ; i < len(m); i++ {
		if a.free(m[i], a.ranges[j], need, k.country) {
			break
		}
	}
	a.cursors[k] = i
	if i == len(m) {
		return nil
	}
	return m[i]
}

// free reports whether member n of range r can be given to a request:
// available and reserved for no one.
func (a *allocator) free(n *numsync.InventoryNumber, r numsync.Range, need numsync.Capability, country string) bool {
	return r.Fits(n) && a.reserved[n.E164] == nil && a.available(n, need, country)
}

// available reports whether n is untaken, unheld, out of quarantine and
// fits an identity needing capability need in country.
func (a *allocator) available(n *numsync.InventoryNumber, need numsync.Capability, country string) bool {
	return !a.taken[n.E164] && n.Can(need) && strings.EqualFold(n.Country, country) &&
		!a.x.Taken(n.String()) && !n.InQuarantine(a.in.Now, a.in.Policy.QuarantineDays)
}

// identityProblem is why an identity cannot be given a number (R3), or an
// empty code when it can.
func identityProblem(upn string, u *numsync.User) (code numsync.Reason, msg, hint string) {
	switch {
	case u == nil:
		return numsync.UnknownUser, upn + " is not in the directory",
			"check the spelling of the user principal name, or import the users again"
	case u.Absent:
		return numsync.UnknownUser, upn + " is no longer in the directory it was imported from",
			"remove the row, or import the users again if the account is back"
	case !u.Enabled:
		return numsync.UserDisabled, upn + " is disabled", "enable the account, or remove the row"
	}
	return "", "", ""
}
