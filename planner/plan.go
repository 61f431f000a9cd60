package planner

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/numsync/numsync"
)

// Input is everything a plan is computed from. Planning reads it and does
// not change it.
type Input struct {
	// Tenant is the store snapshot the plan is made against; its Revision
	// becomes the plan's. nil plans against an empty store (revision 0).
	Tenant *numsync.Tenant
	// Index is Tenant's index, when the caller has one to share with the
	// reports; nil (or an index of another tenant) has Plan build its own.
	Index *numsync.TenantIndex
	// Wishes are the sheet rows that the importer read and normalised, in
	// sheet order.
	Wishes []numsync.Wish
	// SheetRejects are rows the importer already refused (BAD_ROW,
	// BAD_NUMBER, DUPLICATE_NUMBER, CONFLICTING_ROWS…); they are carried
	// into the plan, and their identities are never touched by
	// authoritative removal.
	SheetRejects []numsync.Issue
	// SheetWarnings are carried into the plan's warnings.
	SheetWarnings []numsync.Issue
	// RejectedUPNs are further identities whose rows were refused before
	// planning but are not among SheetRejects (for example rows dropped
	// whole); authoritative removal leaves them alone too.
	RejectedUPNs []string
	Policy       numsync.Policy
	// Now is the time quarantine (R9) is measured against.
	Now          time.Time
	InputsDigest string
	RowsRead     int
	Sheets       int
}

type status uint8

const (
	accepted  status = iota // an operation, unless a later check rejects it
	rejected                // a reject issue, the slot keeps what it holds
	blocked                 // a blocked issue (R12), the slot keeps what it holds
	unchanged               // the slot already is as wished
)

// decision is the fate of one wish.
type decision struct {
	w      *numsync.Wish
	slot   numsync.Slot
	upn    string // as the directory spells it, for operations
	status status
	action numsync.Action
	before *numsync.Holding
	after  *numsync.Holding
	// release is another category of the same identity that holds the
	// wanted number and no row names: moving a number between categories
	// removes it there first.
	release *numsync.Slot
	// issue is why a rejected or blocked row is not carried out; a pointer
	// because most rows have none and a decision is made per row.
	issue *numsync.Issue
	warns []numsync.Issue
}

// index is the tenant arranged for lookups by key.
type index struct {
	*numsync.TenantIndex // users and numbers, shared with the reports
	locByID              map[string]*numsync.EmergencyLocation
	locByDesc            map[string][]*numsync.EmergencyLocation
	held                 map[numsync.Slot]*numsync.Assignment
	holder               map[string]numsync.Slot // number key → the slot holding it now
}

func newIndex(tx *numsync.TenantIndex) *index {
	t := tx.Tenant()
	x := &index{
		TenantIndex: tx,
		locByID:     make(map[string]*numsync.EmergencyLocation, len(t.Locations)),
		locByDesc:   make(map[string][]*numsync.EmergencyLocation, len(t.Locations)),
	}
	for i := range t.Locations {
		l := &t.Locations[i]
		x.locByID[strings.ToLower(l.ID)] = l
		if d := descKey(l.Description); d != "" {
			x.locByDesc[d] = append(x.locByDesc[d], l)
		}
	}
	x.held, x.holder = slotsOf(t)
	return x
}

// slotsOf indexes t's assignments by slot, and the slot of each held
// number by number key.
func slotsOf(t *numsync.Tenant) (held map[numsync.Slot]*numsync.Assignment, holder map[string]numsync.Slot) {
	held = make(map[numsync.Slot]*numsync.Assignment, len(t.Assignments))
	holder = make(map[string]numsync.Slot, len(t.Assignments))
	for i := range t.Assignments {
		a := &t.Assignments[i]
		s := numsync.SlotOf(a.UPN, a.Category)
		held[s] = a
		holder[a.Number.String()] = s
	}
	return held, holder
}

func descKey(s string) string { return strings.ToLower(strings.Join(strings.Fields(s), " ")) }

func holdingOf(a *numsync.Assignment) *numsync.Holding {
	return &numsync.Holding{Number: a.Number, Type: a.Type, Location: a.LocationID}
}

