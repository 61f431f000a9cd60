package main

import (
	"strconv"

	"github.com/numsync/numsync"
)

// An op writes the rows of one scenario for identity ui, or reports false
// (writing nothing, taking nothing) when ui does not fit it.
type op func(g *sheetGen, ui int32) (bool, error)

// Kinds new numbers are drawn from, with weights, for people and for
// resource accounts.
var (
	personKinds = []struct {
		k kind
		w int
	}{{kCPUser, 50}, {kOCUser, 25}, {kOCMobile, 8}, {kDR, 17}}
	appKinds = []struct {
		k kind
		w int
	}{{kCPService, 50}, {kOCService, 25}, {kDR, 25}}
)

// pickFree takes a free number of c that u may hold, of a kind drawn by
// weight among those left.
func (g *sheetGen) pickFree(c *countryState, u *userRec) (kind, int32) {
	kinds := personKinds
	if u.has(fResource) {
		kinds = appKinds
	}
	total := 0
	for _, kw := range kinds {
		if canHold(u, kw.k) && len(c.free[kw.k]) > 0 {
			total += kw.w
		}
	}
	if total == 0 {
		return 0, -1
	}
	w := g.r.IntN(total)
	for _, kw := range kinds {
		if !canHold(u, kw.k) || len(c.free[kw.k]) == 0 {
			continue
		}
		if w < kw.w {
			return kw.k, c.popFree(kw.k)
		}
		w -= kw.w
	}
	return 0, -1
}

// anyFree takes a free number of c that u may hold and whose emergency
// location the tenant may set, for rows whose point is not the number.
func (g *sheetGen) anyFree(c *countryState, u *userRec) (kind, int32) {
	for range 4 {
		k, n := g.pickFree(c, u)
		if n < 0 || !k.locationFixed() {
			return k, n
		}
		c.free[k] = append(c.free[k], n)
	}
	for _, k := range []kind{kCPUser, kOCUser, kDR} {
		if canHold(u, k) && len(c.free[k]) > 0 {
			return k, c.popFree(k)
		}
	}
	return 0, -1
}

// person reports whether ui is an enabled person with a Teams Phone licence.
func (g *sheetGen) person(ui int32) bool {
	u := &g.t.users[ui]
	return !u.has(fDisabled|fResource) && u.has(fTeamsPhone)
}

// want builds the row in which ui asks for number n of country nc.
func (g *sheetGen) want(fi int, ui int32, nc *countryState, n int32) row {
	u := &g.t.users[ui]
	return row{
		upn:    g.upn(ui),
		number: g.numberText(fi, nc, uint32(n), nc.idx == u.country),
		typ:    g.typeText(fi, nc.nums[n].kind),
		loc:    g.newLoc(nc, n),
		cat:    g.categoryText(),
		notify: g.notifyText(fi),
		action: g.assignAction(),
		e164:   nc.e164(uint32(n)),
	}
}

// keep builds the row that restates what ui holds in its Primary category.
func (g *sheetGen) keep(fi int, ui int32, n int32) row {
	c := g.t.cs[g.t.users[ui].country]
	rw := g.want(fi, ui, c, n)
	rw.loc = locOf(c, n)
	return rw
}

func (g *sheetGen) home(ui int32) (*userRec, *countryState, int) {
	u := &g.t.users[ui]
	return u, g.t.cs[u.country], int(u.country)
}

// freeIdentity reports whether ui is an enabled identity without a Primary number.
func (g *sheetGen) freeIdentity(ui int32) bool {
	u := &g.t.users[ui]
	return !u.has(fDisabled) && u.primary < 0
}

// holder reports whether ui is enabled and holds a Primary number.
func (g *sheetGen) holder(ui int32) bool {
	u := &g.t.users[ui]
	return !u.has(fDisabled) && u.primary >= 0
}

// Valid rows ----------------------------------------------------------------

func opAssign(g *sheetGen, ui int32) (bool, error) {
	if !g.freeIdentity(ui) {
		return false, nil
	}
	u, c, fi := g.home(ui)
	k, n := g.pickFree(c, u)
	if n < 0 {
		return false, nil
	}
	g.use(ui)
	rw := g.want(fi, ui, c, n)
	rw.expect, rw.story = expAssign, "new "+string(k.numberType())+" number"
	if u.has(fResource) {
		rw.story = "resource account gets a service number"
	}
	g.emit(fi, rw)
	return true, nil
}

