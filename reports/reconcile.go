package reports

import (
	"bufio"
	"cmp"
	"iter"
	"slices"
	"strings"

	"github.com/numsync/numsync"
)

// Reconciliation statuses, as written in reconciliation.csv.
//
// reconciliation.csv has one row per inventory number (record "number") and
// one per identity and assignment category that a sheet names (record
// "identity"). Both compare what the sheets want with what the store held
// when the plan was made:
//
//   - number rows: wanted is the identity an accepted sheet row asks to
//     hold the number (empty when no row names it), store is its holder
//     (for a holder numsync does not know, "an identity outside the
//     directory" with the export's type and id).
//   - identity rows: wanted is the number the row asks for (empty for "hold
//     nothing"), store is the number held in that category. An identity
//     known only from rejected or blocked rows (no accepted row of its own)
//     has an empty category, wanted is the number of its first such row and
//     store lists every number it holds.
//
// The status is the first of these that applies, in this order:
const (
	// StatusRejected: a sheet row naming it was rejected (see rejects.csv);
	// the store keeps its state. For an identity row, its own row was
	// rejected (matched by file and line).
	StatusRejected = "rejected"
	// StatusBlocked: an operation for it waits until the user's
	// msRTCSIP-Line is cleared in AD (see blocked.csv and ad-cleanup.csv).
	StatusBlocked = "blocked"
	// StatusDrift: the store differs from the sheets and the plan has the
	// operation that fixes it (see plan.csv).
	StatusDrift = "drift"
	// StatusOK: nothing to do: the store holds what the sheets want, or no
	// sheet row asks for a change (merge mode leaves such numbers alone).
	// A held number is ok unless one of the statuses above applies.
	StatusOK = "ok"
	// StatusQuarantined (numbers only): free, but released less than
	// quarantine_days ago, so only a row that allows it may take it (R9).
	StatusQuarantined = "quarantined"
	// StatusFree (numbers only): held by no one and not taken by the plan.
	StatusFree = "free"
)

// reconcileIndex links wishes, issues and operations to numbers and
// identities. It points into the plan, the wishes and the tenant rather
// than copying them.
type reconcileIndex struct {
	rejectBySource  map[numsync.Source]*numsync.Issue
	blockedBySource map[numsync.Source]*numsync.Issue
	rejectByNumber  map[string]*numsync.Issue
	blockedByNumber map[string]*numsync.Issue
	opByNumber      map[string]*numsync.Op
	opByIdentity    map[numsync.Slot]*numsync.Op
	wishByNumber    map[string]*numsync.Wish
	held            map[numsync.Slot]*numsync.Assignment
	// teamsByNumber and teamsByIdentity hold the latest applied operation
	// on a number or identity that has not landed in Teams.
	teamsByNumber   map[string]*numsync.PushOp
	teamsByIdentity map[numsync.Slot]*numsync.PushOp
	// observed is who holds each number in Teams as last read: a UPN, an
	// object id no user has, or "(free)".
	observed map[string]string
}

// setFirst keeps the first value stored under a key.
func setFirst[K comparable, V any](m map[K]*V, k K, v *V) {
	if _, ok := m[k]; !ok {
		m[k] = v
	}
}

