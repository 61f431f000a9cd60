package main

import (
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/numsync/numsync"
)

// SheetHeader is the header of the assignment sheets (README, "Inputs").
var SheetHeader = []string{"UserPrincipalName", "PhoneNumber", "PhoneNumberType", "LocationId", "AssignmentCategory", "Notify", "Action"}

// DialectHeader is the header of the sheet written the way a German Excel
// saves "CSV (Trennzeichen-getrennt)": the same columns under aliases,
// semicolons, CRLF and a UTF-8 byte order mark.
var DialectHeader = []string{"UPN", "Number", "Type", "EmergencyLocation", "AssignmentCategory", "EmailUser", "Action"}

// dialectCountry is the country whose sheet is written in the Excel
// dialect, with national-format numbers.
const dialectCountry = "DE"

// ExpectedHeader is the header of expected.csv: for every sheet row, what
// numsync should make of it in merge mode.
var ExpectedHeader = []string{"File", "Line", "UserPrincipalName", "PhoneNumber", "E164", "Expect", "Code", "Story"}

// What a row should become.
const (
	expAssign    = "assign"
	expChange    = "change"
	expRemove    = "remove"
	expUnchanged = "unchanged"
	expReject    = "reject"
	expBlocked   = "blocked"
	expWarning   = "warning" // a repeated row: kept once, with a warning
)

// row is one sheet row and what it should become.
type row struct {
	upn, number, typ, loc, cat, notify, action string
	short                                      bool // the row lost its last columns
	e164                                       string
	expect                                     string
	code                                       numsync.Reason
	story                                      string
}

type sheetFile struct {
	*csvFile
	name    string
	line    int
	dialect bool
}

// sheetGen writes the sheets and expected.csv.
type sheetGen struct {
	t       *tenant
	r       *rand.Rand
	used    []uint64 // bitset: users already named by a sheet row (or kept out of them)
	files   []*sheetFile
	exp     *csvFile
	rows    int
	leavers int
	pcg     *rand.PCG // scratch for deriving identities
	pr      *rand.Rand
}

func (g *sheetGen) isUsed(i int32) bool { return g.used[i>>6]&(1<<(i&63)) != 0 }
func (g *sheetGen) use(i int32)         { g.used[i>>6] |= 1 << (i & 63) }

// corrections is the index of the sheet that gathers late rows of every country.
func (g *sheetGen) corrections() int { return len(g.t.cs) }

func newSheetGen(t *tenant, dir string) (*sheetGen, error) {
	g := &sheetGen{t: t, r: rand.New(rand.NewPCG(t.seed, streamSheets)), used: make([]uint64, (len(t.users)+63)/64), pcg: rand.NewPCG(0, 0)}
	g.pr = rand.New(g.pcg)
	names := make([]string, 0, len(t.cs)+1)
	for i, c := range t.cs {
		names = append(names, fmt.Sprintf("%03d-%s.csv", 10*(i+1), strings.ToLower(c.iso)))
	}
	names = append(names, "900-corrections.csv")
	if err := checkNoOtherSheets(filepath.Join(dir, "sheets"), names); err != nil {
		return nil, err
	}
	for i, name := range names {
		c, err := createCSV(filepath.Join(dir, "sheets", name))
		if err != nil {
			g.abort()
			return nil, err
		}
		f := &sheetFile{csvFile: c, name: name, line: 1}
		g.files = append(g.files, f)
		header := SheetHeader
		if i < len(t.cs) && t.cs[i].iso == dialectCountry {
			f.dialect = true
			c.comma, c.crlf = ';', true
			c.w.WriteString("\uFEFF")
			header = DialectHeader
		}
		c.write(header...)
	}
	exp, err := createCSV(filepath.Join(dir, "expected.csv"))
	if err != nil {
		g.abort()
		return nil, err
	}
	g.exp = exp
	exp.write(ExpectedHeader...)
	return g, nil
}

// checkNoOtherSheets refuses to write into a sheets directory that holds
// sheets this run would not overwrite (left by a run with more countries):
// numsync reads every *.csv there, so they would join the new tenant's.
func checkNoOtherSheets(dir string, names []string) error {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	for _, e := range entries {
		if strings.EqualFold(filepath.Ext(e.Name()), ".csv") && !slices.Contains(names, e.Name()) {
			return fmt.Errorf("%s holds %s, which this tenant has no sheet for and numsync would read with it; remove the old sheets or write to an empty -out", dir, e.Name())
		}
	}
	return nil
}

// abort closes what newSheetGen opened when it fails half way.
func (g *sheetGen) abort() {
	for _, f := range g.files {
		f.f.Close()
	}
}

func (g *sheetGen) close() error {
	err := g.exp.close()
	for _, f := range g.files {
		if cerr := f.close(); err == nil {
			err = cerr
		}
	}
	return err
}