func opAssignExt(g *sheetGen, ui int32) (bool, error) {
	u, c, fi := g.home(ui)
	if !g.freeIdentity(ui) || u.has(fResource) || !canHold(u, kDR) {
		return false, nil
	}
	n := c.popFree(kDR)
	if n < 0 {
		return false, nil
	}
	g.use(ui)
	rw := g.want(fi, ui, c, n)
	ext := strconv.Itoa(100 + int(n)%900)
	rw.number = c.e164(uint32(n)) + ";ext=" + ext
	rw.typ = string(numsync.DirectRouting)
	rw.expect, rw.story = expAssign, "Direct Routing number with an extension (allowed for Direct Routing only)"
	g.emit(fi, rw)
	return true, nil
}

func opAssignUnlisted(g *sheetGen, ui int32) (bool, error) {
	u, c, fi := g.home(ui)
	if !g.freeIdentity(ui) || u.has(fResource) || !canHold(u, kDR) {
		return false, nil
	}
	a, err := c.spare()
	if err != nil {
		return false, err
	}
	g.use(ui)
	rw := row{upn: g.upn(ui), number: g.numberText(fi, c, a, true), typ: string(numsync.DirectRouting),
		cat: g.categoryText(), notify: g.notifyText(fi), action: "assign", e164: c.e164(a),
		expect: expAssign, story: "Direct Routing number not in the inventory: allowed, and added to it as OnPremises (R5)"}
	if g.dialect(fi) {
		rw.typ = "Direct Routing"
	}
	g.emit(fi, rw)
	return true, nil
}

func opUnchanged(g *sheetGen, ui int32) (bool, error) {
	if !g.holder(ui) {
		return false, nil
	}
	u, _, fi := g.home(ui)
	g.use(ui)
	rw := g.keep(fi, ui, u.primary)
	rw.cat = string(numsync.Primary)
	rw.expect, rw.story = expUnchanged, "restates the number held today: nothing to do"
	g.emit(fi, rw)
	return true, nil
}

func opChange(g *sheetGen, ui int32) (bool, error) {
	if !g.holder(ui) {
		return false, nil
	}
	u, c, fi := g.home(ui)
	k := c.nums[u.primary].kind
	if !canHold(u, k) {
		return false, nil
	}
	n := c.popFree(k)
	if n < 0 {
		return false, nil
	}
	g.use(ui)
	rw := g.want(fi, ui, c, n)
	rw.expect, rw.story = expChange, "new number in place of the one held today, which becomes free"
	g.emit(fi, rw)
	return true, nil
}

func opChangeLocation(g *sheetGen, ui int32) (bool, error) {
	if !g.holder(ui) {
		return false, nil
	}
	u, c, fi := g.home(ui)
	rec := c.nums[u.primary]
	if rec.kind.locationFixed() || !canHold(u, rec.kind) {
		return false, nil
	}
	g.use(ui)
	rw := g.keep(fi, ui, u.primary)
	rw.loc = c.locIDs[rec.loc%2] // the other office, or the first when none is set
	rw.expect, rw.story = expChange, "same number, other emergency location"
	g.emit(fi, rw)
	return true, nil
}

// removeOp frees what the identity holds, written with Action=remove and
// an empty number (style 0), as PhoneNumber None (style 1), or either.
func removeOp(style int) op {
	return func(g *sheetGen, ui int32) (bool, error) {
		if !g.holder(ui) {
			return false, nil
		}
		_, _, fi := g.home(ui)
		g.use(ui)
		rw := row{upn: g.upn(ui), cat: string(numsync.Primary), notify: g.notifyText(fi), action: "remove",
			expect: expRemove, story: "Action=remove with an empty number: the number becomes free"}
		if style == 1 || style < 0 && g.r.IntN(3) == 0 {
			rw.number, rw.action = "None", ""
			rw.story = "PhoneNumber None: the number becomes free"
		}
		g.emit(fi, rw)
		return true, nil
	}
}