func (f *facts) reconcileIndex() *reconcileIndex {
	ops := f.plan.Ops
	x := &reconcileIndex{
		rejectBySource:  make(map[numsync.Source]*numsync.Issue, len(f.plan.Rejects)),
		blockedBySource: make(map[numsync.Source]*numsync.Issue, len(f.plan.Blocked)),
		rejectByNumber:  make(map[string]*numsync.Issue, len(f.plan.Rejects)),
		blockedByNumber: make(map[string]*numsync.Issue, len(f.plan.Blocked)),
		opByNumber:      make(map[string]*numsync.Op, len(ops)),
		opByIdentity:    make(map[numsync.Slot]*numsync.Op, len(ops)),
		wishByNumber:    make(map[string]*numsync.Wish, len(f.in.Wishes)),
		held:            make(map[numsync.Slot]*numsync.Assignment, len(f.tenant.Assignments)),
		teamsByNumber:   make(map[string]*numsync.PushOp, len(f.in.Unfinished)),
		teamsByIdentity: make(map[numsync.Slot]*numsync.PushOp, len(f.in.Unfinished)),
		observed:        make(map[string]string, len(f.in.Observed)),
	}
	if len(f.in.Observed) > 0 {
		name := f.tenant.HolderNames()
		for _, o := range f.in.Observed {
			x.observed[o.Number] = name(o.HolderID)
		}
	}
	for i := range f.in.Unfinished {
		u := &f.in.Unfinished[i]
		for _, h := range []*numsync.Holding{u.Op.Before, u.Op.After} {
			if h != nil {
				x.teamsByNumber[h.Number.String()] = u
			}
		}
		x.teamsByIdentity[numsync.Slot{UPNKey: numsync.UPNKey(u.Op.UPN), Category: u.Op.Category.OrPrimary()}] = u
	}
	for i := range f.plan.Rejects {
		is := &f.plan.Rejects[i]
		setFirst(x.rejectBySource, issueSource(*is), is)
		if is.Number != "" {
			setFirst(x.rejectByNumber, is.Number, is)
		}
	}
	for i := range f.plan.Blocked {
		is := &f.plan.Blocked[i]
		setFirst(x.blockedBySource, issueSource(*is), is)
		if is.Number != "" {
			setFirst(x.blockedByNumber, is.Number, is)
		}
	}
	// A number's drift is shown by the operation that takes it, else by
	// the one that frees it.
	for i := range ops {
		if ops[i].After != nil {
			setFirst(x.opByNumber, ops[i].After.Number.String(), &ops[i])
		}
	}
	for i := range ops {
		op := &ops[i]
		if op.Before != nil {
			setFirst(x.opByNumber, op.Before.Number.String(), op)
		}
		setFirst(x.opByIdentity, numsync.SlotOf(op.UPN, op.Category), op)
	}
	for i := range f.in.Wishes {
		if w := &f.in.Wishes[i]; !w.Remove() {
			setFirst(x.wishByNumber, w.Number.String(), w)
		}
	}
	for i := range f.tenant.Assignments {
		a := &f.tenant.Assignments[i]
		k := numsync.SlotOf(a.UPN, a.Category)
		x.held[k] = a
	}
	return x
}

func issueSource(is numsync.Issue) numsync.Source {
	return numsync.Source{File: is.File, Line: is.Line}
}

// reconcileRow is one line of reconciliation.csv. teams and teamsError
// say where the latest applied operation on the number or identity stands
// in Teams when it has not landed there yet (pending, submitted or failed,
// with the tenant's error); both are empty when nothing is outstanding.
// teamsObserved is who holds a number in Teams as numsync last read it
// ("(free)" for no one), empty when Teams was not read.
type reconcileRow struct {
	record, key, category, typ, country, wanted, store, status, reason, source string
	teams, teamsError, teamsObserved                                           string
}

// putCells sets the row's cells in order of the header.
func (r *reconcileRow) putCells(cells []string) {
	cells[0], cells[1], cells[2], cells[3], cells[4] = r.record, r.key, r.category, r.typ, r.country
	cells[5], cells[6], cells[7], cells[8], cells[9] = r.wanted, r.store, r.status, r.reason, r.source
	cells[10], cells[11], cells[12] = r.teams, r.teamsError, r.teamsObserved
}

// withTeams sets the Teams cells from an operation that has not landed.
func (r *reconcileRow) withTeams(u *numsync.PushOp) {
	if u != nil {
		r.teams, r.teamsError = string(u.Outcome.State), numsync.OneLine(u.Outcome.Error)
	}
}

// withIssue sets status, reason and source from an issue.
func (r *reconcileRow) withIssue(status string, is *numsync.Issue) {
	r.status, r.reason, r.source = status, string(is.Code), sourceString(issueSource(*is))
}

// withOp sets the drift status from the operation that fixes it.
func (r *reconcileRow) withOp(op *numsync.Op) {
	r.status, r.reason, r.source = StatusDrift, string(op.RowAction()), sourceText(op.Source)
}

