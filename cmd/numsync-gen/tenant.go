package main

import (
	"fmt"
	"math/rand/v2"

	"github.com/numsync/numsync"
)

// kind is what a number is for: its type, capabilities and operator
// together. Numbers are drawn from per-kind pools so that every holder gets
// a number it may hold.
type kind uint8

const (
	kCPUser    kind = iota // Calling Plan, {UserAssignment}
	kCPService             // Calling Plan service number for auto attendants and call queues
	kCPConf                // Calling Plan conference-only number (rule R7: never for users)
	kOCUser                // Operator Connect, operator lets the tenant set the location
	kOCService             // Operator Connect service number
	kOCMobile              // Teams Phone Mobile: Operator Connect, operator manages the location (R14)
	kDR                    // Direct Routing, on premises
	numKinds
)

func (k kind) numberType() numsync.NumberType {
	switch k {
	case kCPUser, kCPService, kCPConf:
		return numsync.CallingPlan
	case kOCUser, kOCService, kOCMobile:
		return numsync.OperatorConnect
	}
	return numsync.DirectRouting
}

func (k kind) caps() []numsync.Capability {
	switch k {
	case kCPUser, kOCUser, kOCMobile:
		return []numsync.Capability{numsync.CapUser}
	case kCPService:
		return []numsync.Capability{numsync.CapVoiceApp, numsync.CapConference}
	case kCPConf:
		return []numsync.Capability{numsync.CapConference}
	case kOCService:
		return []numsync.Capability{numsync.CapVoiceApp}
	}
	return []numsync.Capability{numsync.CapUser, numsync.CapVoiceApp}
}

// forPeople reports whether a person may hold numbers of kind k; forApps
// whether a resource account may.
func (k kind) forPeople() bool { return k == kCPUser || k == kOCUser || k == kOCMobile || k == kDR }
func (k kind) forApps() bool   { return k == kCPService || k == kOCService || k == kDR }

// locationFixed reports whether the operator manages the emergency address
// (LocationUpdateSupported=false), so numbers of kind k carry no location
// the tenant chose.
func (k kind) locationFixed() bool { return k == kOCMobile }

// User flags.
const (
	fResource uint8 = 1 << iota
	fDisabled
	fHybrid
	fCallingPlan
	fTeamsPhone
	fAdmin
	fLineExt // the msRTCSIP-Line carries ";ext="
)

const noKind = 0xff

// userRec is one identity, in as few bytes as a million of them allow.
// Names, ids and addresses are derived from the index when written.
type userRec struct {
	country  uint8
	flags    uint8
	wantPrim uint8  // kind of the Primary number held, noKind for none (during building)
	wantPriv uint8  // kind of the Private number held, noKind for none (during building)
	ordinal  uint32 // within its name pool (people) or its country (resource accounts)
	primary  int32  // index of the held Primary number in its country, -1 for none
	private  int32  // index of the held Private number, -1 for none
	line     uint32 // address of the msRTCSIP-Line number, when hybrid
}

func (u *userRec) has(f uint8) bool { return u.flags&f != 0 }

// numberRec is one inventory number; its index in its country is its address.
type numberRec struct {
	holder int32 // user index, -1 when free
	kind   kind
	priv   bool  // held in the Private category (else Primary)
	loc    uint8 // 1-based office index, 0 for no location
}

// countryState is a country in use in one tenant.
type countryState struct {
	*country
	idx      uint8
	users    []int32 // its users, in index order
	nums     []numberRec
	free     [numKinds][]int32 // free numbers of each kind, in random order
	next     uint32            // next spare address (numbers not in the inventory)
	checked  uint32            // start of the last block checked + 1
	locIDs   [2]string
	civicIDs [2]string
}

// spare hands out a valid number of the country that is not in the
// inventory: on-premises lines of hybrid users, and numbers sheets ask for
// that the tenant does not own.
func (c *countryState) spare() (uint32, error) {
	a := c.next
	if uint64(a) >= c.capacity() {
		return 0, fmt.Errorf("%s: the generator's number ranges are used up; use fewer users", c.iso)
	}
	if s := c.blockStart(a); s+1 != c.checked {
		if err := c.checkBlock(a); err != nil {
			return 0, err
		}
		c.checked = s + 1
	}
	c.next++
	return a, nil
}

// popFree takes a free number of kind k, or returns -1 when none is left.
func (c *countryState) popFree(k kind) int32 {
	l := c.free[k]
	if len(l) == 0 {
		return -1
	}
	n := l[len(l)-1]
	c.free[k] = l[:len(l)-1]
	return n
}