// opMove frees ui's number and gives it to another identity of the same
// country in the same sheet: the plan must free before it takes.
func opMove(g *sheetGen, ui int32) (bool, error) {
	if !g.holder(ui) {
		return false, nil
	}
	u, c, fi := g.home(ui)
	x := u.primary
	k := c.nums[x].kind
	b := g.partner(c, ui, func(i int32, v *userRec) bool { return v.primary < 0 && canHold(v, k) })
	if b < 0 {
		return false, nil
	}
	g.use(ui)
	g.use(b)
	from := g.upn(ui)
	rm := row{upn: from, cat: string(numsync.Primary), notify: g.notifyText(fi), action: "remove",
		expect: expRemove, story: "frees its number for " + g.upn(b) + " (move)"}
	g.emit(fi, rm)
	rw := g.keep(fi, b, x)
	rw.expect, rw.story = expAssign, "takes the number "+from+" gives up in the same sheet (move)"
	g.emit(fi, rw)
	return true, nil
}

// opSwap exchanges the numbers of two identities of one country and kind.
func opSwap(g *sheetGen, ui int32) (bool, error) {
	if !g.holder(ui) {
		return false, nil
	}
	u, c, fi := g.home(ui)
	k := c.nums[u.primary].kind
	if !canHold(u, k) {
		return false, nil
	}
	b := g.partner(c, ui, func(i int32, v *userRec) bool {
		return g.holder(i) && c.nums[v.primary].kind == k && canHold(v, k)
	})
	if b < 0 {
		return false, nil
	}
	g.use(ui)
	g.use(b)
	a1, b1 := g.upn(ui), g.upn(b)
	rw := g.keep(fi, ui, g.t.users[b].primary)
	rw.expect, rw.story = expChange, "swaps numbers with "+b1
	g.emit(fi, rw)
	rw = g.keep(fi, b, u.primary)
	rw.expect, rw.story = expChange, "swaps numbers with "+a1
	g.emit(fi, rw)
	return true, nil
}

func opPrivate(g *sheetGen, ui int32) (bool, error) {
	if !g.holder(ui) {
		return false, nil
	}
	u, c, fi := g.home(ui)
	k := c.nums[u.primary].kind
	if u.private >= 0 || u.has(fResource) || !canHold(u, k) {
		return false, nil
	}
	n := c.popFree(k)
	if n < 0 {
		return false, nil
	}
	g.use(ui)
	rw := g.want(fi, ui, c, n)
	rw.cat = string(numsync.Private)
	rw.expect, rw.story = expAssign, "second number in the Private category (incoming only); the Primary one stays"
	g.emit(fi, rw)
	return true, nil
}

func opNoPhoneLicense(g *sheetGen, ui int32) (bool, error) {
	u, c, fi := g.home(ui)
	if !g.freeIdentity(ui) || u.has(fResource|fTeamsPhone) {
		return false, nil
	}
	n := c.popFree(kDR)
	if n < 0 {
		return false, nil
	}
	g.use(ui)
	rw := g.want(fi, ui, c, n)
	rw.expect, rw.code = expAssign, numsync.NoPhoneLicense
	rw.story = "user without a Teams Phone licence: assigned, with a warning (R11)"
	g.emit(fi, rw)
	return true, nil
}

// Rows that are rejected or blocked -------------------------------------

// reject writes a row for ui that asks for number n of nc and breaks rule
// code. It returns what an op returns when it wrote its rows, so that ops
// can end with it.
func (g *sheetGen) reject(ui int32, nc *countryState, n int32, code numsync.Reason, story string, edit func(*row)) (bool, error) {
	_, _, fi := g.home(ui)
	g.use(ui)
	rw := g.want(fi, ui, nc, n)
	rw.expect, rw.code, rw.story = expReject, code, story
	if edit != nil {
		edit(&rw)
	}
	g.emit(fi, rw)
	return true, nil
}

// eligible reports whether ui may hold numbers of kind k, so that a row
// breaking one other rule breaks only that one. Holders qualify too: a
// rejected row leaves what they hold alone.
func (g *sheetGen) eligible(ui int32, k kind) bool {
	return canHold(&g.t.users[ui], k)
}