// reconcile yields the rows of reconciliation.csv in order: numbers, then
// identities, each row made as it is written (identities are sorted as
// small entries first).
func (f *facts) reconcile() iter.Seq[*reconcileRow] {
	return func(yield func(*reconcileRow) bool) {
		x := f.reconcileIndex()
		if !f.numberRows(x, yield) {
			return
		}
		entries, holds := f.identityEntries()
		var r reconcileRow
		for i := range entries {
			f.identityRow(x, &entries[i], holds, &r)
			if !yield(&r) {
				return
			}
		}
	}
}

// numberRows yields one row per inventory number, by number.
func (f *facts) numberRows(x *reconcileIndex, yield func(*reconcileRow) bool) bool {
	// Sort pointers, not copies of the inventory, which is the largest
	// thing a tenant holds.
	numbers := make([]*numsync.InventoryNumber, len(f.tenant.Numbers))
	for i := range f.tenant.Numbers {
		numbers[i] = &f.tenant.Numbers[i]
	}
	slices.SortFunc(numbers, func(a, b *numsync.InventoryNumber) int {
		return cmp.Compare(a.Number.String(), b.Number.String())
	})
	var r reconcileRow
	for _, n := range numbers {
		num := n.Number.String()
		r = reconcileRow{record: "number", key: num, typ: string(n.Type), country: n.Country}
		holder := f.x.Holder(num)
		isHeld := holder != nil
		if isHeld {
			r.store, r.category = holder.UPN, string(holder.Category.OrPrimary())
		} else if !n.Outside.IsZero() {
			// Held by someone numsync does not know: taken, and named.
			isHeld = true
			r.store, r.category = n.Outside.String(), string(n.Outside.Category.OrPrimary())
		}
		rejected, isRejected := x.rejectByNumber[num]
		if w, ok := x.wishByNumber[num]; ok {
			r.wanted, r.category = w.UPN, string(w.Category.OrPrimary())
			r.source = sourceString(w.Source)
			// Prefer the wanting row's own rejection to another row's.
			if is, ok := x.rejectBySource[w.Source]; ok {
				rejected, isRejected = is, true
			}
		}
		if isRejected {
			r.withIssue(StatusRejected, rejected)
		} else if is, ok := x.blockedByNumber[num]; ok {
			r.withIssue(StatusBlocked, is)
		} else if op, ok := x.opByNumber[num]; ok {
			r.withOp(op)
		} else if isHeld {
			r.status = StatusOK
		} else if n.InQuarantine(f.in.Now, f.in.QuarantineDays) {
			r.status = StatusQuarantined
			r.reason = "until " + n.ReleasedAt.AddDate(0, 0, f.in.QuarantineDays).UTC().Format("2006-01-02T15:04:05Z")
		} else {
			r.status = StatusFree
		}
		r.withTeams(x.teamsByNumber[num])
		r.teamsObserved = x.observed[num]
		if !yield(&r) {
			return false
		}
	}
	return true
}

// identityEntry is an identity row before it is made: what it sorts on and
// where it comes from, a few words instead of a row's eleven strings, so
// the rows need not all be held at once to be sorted.
type identityEntry struct {
	upnKey string
	cat    numsync.Category // "" for an identity only issues name
	pos    int32            // order of discovery, the last sort key
	wish   int32            // index in the wishes, or -1
	issue  *numsync.Issue   // the first issue, when wish is -1
	status string           // the issue's status, when wish is -1
}