// tenant is the whole generated organisation.
type tenant struct {
	seed  uint64
	users []userRec
	cs    []*countryState
}

// Streams of the random source: each phase draws from its own, so that
// changing one phase does not reshuffle the others.
const (
	streamUsers uint64 = iota + 1
	streamFixups
	streamHoldings
	streamNumbers
	streamLocations
	streamSheets
	streamPerUser = 1 << 40 // + user index: names, ids and dates of one user
)

// Proportions of the mix, in percent unless noted.
const (
	pctResource   = 5
	pctDisabled   = 3
	pctHybrid     = 8
	pctTeamsPhone = 92 // of people
	pctCalling    = 55 // of people with Teams Phone
	pctAppCalling = 50 // of resource accounts
	pctHolds      = 70 // of licensed people
	pctAppHolds   = 80 // of resource accounts
	pctPrivate    = 3  // of people holding a number
	numbersPerMil = 1600
)

// newTenant builds the users and the inventory, with who holds what.
func newTenant(users int, seed uint64, small bool) (*tenant, error) {
	if users < 1 {
		return nil, fmt.Errorf("-users must be at least 1")
	}
	t := &tenant{seed: seed, users: make([]userRec, users)}
	for _, c := range countries {
		if c.extra && users < extraCountriesFrom {
			continue
		}
		t.cs = append(t.cs, &countryState{country: c, idx: uint8(len(t.cs))})
	}
	t.drawUsers()
	if small {
		t.ensureVariety()
	}
	t.nameUsers()
	t.drawHoldings(small)
	if err := t.layOutNumbers(); err != nil {
		return nil, err
	}
	if err := t.drawLines(); err != nil {
		return nil, err
	}
	t.drawLocations()
	return t, nil
}

func pct(r *rand.Rand, p int) bool { return r.IntN(100) < p }

// drawUsers picks each user's country, kind, state and licences.
func (t *tenant) drawUsers() {
	r := rand.New(rand.NewPCG(t.seed, streamUsers))
	total := 0
	for _, c := range t.cs {
		total += c.weight
	}
	for i := range t.users {
		u := &t.users[i]
		w := r.IntN(total)
		for _, c := range t.cs {
			if w < c.weight {
				u.country = c.idx
				break
			}
			w -= c.weight
		}
		if pct(r, pctResource) {
			u.flags |= fResource | fTeamsPhone
			if pct(r, pctAppCalling) {
				u.flags |= fCallingPlan
			}
		} else {
			if pct(r, pctTeamsPhone) {
				u.flags |= fTeamsPhone
				if pct(r, pctCalling) {
					u.flags |= fCallingPlan
				}
			}
			if pct(r, pctDisabled) {
				u.flags |= fDisabled
			}
		}
		if pct(r, pctHybrid) {
			u.flags |= fHybrid
		}
		// A few administrators, whose long group DNs exercise LDIF folding.
		if !u.has(fResource) && !u.has(fDisabled) && (i < 2 || r.IntN(500) == 0) {
			u.flags |= fAdmin
		}
	}
}

// ensureVariety makes sure a small tenant (the committed sample) still has
// every sort of identity the rules care about, which chance alone does not
// promise at 50 users.
func (t *tenant) ensureVariety() {
	r := rand.New(rand.NewPCG(t.seed, streamFixups))
	order := r.Perm(len(t.users))
	const minPerCountry = 4
	// Countries first, taking users from the largest country.
	for _, c := range t.cs {
		in := func(u *userRec) bool { return u.country == c.idx }
		for t.countOf(in) < minPerCountry {
			big := t.largestCountry()
			if t.countOf(func(u *userRec) bool { return u.country == big }) <= minPerCountry {
				break // too few users to go round
			}
			for _, i := range order {
				if t.users[i].country == big {
					t.users[i].country = c.idx
					break
				}
			}
		}
	}
	person := func(u *userRec) bool { return !u.has(fResource) }
	hybridCaller := func(u *userRec) bool {
		return person(u) && u.has(fHybrid) && u.has(fCallingPlan) && !u.has(fDisabled)
	}
	rules := []struct {
		min  int
		is   func(*userRec) bool
		can  func(*userRec) bool
		make func(*userRec)
	}{
		{3, func(u *userRec) bool { return u.has(fResource) }, func(u *userRec) bool { return !u.has(fAdmin | fHybrid | fDisabled) },
			func(u *userRec) { u.flags = u.flags&^fDisabled | fResource | fTeamsPhone | fCallingPlan }},
		{2, func(u *userRec) bool { return u.has(fDisabled) }, func(u *userRec) bool { return person(u) && !u.has(fAdmin|fHybrid) },
			func(u *userRec) { u.flags |= fDisabled }},
		{2, hybridCaller, func(u *userRec) bool { return person(u) && !u.has(fAdmin|fDisabled) },
			func(u *userRec) { u.flags |= fHybrid | fTeamsPhone | fCallingPlan }},
		{4, func(u *userRec) bool { return u.has(fHybrid) }, func(u *userRec) bool { return person(u) && !u.has(fAdmin|fDisabled) },
			func(u *userRec) { u.flags |= fHybrid }},
		{2, func(u *userRec) bool { return person(u) && !u.has(fTeamsPhone) }, func(u *userRec) bool { return person(u) && !u.has(fAdmin|fHybrid|fDisabled) },
			func(u *userRec) { u.flags &^= fTeamsPhone | fCallingPlan }},
		{4, func(u *userRec) bool {
			return person(u) && u.has(fTeamsPhone) && !u.has(fCallingPlan|fHybrid|fDisabled)
		},
			func(u *userRec) bool { return person(u) && u.has(fTeamsPhone) && !u.has(fAdmin|fHybrid|fDisabled) },
			func(u *userRec) { u.flags &^= fCallingPlan }},
	}
	for _, rule := range rules {
		for _, i := range order {
			if t.countOf(rule.is) >= rule.min {
				break
			}
			u := &t.users[i]
			if !rule.is(u) && rule.can(u) {
				rule.make(u)
			}
		}
	}
}

