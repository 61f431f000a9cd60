package main

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// A step of the story every generated tenant's sheets tell: one scenario,
// optionally for a user of one country.
type step struct {
	name string
	op   op
	iso  string
}

// story is told first, row by row, before the random fill: it makes every
// scenario appear at least once, and it is the whole of the sample's sheets.
var story = []step{
	{"assign", opAssign, ""},
	{"assign", opAssign, "DE"},
	{"assign", opAssign, "DE"},
	{"assign-resource-account", opAssignApp, ""},
	{"unchanged", opUnchanged, "US"},
	{"unchanged", opUnchanged, "DE"},
	{"change", opChange, ""},
	{"change-location", opChangeLocation, ""},
	{"move", opMove, ""},
	{"swap", opSwap, ""},
	{"remove", removeOp(0), "DE"},
	{"remove-none", removeOp(1), ""},
	{"private", opPrivate, ""},
	{"direct-routing-extension", opAssignExt, ""},
	{"direct-routing-not-in-inventory", opAssignUnlisted, ""},
	{"no-phone-license", opNoPhoneLicense, ""},
	{"disabled", opDisabled, ""},
	{"unknown-user", opUnknownUser, ""},
	{"country-mismatch", opCountryMismatch, ""},
	{"not-in-inventory", opNotInInventory, ""},
	{"duplicate-number", opDuplicate, ""},
	{"bad-number-excel", badNumberOp(0), ""},
	{"bad-number-letters", badNumberOp(2), ""},
	{"onprem-line-set", opHybridBlocked, ""},
	{"no-calling-plan", opNoCallingPlan, ""},
	{"type-mismatch", opTypeMismatch, ""},
	{"conference-number", opConference, ""},
	{"user-number-for-resource-account", opAppUserNumber, ""},
	{"number-taken", opNumberTaken, ""},
	{"unknown-location", opUnknownLocation, ""},
	{"location-country", opLocationCountry, ""},
	{"extension-not-allowed", opExtension, ""},
	{"bad-type", opBadType, ""},
	{"short-row", opShortRow, ""},
	{"conflicting-rows", opConflicting, ""},
	{"repeated-row", opRepeated, ""},
}

func opAssignApp(g *sheetGen, ui int32) (bool, error) {
	if !g.t.users[ui].has(fResource) {
		return false, nil
	}
	return opAssign(g, ui)
}

func badNumberOp(which int) op {
	return func(g *sheetGen, ui int32) (bool, error) { return g.badNumber(ui, which) }
}

// tellStory writes the story's rows. A step no identity fits is an error
// when strict (the committed sample must tell all of it) and skipped
// otherwise.
func (g *sheetGen) tellStory(order []int32, strict bool) error {
	var missing []string
	for _, s := range story {
		done := false
		for _, ui := range order {
			if g.isUsed(ui) || (s.iso != "" && g.t.cs[g.t.users[ui].country].iso != s.iso) {
				continue
			}
			ok, err := s.op(g, ui)
			if err != nil {
				return err
			}
			if ok {
				done = true
				break
			}
		}
		if !done {
			missing = append(missing, s.name)
		}
	}
	if strict && len(missing) > 0 {
		return fmt.Errorf("no identity of the tenant fits the sample's steps %s; change the sample's seed or size", strings.Join(missing, ", "))
	}
	return nil
}

// rejectOps are the scenarios of rows that are rejected, drawn evenly for
// a few percent of the random fill.
var rejectOps = []op{
	opDisabled, opUnknownUser, opCountryMismatch, opNotInInventory, opDuplicate, opBadNumber,
	opNoCallingPlan, opTypeMismatch, opConference, opAppUserNumber, opNumberTaken, opUnknownLocation,
	opLocationCountry, opExtension, opBadType, opConflicting, opRepeated,
}

// Per mille of the random fill.
const (
	pmRejects     = 51  // rows meant to be rejected (or warned about)
	pmHybridBlock = 300 // of hybrid users licensed for Calling Plan: ask for it and are blocked
)

// pickOp chooses what happens to identity ui in the random fill, by the
// sort of identity it is; fallback is tried when the chosen scenario does
// not fit.
func (g *sheetGen) pickOp(ui int32) (chosen, fallback op) {
	u := &g.t.users[ui]
	w := g.r.IntN(1000)
	switch {
	case u.has(fDisabled):
		if w < 300 {
			return opDisabled, nil
		}
		return nil, nil
	case !u.has(fTeamsPhone):
		if w < 200 {
			return opNoPhoneLicense, nil
		}
		return nil, nil
	case w < pmRejects:
		return rejectOps[w*len(rejectOps)/pmRejects], nil
	case u.has(fHybrid) && u.has(fCallingPlan) && w < pmRejects+pmHybridBlock:
		return opHybridBlocked, nil
	}
	w = g.r.IntN(100)
	if u.primary >= 0 {
		switch {
		case w < 45:
			return opUnchanged, nil
		case w < 59:
			return opChange, opUnchanged
		case w < 66:
			return opChangeLocation, opUnchanged
		case w < 75:
			return opMove, opUnchanged
		case w < 82:
			return opSwap, opUnchanged
		case w < 96:
			return removeOp(-1), nil
		}
		return opPrivate, opUnchanged
	}
	switch {
	case w < 3:
		return opAssignExt, opAssign
	case w < 6:
		return opAssignUnlisted, opAssign
	}
	return opAssign, nil
}

// fill writes random rows, one scenario per identity in a random order,
// until the sheets hold rows rows (no limit when negative) or every
// identity had its turn.
func (g *sheetGen) fill(order []int32, rows int) error {
	for _, ui := range order {
		if rows >= 0 && g.rows >= rows {
			return nil
		}
		if g.isUsed(ui) {
			continue
		}
		chosen, fallback := g.pickOp(ui)
		for _, o := range []op{chosen, fallback} {
			if o == nil {
				continue
			}
			ok, err := o(g, ui)
			if err != nil {
				return err
			}
			if ok {
				break
			}
		}
	}
	return nil
}

// writeSheets writes the sheets and expected.csv: the story, then random
// rows up to rows in all.
func (t *tenant) writeSheets(dir string, rows int, strict bool) (int, error) {
	g, err := newSheetGen(t, dir)
	if err != nil {
		return 0, err
	}
	r := rand.New(rand.NewPCG(t.seed, streamSheets+1))
	order := make([]int32, len(t.users))
	for i := range order {
		order[i] = int32(i)
	}
	r.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
	err = g.tellStory(order, strict)
	if err == nil {
		err = g.fill(order, rows)
	}
	if cerr := g.close(); err == nil {
		err = cerr
	}
	return g.rows, err
}