// planner carries the state of one Plan call.
type planner struct {
	in         Input
	x          *index
	decs       map[numsync.Slot]*decision
	order      []*decision // the wishes that reach the rules, in sheet order
	takers     map[string]*decision
	releasedBy map[numsync.Slot]*decision
	authRemove map[numsync.Slot]bool
	rejects    []numsync.Issue
	warnings   []numsync.Issue
}

// Plan computes the plan that brings the tenant to what the wishes say,
// following the rules of docs/rules.md and the ordering of docs/design.md
// ("The plan"). It is deterministic: the same input gives the same plan,
// operation for operation, so the written plan.json is byte-identical.
//
// Decisions this function makes where the design leaves room:
//   - A remove row succeeds for a disabled or absent identity (freeing the
//     numbers of leavers is what such rows are for); it is rejected as
//     UNKNOWN_USER only when the identity is unknown and holds nothing.
//   - An identity marked Absent (gone from its directory) is UNKNOWN_USER
//     for rows that assign a number.
//   - A row that is already satisfied is counted unchanged and not checked
//     against the rules: it changes nothing, and a licence or account
//     change since is reported by reconciliation, not as a rejected row.
//   - An empty type takes the inventory's. A number outside the inventory
//     with an empty type is NOT_IN_INVENTORY (with a hint to write
//     DirectRouting) rather than guessed to be Direct Routing, so that a
//     typing error in a number is not assigned as a new number.
//   - An empty location keeps the number's location: the current one when
//     the identity already holds the number, else the inventory's.
//   - A number wanted in one category that the identity holds in another
//     category no row names is moved: a remove of the old category comes
//     first, and the move counts as one change.
//   - A blocked row (ONPREM_LINE_SET) whose number someone else keeps is
//     rejected as NUMBER_TAKEN instead: clearing AD would not help it.
//   - Rows repeated identically are planned once, with a DUPLICATE_ROW
//     warning for the repeats; differing rows for one identity and category
//     are all CONFLICTING_ROWS, and rows wanting one number for different
//     identities are all DUPLICATE_NUMBER (as the importer does).
//   - Authoritative mode removes every assignment of every identity that no
//     row names (accepted, rejected or blocked) and that is not listed in
//     RejectedUPNs; an identity named for one category keeps its others.
func Plan(in Input) *numsync.Plan {
	p := &planner{
		in:         in,
		x:          newIndex(numsync.IndexOf(in.Index, in.Tenant)),
		decs:       make(map[numsync.Slot]*decision, len(in.Wishes)),
		takers:     make(map[string]*decision, len(in.Wishes)),
		releasedBy: make(map[numsync.Slot]*decision),
		authRemove: make(map[numsync.Slot]bool),
	}
	p.rejects = append(p.rejects, in.SheetRejects...)
	p.warnings = append(p.warnings, in.SheetWarnings...)

	p.screen()
	p.markAuthoritative()
	for _, d := range p.order {
		p.decide(d)
	}
	p.resolveTaken()

	mode := in.Policy.Mode
	if mode == "" {
		mode = numsync.Merge
	}
	plan := &numsync.Plan{
		Version:      numsync.PlanVersion,
		Revision:     p.x.Tenant().Revision,
		InputsDigest: in.InputsDigest,
		Mode:         mode,
		Ops:          p.orderedOps(),
		Blocked:      []numsync.Issue{},
	}
	c := &plan.Counts
	for _, d := range p.order {
		switch d.status {
		case rejected:
			p.rejects = append(p.rejects, *d.issue)
		case blocked:
			plan.Blocked = append(plan.Blocked, *d.issue)
		case unchanged:
			c.Unchanged++
		case accepted:
			p.warnings = append(p.warnings, d.warns...)
			switch {
			case d.action == numsync.Remove:
				c.Remove++
			case d.action == numsync.Change || d.release != nil:
				c.Change++
			default:
				c.Assign++
			}
		}
	}
	c.Remove += len(p.authRemove)
	plan.Rejects = sortIssues(p.rejects)
	plan.Blocked = sortIssues(plan.Blocked)
	plan.Warnings = sortIssues(p.warnings)
	c.Rejected, c.Blocked, c.Warnings = len(plan.Rejects), len(plan.Blocked), len(plan.Warnings)
	c.RowsRead, c.Sheets = in.RowsRead, in.Sheets
	return plan
}