func opDisabled(g *sheetGen, ui int32) (bool, error) {
	u, c, _ := g.home(ui)
	if !u.has(fDisabled) || u.has(fResource) || !u.has(fTeamsPhone) {
		return false, nil
	}
	n := c.popFree(kDR)
	if n < 0 {
		return false, nil
	}
	return g.reject(ui, c, n, numsync.UserDisabled, "the account is disabled in the directory (R3)", nil)
}

func opUnknownUser(g *sheetGen, ui int32) (bool, error) {
	_, c, fi := g.home(ui)
	_, n := g.anyFree(c, &userRec{flags: fTeamsPhone | fCallingPlan})
	if n < 0 {
		return false, nil
	}
	g.leavers++
	rw := g.want(fi, ui, c, n)
	rw.upn = "former.employee" + strconv.Itoa(g.leavers) + "@" + domain
	rw.number = c.e164(uint32(n))
	rw.expect, rw.code, rw.story = expReject, numsync.UnknownUser, "no such user in the directory (R3)"
	g.emit(fi, rw)
	return true, nil
}

func opCountryMismatch(g *sheetGen, ui int32) (bool, error) {
	_, c, _ := g.home(ui)
	o := g.otherCountry(c)
	if o == nil || !g.eligible(ui, kCPUser) {
		return false, nil
	}
	n := o.popFree(kCPUser)
	if n < 0 {
		return false, nil
	}
	return g.reject(ui, o, n, numsync.CountryMismatch, "number of "+o.name+" for a user whose usage location is "+c.iso+" (R10)",
		func(rw *row) { rw.loc = o.locIDs[0] })
}

func opNotInInventory(g *sheetGen, ui int32) (bool, error) {
	_, c, fi := g.home(ui)
	if !g.eligible(ui, kCPUser) {
		return false, nil
	}
	a, err := c.spare()
	if err != nil {
		return false, err
	}
	g.use(ui)
	typ := string(numsync.CallingPlan)
	if g.dialect(fi) {
		typ = "Calling Plan"
	}
	g.emit(fi, row{upn: g.upn(ui), number: g.numberText(fi, c, a, true), typ: typ, loc: c.locIDs[0],
		cat: g.categoryText(), notify: g.notifyText(fi), action: "assign", e164: c.e164(a),
		expect: expReject, code: numsync.NotInInventory, story: "Calling Plan number the organisation does not own (R5)"})
	return true, nil
}

// opDuplicate has two identities want one number, in two different sheets.
func opDuplicate(g *sheetGen, ui int32) (bool, error) {
	u, c, fi := g.home(ui)
	if !g.person(ui) {
		return false, nil
	}
	k, n := g.anyFree(c, u)
	if n < 0 {
		return false, nil
	}
	b := g.partner(c, ui, func(i int32, v *userRec) bool { return g.person(i) && canHold(v, k) })
	if b < 0 {
		c.free[k] = append(c.free[k], n)
		return false, nil
	}
	g.use(b)
	first := g.files[fi]
	g.reject(ui, c, n, numsync.DuplicateNumber, "also wanted by "+g.upn(b)+" in 900-corrections.csv (R4)", nil)
	rw := g.want(g.corrections(), b, c, n)
	rw.number = c.e164(uint32(n))
	rw.expect, rw.code = expReject, numsync.DuplicateNumber
	rw.story = "also wanted by " + g.upn(ui) + " in " + first.name + " line " + strconv.Itoa(first.line) + " (R4)"
	g.emit(g.corrections(), rw)
	return true, nil
}

// badNumbers are the ways a number gets broken on its way into a sheet.
var badNumbers = []struct {
	story string
	text  func(e164 string) string
}{
	{"Excel turned the number into scientific notation (R2)", func(e string) string {
		return e[1:2] + "." + e[2:7] + "E+" + strconv.Itoa(len(e)-2)
	}},
	{"number too short to be valid (R2)", func(e string) string { return e[:len(e)-3] }},
	{"letters in the number (R2)", func(e string) string { return e[:len(e)-3] + "ABC" }},
}

func opBadNumber(g *sheetGen, ui int32) (bool, error) {
	return g.badNumber(ui, g.r.IntN(len(badNumbers)))
}

