package reports

import (
	"bufio"
	"cmp"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/numsync/numsync"
	"github.com/numsync/numsync/internal/atomicfile"
	"github.com/numsync/numsync/internal/par"
)

// Input is everything the reports of one plan or run are made from.
type Input struct {
	// Plan is the plan that was made (nil when the run failed before a plan
	// existed; the reports then say so and list what is known).
	Plan *numsync.Plan
	// Tenant is the store state the plan was made against: users (with DN
	// and msRTCSIP-Line), numbers, locations and assignments.
	Tenant *numsync.Tenant
	// Index is Tenant's index, when the caller has one (the one the plan
	// was made with); nil (or an index of another tenant) has the reports
	// build their own.
	Index *numsync.TenantIndex
	// Wishes are the accepted sheet rows; with the plan's rejects they are
	// the identities the sheets name, listed in reconciliation.csv.
	Wishes []numsync.Wish
	// Run is the outcome of an apply; nil for a dry-run plan.
	Run *numsync.Run
	// Imported are the problems of what the run loaded before planning:
	// export rows and directory entries loaded otherwise than they asked,
	// or not at all (an msRTCSIP-Line that is no number, a holder that
	// matches no user).
	Imported []numsync.Issue
	// ApplyCommand is the command that applies exactly this plan, shown
	// in report.html beside the plan's digest; empty when there is none
	// (an applied run).
	ApplyCommand string
	// PlanDigest is the digest of the plan's plan.json (the one its run
	// records once applied): teams-apply.ps1 names its steps, in its step
	// log and results, by this digest and the step number, and report.html
	// names the plan by it.
	PlanDigest string
	// Unfinished are the applied operations that have not landed in Teams
	// (pending, submitted or failed), oldest first; when this run applied,
	// its own are among them. teams-apply.ps1 carries those of earlier runs
	// out before the plan's own steps; the other reports show them all.
	Unfinished []numsync.PushOp
	// Observed is what Teams showed for each number when numsync last
	// read it (Graph); empty when Teams is not read.
	Observed []numsync.ObservedNumber
	// RunID names the run (and, by convention, the report directory).
	RunID             string
	Started, Finished time.Time
	// Err is why the run failed, if it did. The reports are still written
	// and say that it failed.
	Err error
	// QuarantineDays is the policy of rule R9, to tell quarantined numbers
	// from free ones.
	QuarantineDays int
	// Now is the time the reports describe (quarantine ends are compared
	// with it); zero means Finished, or the current time if that is zero
	// too. Tests fix it so the output is stable.
	Now time.Time
}

// The files [Write] produces, by name.
const (
	SummaryFile        = "summary.txt"
	PlanCSVFile        = "plan.csv"
	RejectsFile        = "rejects.csv"
	BlockedFile        = "blocked.csv"
	ReconciliationFile = "reconciliation.csv"
	ADCleanupCSVFile   = "ad-cleanup.csv"
	ADCleanupLDIFFile  = "ad-cleanup.ldif"
	ADCleanupPS1File   = "ad-cleanup.ps1"
	TeamsApplyFile     = "teams-apply.ps1"
	HTMLFile           = "report.html"
	MetricsFile        = "metrics.prom"
)

// Files lists every file [Write] writes.
var Files = []string{
	SummaryFile, PlanCSVFile, RejectsFile, BlockedFile, ReconciliationFile,
	ADCleanupCSVFile, ADCleanupLDIFFile, ADCleanupPS1File, TeamsApplyFile,
	HTMLFile, MetricsFile,
}

// Report is the reports of one plan or run: the input with the lookup
// tables every report needs, built once, so that the files and the summary
// the command line prints come from one set of tables.
type Report struct{ f *facts }

// New builds the lookup tables of in. The Report reads in's plan, tenant
// and wishes when it writes; they must not change meanwhile.
func New(in Input) *Report { return &Report{f: newFacts(in)} }