func (t *tenant) countOf(pred func(*userRec) bool) int {
	n := 0
	for i := range t.users {
		if pred(&t.users[i]) {
			n++
		}
	}
	return n
}

func (t *tenant) largestCountry() uint8 {
	counts := make([]int, len(t.cs))
	for i := range t.users {
		counts[t.users[i].country]++
	}
	best := 0
	for i, n := range counts {
		if n > counts[best] {
			best = i
		}
	}
	return uint8(best)
}

// nameUsers numbers the people of each name pool and the resource
// accounts of each country, in index order, so that names are unique.
func (t *tenant) nameUsers() {
	people := map[*namePool]uint32{}
	apps := make([]uint32, len(t.cs))
	for i := range t.users {
		u := &t.users[i]
		c := t.cs[u.country]
		if u.has(fResource) {
			u.ordinal = apps[u.country]
			apps[u.country]++
		} else {
			u.ordinal = people[c.pool]
			people[c.pool]++
		}
		c.users = append(c.users, int32(i))
	}
}

// drawHoldings decides which kind of number each identity holds today. In
// a small tenant the first resource account holds nothing, so that there
// is one to give a number to.
func (t *tenant) drawHoldings(small bool) {
	r := rand.New(rand.NewPCG(t.seed, streamHoldings))
	appSeen := false
	for i := range t.users {
		u := &t.users[i]
		u.wantPrim, u.wantPriv = noKind, noKind
		u.primary, u.private = -1, -1
		if u.has(fResource) {
			first := !appSeen
			appSeen = true
			if !pct(r, pctAppHolds) || small && first {
				continue
			}
			switch w := r.IntN(100); {
			case u.has(fHybrid):
				u.wantPrim = uint8(kDR)
			case u.has(fCallingPlan) && w < 60:
				u.wantPrim = uint8(kCPService)
			case u.has(fCallingPlan) && w < 80, !u.has(fCallingPlan) && w < 60:
				u.wantPrim = uint8(kOCService)
			default:
				u.wantPrim = uint8(kDR)
			}
			continue
		}
		if !u.has(fTeamsPhone) || !pct(r, pctHolds) {
			continue
		}
		switch w := r.IntN(100); {
		case u.has(fHybrid):
			u.wantPrim = uint8(kDR)
		case u.has(fCallingPlan) && w < 60:
			u.wantPrim = uint8(kCPUser)
		case u.has(fCallingPlan) && w < 78, !u.has(fCallingPlan) && w < 50:
			u.wantPrim = uint8(kOCUser)
		case u.has(fCallingPlan) && w < 85, !u.has(fCallingPlan) && w < 60:
			u.wantPrim = uint8(kOCMobile)
		default:
			u.wantPrim = uint8(kDR)
		}
		if pct(r, pctPrivate) {
			u.wantPriv = u.wantPrim
		}
	}
}

// freeWeights is the mix of the numbers nobody holds, per kind.
var freeWeights = [numKinds]int{kCPUser: 38, kCPService: 4, kCPConf: 4, kOCUser: 18, kOCService: 3, kOCMobile: 6, kDR: 27}