// emit writes one row to sheet file fi, and its expectation.
func (g *sheetGen) emit(fi int, rw row) {
	f := g.files[fi]
	rec := []string{rw.upn, rw.number, rw.typ, rw.loc, rw.cat, rw.notify, rw.action}
	if rw.short {
		rec = rec[:3]
	}
	f.write(rec...)
	f.line++
	g.rows++
	g.exp.write("sheets/"+f.name, strconv.Itoa(f.line), rw.upn, rw.number, rw.e164, rw.expect, string(rw.code), rw.story)
}

// text helpers -----------------------------------------------------------

func (g *sheetGen) dialect(fi int) bool { return g.files[fi].dialect }

// numberText writes the addr-th number of c for a row in file fi: in the
// dialect sheet in national form, elsewhere mostly E.164 with the other
// ways people write numbers mixed in. Numbers of another country than the
// row's user are always E.164, since national forms are read with the
// user's usage location.
func (g *sheetGen) numberText(fi int, c *countryState, addr uint32, sameCountry bool) string {
	if !sameCountry {
		return c.e164(addr)
	}
	if g.dialect(fi) {
		return c.format(addr, styleNational)
	}
	switch w := g.r.IntN(100); {
	case w < 84:
		return c.e164(addr)
	case w < 89:
		return c.format(addr, styleSpaced)
	case w < 92:
		return c.format(addr, styleTel)
	case w < 95 && c.nanp:
		// Elsewhere digits without "+" may read as another national number.
		return c.format(addr, styleNoPlus)
	default:
		return c.format(addr, styleNational)
	}
}

func (g *sheetGen) typeText(fi int, k kind) string {
	if g.dialect(fi) {
		switch k.numberType() {
		case numsync.CallingPlan:
			return "Calling Plan"
		case numsync.OperatorConnect:
			if k == kOCMobile {
				return "Teams Phone Mobile"
			}
			return "Operator Connect"
		}
		return "Direct Routing"
	}
	switch w := g.r.IntN(100); {
	case w < 15:
		return ""
	case w < 25 && k == kOCMobile:
		return "OCMobile"
	case w < 25:
		return strings.Replace(strings.Replace(string(k.numberType()), "Plan", " Plan", 1), "Connect", " Connect", 1)
	}
	return string(k.numberType())
}

func (g *sheetGen) notifyText(fi int) string {
	w := g.r.IntN(100)
	if g.dialect(fi) {
		switch {
		case w < 80:
			return "yes"
		case w < 90:
			return "no"
		}
		return ""
	}
	switch {
	case w < 80:
		return "true"
	case w < 90:
		return "false"
	}
	return ""
}

func (g *sheetGen) categoryText() string {
	if g.r.IntN(100) < 80 {
		return string(numsync.Primary)
	}
	return ""
}

func (g *sheetGen) assignAction() string {
	if g.r.IntN(2) == 0 {
		return "assign"
	}
	return ""
}

// locOf is the location id a number carries in the inventory.
func locOf(c *countryState, n int32) string {
	if l := c.nums[n].loc; l > 0 {
		return c.locIDs[l-1]
	}
	return ""
}

// newLoc picks the location a row asks for when it assigns number n.
func (g *sheetGen) newLoc(c *countryState, n int32) string {
	k := c.nums[n].kind
	if k.locationFixed() || (k == kDR && g.r.IntN(100) < 60) {
		return ""
	}
	return c.locIDs[g.r.IntN(2)]
}

// canHold reports whether identity u may hold a number of kind k under the
// rules, so that a row meant to be valid breaks none and a row meant to be
// rejected breaks exactly one.
func canHold(u *userRec, k kind) bool {
	if u.has(fDisabled) {
		return false
	}
	if u.has(fResource) {
		if !k.forApps() {
			return false
		}
	} else if !k.forPeople() || !u.has(fTeamsPhone) {
		return false
	}
	if k.numberType() == numsync.CallingPlan && !u.has(fCallingPlan) {
		return false
	}
	return k == kDR || !u.has(fHybrid)
}

// partner finds an unused identity of country c, other than not, that
// satisfies ok, probing from a random place.
func (g *sheetGen) partner(c *countryState, not int32, ok func(int32, *userRec) bool) int32 {
	n := len(c.users)
	if n == 0 {
		return -1
	}
	start := g.r.IntN(n)
	for p := range min(n, 400) {
		i := c.users[(start+p)%n]
		if i != not && !g.isUsed(i) && ok(i, &g.t.users[i]) {
			return i
		}
	}
	return -1
}

// otherCountry picks a country other than c, or nil when the tenant has one.
func (g *sheetGen) otherCountry(c *countryState) *countryState {
	if len(g.t.cs) < 2 {
		return nil
	}
	o := g.t.cs[g.r.IntN(len(g.t.cs)-1)]
	if o == c {
		o = g.t.cs[len(g.t.cs)-1]
	}
	return o
}

func (g *sheetGen) upn(i int32) string {
	return g.t.identityOf(int(i), g.pcg, g.pr).upn
}