// Write writes every report file into dir, creating it if needed. Each file
// is written as [atomicfile.Write] writes, so readers see either the old
// file or the whole new one. A file that cannot be written does not stop
// the others; the errors are returned together.
func (r *Report) Write(dir string) error {
	f := r.f
	render := map[string]func(*bufio.Writer){
		SummaryFile:        func(w *bufio.Writer) { w.WriteString(f.summary()) },
		PlanCSVFile:        f.planCSV,
		RejectsFile:        func(w *bufio.Writer) { issuesCSV(w, f.plan.Rejects) },
		BlockedFile:        func(w *bufio.Writer) { issuesCSV(w, f.plan.Blocked) },
		ReconciliationFile: f.reconciliationCSV,
		ADCleanupCSVFile:   f.adCleanupCSV,
		ADCleanupLDIFFile:  f.adCleanupLDIF,
		ADCleanupPS1File:   f.adCleanupPS1,
		TeamsApplyFile:     f.teamsApplyPS1,
		HTMLFile:           f.html,
		MetricsFile:        f.metrics,
	}
	// The files only read the plan and the tables, so they are written
	// side by side, one per core, the costliest first so that a long one
	// does not start last.
	errs := make([]error, len(byCost))
	par.Each(len(byCost), func(i int) {
		errs[i] = writeAtomic(filepath.Join(dir, byCost[i]), render[byCost[i]])
	})
	return errors.Join(errs...)
}

// byCost is [Files] with the files that take longest to write on a large
// plan first.
var byCost = []string{
	ReconciliationFile, TeamsApplyFile, PlanCSVFile, HTMLFile, RejectsFile, BlockedFile,
	ADCleanupCSVFile, ADCleanupLDIFFile, ADCleanupPS1File, SummaryFile, MetricsFile,
}

// Summary returns the text of summary.txt, which the command line also
// prints at the end of plan, apply and run.
func (r *Report) Summary() string { return r.f.summary() }

// WriteMetrics writes metrics.prom to path atomically, for a copy in
// node_exporter's textfile collector directory (which only reads *.prom
// files, so a temporary file never shows as a metric).
func (r *Report) WriteMetrics(path string) error { return writeAtomic(path, r.f.metrics) }

// Write is New(in).Write(dir), for a caller that does not print the
// summary.
func Write(dir string, in Input) error { return New(in).Write(dir) }

// Summary is New(in).Summary(); a caller that also writes the files should
// keep the Report instead of building the tables twice.
func Summary(in Input) string { return New(in).Summary() }

// WriteMetrics is New(in).WriteMetrics(path).
func WriteMetrics(path string, in Input) error { return New(in).WriteMetrics(path) }

// writeAtomic writes the report render makes to path. A render writes
// into the buffer and cannot fail on its own: a write error sticks in the
// bufio.Writer and comes out of its Flush.
func writeAtomic(path string, render func(*bufio.Writer)) error {
	err := atomicfile.Write(path, func(w *bufio.Writer) error {
		render(w)
		return nil
	})
	if err != nil {
		return fmt.Errorf("reports: %w", err)
	}
	return nil
}

// facts is the input with the lookups every report needs, built once.
type facts struct {
	in     Input
	plan   *numsync.Plan
	tenant *numsync.Tenant
	x      *numsync.TenantIndex
	// locations are the emergency locations by lower-case id.
	locations map[string]*numsync.EmergencyLocation
}

func newFacts(in Input) *facts {
	if in.Now.IsZero() {
		in.Now = in.Finished
		if in.Now.IsZero() {
			in.Now = time.Now()
		}
	}
	f := &facts{in: in, plan: in.Plan, tenant: in.Tenant}
	if f.plan == nil {
		f.plan = &numsync.Plan{}
	}
	if f.tenant == nil {
		f.tenant = &numsync.Tenant{}
	}
	f.x = numsync.IndexOf(in.Index, f.tenant)
	f.locations = make(map[string]*numsync.EmergencyLocation, len(f.tenant.Locations))
	for i := range f.tenant.Locations {
		f.locations[strings.ToLower(f.tenant.Locations[i].ID)] = &f.tenant.Locations[i]
	}
	return f
}