func (g *sheetGen) badNumber(ui int32, which int) (bool, error) {
	u, c, _ := g.home(ui)
	if !g.person(ui) {
		return false, nil
	}
	_, n := g.anyFree(c, u)
	if n < 0 {
		return false, nil
	}
	b := badNumbers[which]
	text := b.text(c.e164(uint32(n)))
	if _, err := numsync.ParseNumber(text, c.iso); err == nil {
		// Some countries have valid numbers of many lengths: letters
		// break every number.
		b = badNumbers[len(badNumbers)-1]
		text = b.text(c.e164(uint32(n)))
	}
	return g.reject(ui, c, n, numsync.BadNumber, b.story, func(rw *row) {
		rw.number, rw.e164 = text, ""
	})
}

func opHybridBlocked(g *sheetGen, ui int32) (bool, error) {
	u, c, fi := g.home(ui)
	if u.has(fDisabled|fResource) || !u.has(fHybrid) || !u.has(fCallingPlan) || !u.has(fTeamsPhone) {
		return false, nil
	}
	n := c.popFree(kCPUser)
	if n < 0 {
		return false, nil
	}
	g.use(ui)
	rw := g.want(fi, ui, c, n)
	rw.expect, rw.code = expBlocked, numsync.OnPremLineSet
	rw.story = "hybrid user with msRTCSIP-Line set wants a Calling Plan number: held until AD is cleaned up (R12)"
	g.emit(fi, rw)
	return true, nil
}

func opNoCallingPlan(g *sheetGen, ui int32) (bool, error) {
	u, c, _ := g.home(ui)
	if !g.eligible(ui, kOCUser) || u.has(fCallingPlan) || u.has(fResource) {
		return false, nil
	}
	n := c.popFree(kCPUser)
	if n < 0 {
		return false, nil
	}
	return g.reject(ui, c, n, numsync.NoCallingPlan, "Calling Plan number for a user without a Calling Plan licence (R11)", nil)
}

func opTypeMismatch(g *sheetGen, ui int32) (bool, error) {
	_, c, fi := g.home(ui)
	if !g.eligible(ui, kCPUser) || g.t.users[ui].has(fResource) {
		return false, nil
	}
	n := c.popFree(kCPUser)
	if n < 0 {
		return false, nil
	}
	typ := string(numsync.OperatorConnect)
	if g.dialect(fi) {
		typ = "Operator Connect"
	}
	return g.reject(ui, c, n, numsync.TypeMismatch, "the sheet says Operator Connect, the inventory says Calling Plan (R6)",
		func(rw *row) { rw.typ = typ })
}

func opConference(g *sheetGen, ui int32) (bool, error) {
	_, c, _ := g.home(ui)
	if !g.eligible(ui, kCPUser) || g.t.users[ui].has(fResource) {
		return false, nil
	}
	n := c.popFree(kCPConf)
	if n < 0 {
		return false, nil
	}
	return g.reject(ui, c, n, numsync.CapabilityMissing, "conference-only service number for a user (R7)", nil)
}

func opAppUserNumber(g *sheetGen, ui int32) (bool, error) {
	u, c, _ := g.home(ui)
	if !u.has(fResource) || !g.eligible(ui, kCPService) {
		return false, nil
	}
	n := c.popFree(kCPUser)
	if n < 0 {
		return false, nil
	}
	return g.reject(ui, c, n, numsync.CapabilityMissing, "user number (no VoiceApplicationAssignment) for a resource account (R7)", nil)
}

// opNumberTaken asks for a number someone holds and keeps: that holder is
// kept out of every other row.
func opNumberTaken(g *sheetGen, ui int32) (bool, error) {
	u, c, _ := g.home(ui)
	if !g.person(ui) {
		return false, nil
	}
	keeper := g.partner(c, ui, func(i int32, v *userRec) bool {
		return v.primary >= 0 && canHold(u, c.nums[v.primary].kind)
	})
	if keeper < 0 {
		return false, nil
	}
	g.use(keeper)
	return g.reject(ui, c, g.t.users[keeper].primary, numsync.NumberTaken, "number held by "+g.upn(keeper)+", who keeps it (R8)",
		func(rw *row) { rw.loc = locOf(c, g.t.users[keeper].primary) })
}