// sortIssues orders issues by place, then identity and code, so that the
// plan does not depend on the order rules ran in. It never returns nil.
func sortIssues(xs []numsync.Issue) []numsync.Issue {
	out := make([]numsync.Issue, len(xs))
	copy(out, xs)
	slices.SortStableFunc(out, func(a, b numsync.Issue) int {
		return cmp.Or(
			strings.Compare(a.File, b.File),
			cmp.Compare(a.Line, b.Line),
			strings.Compare(a.UPN, b.UPN),
			strings.Compare(string(a.Code), string(b.Code)),
			strings.Compare(a.Number, b.Number),
			strings.Compare(a.Message, b.Message),
		)
	})
	return out
}

// screen settles the rows that contradict each other before any rule runs
// (R4). The importer normally did this already; doing it again keeps the
// planner correct for any caller.
func (p *planner) screen() {
	// One allocation for every row's decision instead of one per row.
	decs := make([]decision, len(p.in.Wishes))
	all := make([]*decision, len(p.in.Wishes))
	// Repeated slots and numbers are rare: keep the first row of each in
	// one map, and groups only for the repeated ones.
	slotGroups := make(map[numsync.Slot][]*decision)
	for i := range p.in.Wishes {
		w := &p.in.Wishes[i]
		d := &decs[i]
		*d = decision{w: w, slot: numsync.SlotOf(w.UPN, w.Category)}
		all[i] = d
		if f, dup := p.decs[d.slot]; dup {
			if slotGroups[d.slot] == nil {
				slotGroups[d.slot] = []*decision{f}
			}
			slotGroups[d.slot] = append(slotGroups[d.slot], d)
		} else {
			p.decs[d.slot] = d
		}
	}
	keep := make([]*decision, 0, len(all))
	for _, d := range all {
		switch group := slotGroups[d.slot]; {
		case group == nil:
		case allSame(group):
			if group[0] != d {
				p.warnings = append(p.warnings, p.issueFor(d, numsync.DuplicateRow, "the same row as "+group[0].w.Source.String(), ""))
				continue
			}
		default:
			p.rejectRow(d, numsync.ConflictingRows, "the identity has other rows for the "+string(d.slot.Category)+" category: "+otherRows(d, group),
				"keep one row per identity and category")
		}
		keep = append(keep, d)
	}
	firstByNumber := make(map[string]*decision, len(keep))
	numberGroups := make(map[string][]*decision)
	for _, d := range keep {
		if d.status != accepted || d.w.Remove() {
			continue
		}
		k := d.w.Number.String()
		if f, dup := firstByNumber[k]; dup {
			if numberGroups[k] == nil {
				numberGroups[k] = []*decision{f}
			}
			numberGroups[k] = append(numberGroups[k], d)
		} else {
			firstByNumber[k] = d
		}
	}
	for _, group := range numberGroups {
		for _, d := range group {
			p.rejectRow(d, numsync.DuplicateNumber, "the number is also wanted by "+otherRows(d, group),
				"give each number to one identity only")
		}
	}
	p.order = keep
}

func allSame(group []*decision) bool {
	first := group[0].w
	for _, g := range group[1:] {
		w := g.w
		if w.Number != first.Number || w.Type != first.Type || w.LocationID != first.LocationID ||
			w.Notify != first.Notify || w.AllowQuarantined != first.AllowQuarantined {
			return false
		}
	}
	return true
}

// otherRows names the rows of group other than d, at most a handful of
// them, so that a number wanted by thousands of rows does not make a
// message per row that lists them all.
func otherRows(d *decision, group []*decision) string {
	const most = 5
	var names []string
	others := 0
	for _, g := range group {
		if g == d {
			continue
		}
		others++
		if len(names) < most {
			names = append(names, fmt.Sprintf("%s (%s)", g.w.Source, g.w.UPN))
		}
	}
	s := strings.Join(names, ", ")
	if others > most {
		s += fmt.Sprintf(" and %d more", others-most)
	}
	return s
}