// locationLabel names an emergency location for people: its description
// with the id, or the id alone when the store does not know it or it has
// no description.
func (f *facts) locationLabel(id string) string {
	if l := f.locations[strings.ToLower(id)]; l != nil && strings.TrimSpace(l.Description) != "" {
		return numsync.OneLine(strings.TrimSpace(l.Description)) + " (" + id + ")"
	}
	return id
}

// counts returns the plan's counts, with those that can be derived from
// the plan's lists counted from them, so the reports always agree with the
// rows they list.
func (f *facts) counts() numsync.Counts {
	c := f.plan.Counts
	c.Assign, c.Change, c.Remove = 0, 0, 0
	for _, op := range f.plan.Ops {
		c.Add(op)
	}
	c.Rejected, c.Blocked, c.Warnings = len(f.plan.Rejects), len(f.plan.Blocked), len(f.plan.Warnings)
	return c
}

// numberCountry returns the country of a number: the inventory's, else the
// one its digits belong to, else "".
func (f *facts) numberCountry(n numsync.Number) string {
	if inv := f.x.Number(n.String()); inv != nil && inv.Country != "" {
		return inv.Country
	}
	return n.Country()
}

// opNumber is the number an operation is about: the one it takes, or for a
// removal the one it frees.
func opNumber(op numsync.Op) numsync.Number {
	if op.After != nil {
		return op.After.Number
	}
	if op.Before != nil {
		return op.Before.Number
	}
	return numsync.Number{}
}

// issueCountry places a rejected or blocked row in a country: its number's
// if the number can be read, else the user's usage location.
func (f *facts) issueCountry(is numsync.Issue) string {
	// A number of the inventory, as most are written, needs no parsing:
	// the inventory's key is what ParseNumber would make of it.
	if inv := f.x.Number(is.Number); inv != nil && inv.Country != "" {
		return inv.Country
	}
	if n, err := numsync.ParseNumber(is.Number, ""); err == nil {
		if c := f.numberCountry(n); c != "" {
			return c
		}
	}
	if u := f.x.User(numsync.UPNKey(is.UPN)); u != nil {
		return u.UsageLocation
	}
	return ""
}

// unlanded counts the applied operations not landed in Teams by state.
func (f *facts) unlanded() map[numsync.PushState]int {
	n := map[numsync.PushState]int{}
	for i := range f.in.Unfinished {
		n[f.in.Unfinished[i].Outcome.State]++
	}
	return n
}

// applied reports whether the run changed the store.
func (f *facts) applied() bool {
	return f.in.Err == nil && f.in.Run != nil && f.in.Run.Status == numsync.RunApplied
}

// numberTally counts inventory numbers per country, type and state.
type numberTally struct {
	Country string
	Type    numsync.NumberType
	Count   map[numsync.NumberState]int
}

// tallyNumbers counts the inventory by country, type and state as the store
// holds it after this run: the plan's operations are taken into account
// only when the run applied them. A number held outside the directory is
// assigned. Direct Routing numbers that an apply adds
// to the inventory are not in the tenant snapshot and are not counted.
func (f *facts) tallyNumbers() []numberTally {
	isHeld := f.x.Taken
	if f.applied() {
		// Only an applied plan changes who holds what; the copy of the
		// holders is made for that case alone.
		held := make(map[string]bool, len(f.tenant.Assignments))
		for _, a := range f.tenant.Assignments {
			held[a.Number.String()] = true
		}
		for _, op := range f.plan.Ops {
			if op.Before != nil {
				delete(held, op.Before.Number.String())
			}
		}
		for _, op := range f.plan.Ops {
			if op.After != nil {
				held[op.After.Number.String()] = true
			}
		}
		isHeld = func(n string) bool { return held[n] }
	}
	type key struct {
		country string
		typ     numsync.NumberType
	}
	idx := map[key]*numberTally{}
	for i := range f.tenant.Numbers {
		n := &f.tenant.Numbers[i]
		k := key{n.Country, n.Type}
		t, ok := idx[k]
		if !ok {
			t = &numberTally{Country: n.Country, Type: n.Type, Count: map[numsync.NumberState]int{}}
			idx[k] = t
		}
		switch {
		case isHeld(n.Number.String()) || !n.Outside.IsZero():
			t.Count[numsync.StateAssigned]++
		case n.InQuarantine(f.in.Now, f.in.QuarantineDays):
			t.Count[numsync.StateQuarantined]++
		default:
			t.Count[numsync.StateFree]++
		}
	}
	out := make([]numberTally, 0, len(idx))
	for _, t := range idx {
		out = append(out, *t)
	}
	slices.SortFunc(out, func(a, b numberTally) int {
		return cmp.Or(cmp.Compare(a.Country, b.Country), cmp.Compare(a.Type, b.Type))
	})
	return out
}