// layOutNumbers sizes each country's inventory (about 1.6 numbers a user),
// lays the kinds out in ranges the way numbers are bought (runs of
// consecutive numbers of one kind), and hands the held ones to their
// holders at random.
func (t *tenant) layOutNumbers() error {
	r := rand.New(rand.NewPCG(t.seed, streamNumbers))
	for _, c := range t.cs {
		var held [numKinds]int
		for _, i := range c.users {
			u := &t.users[i]
			if u.wantPrim != noKind {
				held[u.wantPrim]++
			}
			if u.wantPriv != noKind {
				held[u.wantPriv]++
			}
		}
		heldAll := 0
		for _, n := range held {
			heldAll += n
		}
		total := (len(c.users)*numbersPerMil + 500) / 1000
		// Every kind keeps a few free numbers, so that each sort of
		// sheet row has something to ask for.
		total = max(total, heldAll+int(numKinds))
		if uint64(total)+uint64(len(c.users)) > c.capacity() {
			return fmt.Errorf("%s: %d users need more numbers than the generator's ranges hold; use fewer users", c.iso, len(c.users))
		}
		var need [numKinds]int
		freeAll := total - heldAll
		sumW := 0
		for _, w := range freeWeights {
			sumW += w
		}
		given := 0
		for k := range numKinds {
			need[k] = held[k] + max(1, freeAll*freeWeights[k]/sumW)
			given += need[k]
		}
		need[kCPUser] += total - given // rounding remainder, may be negative
		need[kCPUser] = max(need[kCPUser], held[kCPUser]+1)
		total = 0
		for _, n := range need {
			total += n
		}

		c.nums = make([]numberRec, total)
		chunk := min(100, max(2, total/8))
		var byKind [numKinds][]int32
		left := total
		for a := 0; a < total; {
			w := r.IntN(left)
			k := kind(0)
			for ; w >= need[k]; k++ {
				w -= need[k]
			}
			n := min(chunk, need[k])
			for range n {
				c.nums[a] = numberRec{holder: -1, kind: k}
				byKind[k] = append(byKind[k], int32(a))
				a++
			}
			need[k] -= n
			left -= n
		}
		for a := uint32(0); a < uint32(total); a = c.blockStart(a) + blockSize(c.country, a) {
			if err := c.checkBlock(a); err != nil {
				return err
			}
		}
		c.next = uint32(total)

		for k := range numKinds {
			l := byKind[k]
			r.Shuffle(len(l), func(i, j int) { l[i], l[j] = l[j], l[i] })
		}
		take := func(ui int32, k uint8, priv bool) int32 {
			l := byKind[k]
			n := l[len(l)-1]
			byKind[k] = l[:len(l)-1]
			rec := &c.nums[n]
			rec.holder, rec.priv = ui, priv
			if !kind(k).locationFixed() && (kind(k) != kDR || pct(r, 30)) {
				rec.loc = uint8(1 + r.IntN(2))
			}
			return n
		}
		for _, i := range c.users {
			u := &t.users[i]
			if u.wantPrim != noKind {
				u.primary = take(i, u.wantPrim, false)
			}
			if u.wantPriv != noKind {
				u.private = take(i, u.wantPriv, true)
			}
		}
		for k := range numKinds {
			for _, n := range byKind[k] {
				if !kind(k).locationFixed() && pct(r, 50) {
					c.nums[n].loc = uint8(1 + r.IntN(2))
				}
			}
			c.free[k] = byKind[k]
		}
	}
	return nil
}

func blockSize(c *country, addr uint32) uint32 {
	b, _, _ := c.blockOf(addr)
	return pow10(b.tail)
}

// drawLines gives hybrid identities their on-premises msRTCSIP-Line: the
// Direct Routing number they hold, or an older number the organisation
// no longer has in Teams.
func (t *tenant) drawLines() error {
	r := rand.New(rand.NewPCG(t.seed, streamHoldings+100))
	for i := range t.users {
		u := &t.users[i]
		if !u.has(fHybrid) {
			continue
		}
		if u.primary >= 0 && kind(u.wantPrim) == kDR {
			u.line = uint32(u.primary)
			continue
		}
		a, err := t.cs[u.country].spare()
		if err != nil {
			return err
		}
		u.line = a
		if pct(r, 25) {
			u.flags |= fLineExt
		}
	}
	return nil
}

// drawLocations gives each office a location id and civic address id.
func (t *tenant) drawLocations() {
	r := rand.New(rand.NewPCG(t.seed, streamLocations))
	for _, c := range t.cs {
		for j := range c.offices {
			c.locIDs[j] = newGUID(r)
			c.civicIDs[j] = newGUID(r)
		}
	}
}