// markAuthoritative finds, in authoritative mode, the assignments of
// identities no row names. Rows count whatever their fate: an identity
// whose row was refused keeps what it holds.
func (p *planner) markAuthoritative() {
	if p.in.Policy.Mode != numsync.Authoritative {
		return
	}
	named := make(map[string]bool, len(p.in.Wishes)+len(p.in.SheetRejects)+len(p.in.RejectedUPNs))
	for i := range p.in.Wishes {
		named[numsync.UPNKey(p.in.Wishes[i].UPN)] = true
	}
	for _, r := range p.in.SheetRejects {
		named[numsync.UPNKey(r.UPN)] = true
	}
	for _, u := range p.in.RejectedUPNs {
		named[numsync.UPNKey(u)] = true
	}
	for s := range p.x.held {
		if !named[s.UPNKey] {
			p.authRemove[s] = true
		}
	}
}

// issueFor makes an issue about the row of d.
func (p *planner) issueFor(d *decision, code numsync.Reason, msg, hint string) numsync.Issue {
	w := d.w
	return numsync.Issue{
		Code:    code,
		UPN:     w.UPN,
		Number:  w.Number.String(),
		File:    w.Source.File,
		Line:    w.Source.Line,
		Message: msg,
		Hint:    hint,
	}
}

func (p *planner) rejectRow(d *decision, code numsync.Reason, msg, hint string) {
	d.status = rejected
	d.issue = new(p.issueFor(d, code, msg, hint))
}

// upnOf spells an identity as the directory does, falling back to how the
// row or the assignment wrote it.
func (p *planner) upnOf(key, fallback string) string {
	if u := p.x.User(key); u != nil {
		return u.UPN
	}
	return fallback
}

// resolveTaken applies rule R8 to a fixpoint. A wish may take a number when
// its current holder gives it up in this plan; a holder whose own wish is
// rejected keeps its number, which can in turn make another wish's number
// taken. Rejection only ever spreads, so the set of rejected wishes is the
// least fixpoint whatever order the work list runs in: the plan stays
// deterministic.
func (p *planner) resolveTaken() {
	queue := make([]*decision, 0, len(p.takers))
	for _, d := range p.order {
		if d.status == accepted && p.takers[numberKey(d.after)] == d {
			queue = append(queue, d)
		}
	}
	for len(queue) > 0 {
		d := queue[len(queue)-1]
		queue = queue[:len(queue)-1]
		if d.status != accepted {
			continue
		}
		h, taken := p.keptBy(d)
		if !taken {
			continue
		}
		p.rejectTaken(d, h)
		// d's identity now keeps its current number: whoever wanted it must
		// be looked at again.
		if d.before != nil {
			if t := p.takers[numberKey(d.before)]; t != nil && t.status == accepted {
				queue = append(queue, t)
			}
		}
	}
	// A blocked row waits for AD; if its number is kept by someone else,
	// clearing AD would not help, so say what would.
	for _, d := range p.order {
		if d.status == blocked {
			if h, taken := p.keptBy(d); taken {
				p.rejectTaken(d, h)
			}
		}
	}
}

// keptBy returns the slot holding the number d wants if that slot keeps it
// after the plan.
func (p *planner) keptBy(d *decision) (numsync.Slot, bool) {
	h, ok := p.x.holder[numberKey(d.after)]
	if !ok || h == d.slot || p.frees(h) {
		return numsync.Slot{}, false
	}
	return h, true
}

// frees reports whether the slot gives up its current number in the plan.
func (p *planner) frees(s numsync.Slot) bool {
	if p.authRemove[s] {
		return true
	}
	if d := p.decs[s]; d != nil && d.status == accepted && d.before != nil &&
		(d.action == numsync.Remove || numberKey(d.after) != numberKey(d.before)) {
		return true
	}
	o := p.releasedBy[s]
	return o != nil && o.status == accepted
}

func (p *planner) rejectTaken(d *decision, h numsync.Slot) {
	a := p.x.held[h]
	msg := fmt.Sprintf("the number is held by %s (%s), who keeps it after this plan", a.UPN, h.Category)
	hint := "remove it from its holder in the same sheets, or choose a free number"
	if hd := p.decs[h]; hd != nil && hd.status != accepted && hd.status != unchanged && hd.w != nil {
		msg += fmt.Sprintf(" because the holder's own row at %s was not carried out (%s)", hd.w.Source, hd.issue.Code)
		hint = "fix the holder's row first"
	}
	p.rejectRow(d, numsync.NumberTaken, msg, hint)
}

func numberKey(h *numsync.Holding) string {
	if h == nil {
		return ""
	}
	return h.Number.String()
}