func opUnknownLocation(g *sheetGen, ui int32) (bool, error) {
	u, c, _ := g.home(ui)
	if !g.person(ui) {
		return false, nil
	}
	_, n := g.anyFree(c, u)
	if n < 0 {
		return false, nil
	}
	return g.reject(ui, c, n, numsync.UnknownLocation, "emergency location id that does not exist (R13)",
		func(rw *row) { rw.loc = newGUID(g.r) })
}

func opLocationCountry(g *sheetGen, ui int32) (bool, error) {
	u, c, _ := g.home(ui)
	o := g.otherCountry(c)
	if o == nil || !g.person(ui) {
		return false, nil
	}
	_, n := g.anyFree(c, u)
	if n < 0 {
		return false, nil
	}
	return g.reject(ui, c, n, numsync.LocationCountry, "emergency location in "+o.name+" for a number of "+c.name+" (R13)",
		func(rw *row) { rw.loc = o.locIDs[1] })
}

func opExtension(g *sheetGen, ui int32) (bool, error) {
	_, c, _ := g.home(ui)
	if !g.eligible(ui, kCPUser) || g.t.users[ui].has(fResource) {
		return false, nil
	}
	n := c.popFree(kCPUser)
	if n < 0 {
		return false, nil
	}
	return g.reject(ui, c, n, numsync.NoExtensionAllowed, "extension on a Calling Plan number (R2)",
		func(rw *row) { rw.number, rw.typ = c.e164(uint32(n))+";ext=42", string(numsync.CallingPlan) })
}

func opBadType(g *sheetGen, ui int32) (bool, error) {
	u, c, _ := g.home(ui)
	if !g.person(ui) {
		return false, nil
	}
	_, n := g.anyFree(c, u)
	if n < 0 {
		return false, nil
	}
	return g.reject(ui, c, n, numsync.BadRow, "unknown number type Landline (R1)", func(rw *row) { rw.typ = "Landline" })
}

func opShortRow(g *sheetGen, ui int32) (bool, error) {
	u, c, _ := g.home(ui)
	if !g.person(ui) {
		return false, nil
	}
	_, n := g.anyFree(c, u)
	if n < 0 {
		return false, nil
	}
	return g.reject(ui, c, n, numsync.BadRow, "row with three of the seven columns (R1)", func(rw *row) { rw.short = true })
}

// opConflicting gives one identity two different Primary numbers, the
// second in the corrections sheet.
func opConflicting(g *sheetGen, ui int32) (bool, error) {
	u, c, fi := g.home(ui)
	if !g.person(ui) {
		return false, nil
	}
	k1, n1 := g.anyFree(c, u)
	if n1 < 0 {
		return false, nil
	}
	_, n2 := g.anyFree(c, u)
	if n2 < 0 {
		c.free[k1] = append(c.free[k1], n1)
		return false, nil
	}
	first := g.files[fi]
	g.reject(ui, c, n1, numsync.ConflictingRows, "second Primary number for the same user in 900-corrections.csv (R4)",
		func(rw *row) { rw.cat = string(numsync.Primary) })
	rw := g.want(g.corrections(), ui, c, n2)
	rw.number, rw.cat = c.e164(uint32(n2)), string(numsync.Primary)
	rw.expect, rw.code = expReject, numsync.ConflictingRows
	rw.story = "other Primary number for the same user in " + first.name + " line " + strconv.Itoa(first.line) + " (R4)"
	g.emit(g.corrections(), rw)
	return true, nil
}

// opRepeated writes the same valid row twice.
func opRepeated(g *sheetGen, ui int32) (bool, error) {
	u, c, fi := g.home(ui)
	if !g.person(ui) {
		return false, nil
	}
	_, n := g.anyFree(c, u)
	if n < 0 {
		return false, nil
	}
	g.use(ui)
	rw := g.want(fi, ui, c, n)
	rw.expect, rw.story = expAssign, "new number; the row is repeated on the next line"
	if u.primary >= 0 {
		rw.expect = expChange
	}
	g.emit(fi, rw)
	rw.expect, rw.code, rw.story = expWarning, numsync.DuplicateRow, "the row above, repeated: kept once, with a warning (R4)"
	g.emit(fi, rw)
	return true, nil
}