// identityEntries lists one entry per identity and category the sheets
// name, by UPN key and category, and the holdings of identities only
// rejected or blocked rows name.
func (f *facts) identityEntries() ([]identityEntry, map[string][]*numsync.Assignment) {
	entries := make([]identityEntry, 0, len(f.in.Wishes)+len(f.plan.Rejects)+len(f.plan.Blocked))
	named := make(map[string]bool, len(f.in.Wishes))
	seen := make(map[numsync.Slot]bool, len(f.in.Wishes))
	for i := range f.in.Wishes {
		w := &f.in.Wishes[i]
		k := numsync.SlotOf(w.UPN, w.Category)
		named[k.UPNKey] = true
		if seen[k] {
			continue
		}
		seen[k] = true
		entries = append(entries, identityEntry{upnKey: k.UPNKey, cat: k.Category, pos: int32(len(entries)), wish: int32(i)})
	}
	// Identities that only rejected or blocked rows name; their holdings
	// are gathered for them alone, not for every identity.
	holds := map[string][]*numsync.Assignment{}
	for _, group := range []struct {
		status string
		issues []numsync.Issue
	}{{StatusRejected, f.plan.Rejects}, {StatusBlocked, f.plan.Blocked}} {
		for i := range group.issues {
			is := &group.issues[i]
			k := numsync.UPNKey(is.UPN)
			if k == "" || named[k] {
				continue
			}
			named[k] = true
			holds[k] = nil
			entries = append(entries, identityEntry{upnKey: k, pos: int32(len(entries)), wish: -1, issue: is, status: group.status})
		}
	}
	if len(holds) > 0 {
		for i := range f.tenant.Assignments {
			a := &f.tenant.Assignments[i]
			k := numsync.UPNKey(a.UPN)
			if as, ok := holds[k]; ok {
				holds[k] = append(as, a)
			}
		}
	}
	// Rows that compare equal keep the sheets' order, by position, which
	// is cheaper than a stable sort.
	slices.SortFunc(entries, func(a, b identityEntry) int {
		return cmp.Or(cmp.Compare(a.upnKey, b.upnKey), cmp.Compare(a.cat, b.cat), cmp.Compare(a.pos, b.pos))
	})
	return entries, holds
}

// identityRow makes the row of one entry in r.
func (f *facts) identityRow(x *reconcileIndex, e *identityEntry, holds map[string][]*numsync.Assignment, r *reconcileRow) {
	if e.wish < 0 {
		is := e.issue
		*r = reconcileRow{record: "identity", key: is.UPN, wanted: is.Number, store: holdings(holds[e.upnKey])}
		if u := f.x.User(e.upnKey); u != nil {
			r.key, r.country = u.UPN, u.UsageLocation
		}
		r.withIssue(e.status, is)
		return
	}
	defer r.withTeams(x.teamsByIdentity[numsync.Slot{UPNKey: e.upnKey, Category: e.cat}])
	w := &f.in.Wishes[e.wish]
	k := numsync.Slot{UPNKey: e.upnKey, Category: e.cat}
	*r = reconcileRow{record: "identity", key: w.UPN, category: string(k.Category), typ: string(w.Type), wanted: w.Number.String(), source: sourceString(w.Source)}
	if u := f.x.User(k.UPNKey); u != nil {
		r.key, r.country = u.UPN, u.UsageLocation
	}
	if a, ok := x.held[k]; ok {
		r.store = a.Number.String()
		if r.typ == "" {
			r.typ = string(a.Type)
		}
	}
	if is, ok := x.rejectBySource[w.Source]; ok {
		r.withIssue(StatusRejected, is)
	} else if is, ok := x.blockedBySource[w.Source]; ok {
		r.withIssue(StatusBlocked, is)
	} else if op, ok := x.opByIdentity[k]; ok {
		r.withOp(op)
		if r.typ == "" && op.After != nil {
			r.typ = string(op.After.Type)
		}
	} else {
		r.status = StatusOK
	}
}

// holdings lists the numbers of an identity's assignments, Primary first.
func holdings(as []*numsync.Assignment) string {
	as = slices.Clone(as)
	slices.SortFunc(as, func(a, b *numsync.Assignment) int {
		return cmp.Compare(a.Category.OrPrimary(), b.Category.OrPrimary())
	})
	nums := make([]string, len(as))
	for i, a := range as {
		nums[i] = a.Number.String()
	}
	return strings.Join(nums, " ")
}

func (f *facts) reconciliationCSV(w *bufio.Writer) {
	header := []string{"record", "key", "category", "type", "country", "wanted", "store", "status", "reason", "source", "teams", "teams_error", "teams_observed"}
	writeCSV(w, header, func(yield func([]string) bool) {
		cells := make([]string, len(header))
		for r := range f.reconcile() {
			r.putCells(cells)
			if !yield(cells) {
				return
			}
		}
	})
}