// reasonCount is how often one reason code occurs.
type reasonCount struct {
	Code  numsync.Reason
	Count int
}

// countReasons counts issues by code, in the fixed order of
// [numsync.Reasons] (codes unknown to this build last, by name).
func countReasons(issues []numsync.Issue) []reasonCount {
	n := map[numsync.Reason]int{}
	for _, is := range issues {
		n[is.Code]++
	}
	var out []reasonCount
	for _, r := range numsync.Reasons {
		if n[r] > 0 {
			out = append(out, reasonCount{r, n[r]})
			delete(n, r)
		}
	}
	rest := make([]numsync.Reason, 0, len(n))
	for r := range n {
		rest = append(rest, r)
	}
	slices.Sort(rest)
	for _, r := range rest {
		out = append(out, reasonCount{r, n[r]})
	}
	return out
}

// statusText is how the run ended, in words for people.
func (f *facts) statusText() string {
	switch {
	case f.in.Err != nil:
		return string(numsync.RunFailed)
	case f.in.Run != nil:
		return string(f.in.Run.Status)
	}
	return string(numsync.RunDryRun)
}

// succeeded reports whether the run ended as intended: a plan was made (and
// applied, if this was an apply) or there was nothing to do.
func (f *facts) succeeded() bool {
	switch numsync.RunStatus(f.statusText()) {
	case numsync.RunApplied, numsync.RunNothingToDo, numsync.RunDryRun, numsync.RunRolledBack:
		return true
	}
	return false
}

// duration is how long the run took, never negative.
func (f *facts) duration() time.Duration {
	d := f.in.Finished.Sub(f.in.Started)
	if d < 0 || f.in.Started.IsZero() || f.in.Finished.IsZero() {
		return 0
	}
	return d
}

// adWaiting lists the blocked rows waiting for msRTCSIP-Line to be cleared,
// in plan order.
func (f *facts) adWaiting() []numsync.Issue {
	var out []numsync.Issue
	for _, is := range f.plan.Blocked {
		if is.Code == numsync.OnPremLineSet {
			out = append(out, is)
		}
	}
	return out
}

// adUser is one user whose msRTCSIP-Line must be cleared.
type adUser struct {
	UPN     string
	DN      string
	Line    string
	Numbers []string // the numbers waiting, in plan order
}

// adUsers groups the waiting rows by user, in the order users first appear.
func (f *facts) adUsers() []adUser {
	var out []adUser
	idx := map[string]int{}
	for _, is := range f.adWaiting() {
		k := numsync.UPNKey(is.UPN)
		i, ok := idx[k]
		if !ok {
			u := adUser{UPN: is.UPN}
			if known := f.x.User(k); known != nil {
				u.UPN, u.DN, u.Line = known.UPN, known.DN, known.OnPremLine
			}
			i = len(out)
			idx[k] = i
			out = append(out, u)
		}
		if is.Number != "" && !slices.Contains(out[i].Numbers, is.Number) {
			out[i].Numbers = append(out[i].Numbers, is.Number)
		}
	}
	return out
}
