package reports

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/base64"
	"fmt"
	"html/template"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/numsync/numsync"
)

var (
	//go:embed report.html.tmpl
	reportTemplate string
	//go:embed report.js
	reportJS string
	//go:embed report.css
	reportCSS string

	reportTmpl = template.Must(template.New("report").Parse(reportTemplate))
)

// reportCSP allows the page nothing from outside and no script but its own,
// pinned by hash: even a value that escaped escaping could not run.
var reportCSP = func() string {
	sum := sha256.Sum256([]byte(reportJS))
	return "default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src 'sha256-" +
		base64.StdEncoding.EncodeToString(sum[:]) + "'"
}()

// maxHTMLRows bounds each table of the page, which is meant to be mailed
// and opened in a browser; the CSV files always list everything.
const maxHTMLRows = 5000

// htmlTable is one sortable, filterable table of the page.
type htmlTable struct {
	ID, Title, File string
	// Class is added to the table's class ("issues" gives the message and
	// hint columns room to stay readable).
	Class   string
	Columns []string
	// Filters are drop-down filters on columns, with the values the
	// column holds.
	Filters   []htmlFilter
	Rows      []htmlRow
	Total     int
	Truncated bool
	// AtLeast says Total is a lower bound: the table stopped counting.
	AtLeast bool
}

// htmlRow is one row of a table; Class marks it for the eye ("remove").
type htmlRow struct {
	Class string
	Cells []string
}

// htmlFilter is a drop-down that shows only the rows whose cell in Column
// is the chosen value.
type htmlFilter struct {
	Label  string
	Column int
	Values []string
}

func newHTMLTable(id, title, file string, columns []string, total int) htmlTable {
	return htmlTable{ID: id, Title: title, File: file, Columns: columns, Total: total, Truncated: total > maxHTMLRows}
}

// add appends a row, its hidden characters shown rather than obeyed: a
// right-to-left override in a UPN would make the page show another domain.
func (t *htmlTable) add(class string, row []string) {
	if len(t.Rows) < maxHTMLRows {
		for i := range row {
			row[i] = numsync.ShowHidden(row[i])
		}
		t.Rows = append(t.Rows, htmlRow{Class: class, Cells: row})
	}
}

// filterOn adds a drop-down filter on the named column, offering the
// values the listed rows hold there, sorted.
func (t *htmlTable) filterOn(column, label string) {
	col := slices.Index(t.Columns, column)
	if col < 0 {
		return
	}
	seen := map[string]bool{}
	var values []string
	for _, r := range t.Rows {
		if v := r.Cells[col]; v != "" && !seen[v] {
			seen[v] = true
			values = append(values, v)
		}
	}
	slices.Sort(values)
	if len(values) > 0 {
		t.Filters = append(t.Filters, htmlFilter{Label: label, Column: col, Values: values})
	}
}

// issuesTable lists rejected, blocked or warned rows, filterable by reason
// and by the country of their number.
func (f *facts) issuesTable(id, title, file string, issues []numsync.Issue) htmlTable {
	t := newHTMLTable(id, title, file, []string{"file", "line", "identity", "number", "country", "code", "message", "hint"}, len(issues))
	t.Class = "issues"
	for _, is := range issues[:min(len(issues), maxHTMLRows)] {
		line := ""
		if is.Line > 0 {
			line = strconv.Itoa(is.Line)
		}
		t.add("", []string{is.File, line, is.UPN, is.Number, f.issueCountry(is), string(is.Code), is.Message, is.Hint})
	}
	t.filterOn("code", "reason")
	t.filterOn("country", "country")
	return t
}

// chart is the inline SVG bar chart of numbers per country and type.
type chart struct {
	Width, Height int
	Legend        []legendItem
	Bars          []bar
}

type legendItem struct {
	X, TextX     int
	Color, Label string
}

type bar struct {
	Y        int
	Label    string
	Segments []segment
	TotalX   int
	Text     string
}

type segment struct {
	X, W         int
	Color, Title string
}

var stateColors = map[numsync.NumberState]string{
	numsync.StateAssigned:    "#0969da",
	numsync.StateFree:        "#2da44e",
	numsync.StateQuarantined: "#bf8700",
}

const (
	chartLabelWidth = 190
	chartBarWidth   = 520
	chartRowHeight  = 24
	chartTop        = 28
)

func (f *facts) chart() chart {
	tallies := f.tallyNumbers()
	c := chart{Width: chartLabelWidth + chartBarWidth + 260, Height: chartTop + chartRowHeight*len(tallies)}
	x := 0
	for _, st := range numsync.AllNumberStates {
		c.Legend = append(c.Legend, legendItem{X: x, TextX: x + 16, Color: stateColors[st], Label: string(st)})
		x += 110
	}
	most := 1
	for _, t := range tallies {
		most = max(most, t.Count[numsync.StateAssigned]+t.Count[numsync.StateFree]+t.Count[numsync.StateQuarantined])
	}
	for i, t := range tallies {
		b := bar{Y: chartTop + i*chartRowHeight, Label: t.Country + " " + string(t.Type)}
		x, total := chartLabelWidth, 0
		for _, st := range numsync.AllNumberStates {
			n := t.Count[st]
			total += n
			if n == 0 {
				continue
			}
			w := max(1, n*chartBarWidth/most)
			b.Segments = append(b.Segments, segment{X: x, W: w, Color: stateColors[st], Title: fmt.Sprintf("%s %s: %d %s", t.Country, t.Type, n, st)})
			x += w
		}
		b.TotalX = x + 6
		b.Text = fmt.Sprintf("%d assigned, %d free, %d quarantined", t.Count[numsync.StateAssigned], t.Count[numsync.StateFree], t.Count[numsync.StateQuarantined])
		if t.Count[numsync.StateQuarantined] == 0 {
			b.Text = fmt.Sprintf("%d assigned, %d free", t.Count[numsync.StateAssigned], t.Count[numsync.StateFree])
		}
		c.Bars = append(c.Bars, b)
	}
	c.Width = max(c.Width, x+260)
	return c
}

// htmlPage is what the template renders. Every field is plain data:
// html/template escapes it for the context it lands in.
type htmlPage struct {
	Kind, RunID, Status string
	Succeeded           bool
	Error, Message      string
	Started, Duration   string
	Mode                numsync.Mode
	Revision            string
	Digest              string
	Counts              numsync.Counts
	Next                []string
	Chart               chart
	Ranges              htmlTable
	Capacity            htmlTable
	CapacityChart       chart
	Ops                 htmlTable
	Rejects             htmlTable
	Blocked             htmlTable
	Warnings            htmlTable
	Imported            htmlTable
	Reconcile           htmlTable
	ADCleanup           htmlTable
	Unlanded            htmlTable
	Observed            htmlTable
	// PlanDigest and ApplyCommand say which plan this is and how to
	// apply exactly it; empty when the caller did not say.
	PlanDigest, ApplyCommand string
	CSP                      string
	Style                    template.CSS
	Script                   template.JS
}

func (f *facts) html(w *bufio.Writer) {
	p := htmlPage{
		Kind:         "plan",
		RunID:        f.in.RunID,
		Status:       f.statusText(),
		Succeeded:    f.succeeded(),
		Started:      formatTime(f.in.Started),
		Duration:     f.duration().Round(time.Millisecond).String(),
		Mode:         f.plan.Mode,
		Revision:     strconv.FormatInt(f.plan.Revision, 10),
		Digest:       f.plan.InputsDigest,
		ApplyCommand: numsync.OneLine(f.in.ApplyCommand),
		Counts:       f.counts(),
		Next:         f.nextSteps(),
		Chart:        f.chart(),
		CSP:          reportCSP,
		Style:        template.CSS(reportCSS),
		Script:       template.JS(reportJS),
	}
	if p.Mode == "" {
		p.Mode = numsync.Merge
	}
	if f.in.Plan == nil {
		p.Revision = "unknown (no plan was made)"
	}
	if f.in.Run != nil {
		p.Kind = "run"
		p.Message = numsync.OneLine(f.in.Run.Message)
		if f.applied() {
			p.Revision += " → " + strconv.FormatInt(f.in.Run.Revision, 10)
		}
	}
	if f.in.Err != nil {
		p.Error = numsync.OneLine(f.in.Err.Error())
	}
	if f.in.Plan != nil {
		p.PlanDigest = f.in.PlanDigest
	}
	p.Ops = f.opsTable()
	p.Rejects = f.issuesTable("rejects", "Rejected rows", RejectsFile, f.plan.Rejects)
	p.Blocked = f.issuesTable("blocked", "Blocked", BlockedFile, f.plan.Blocked)
	p.Warnings = f.issuesTable("warnings", "Warnings", "", f.plan.Warnings)
	p.Imported = newHTMLTable("imported", "Input problems (exports and directory)", "",
		[]string{"source", "line", "identity", "attribute", "value", "code", "message", "hint"}, len(f.in.Imported))
	p.Imported.Class = "issues"
	for _, is := range f.in.Imported[:min(len(f.in.Imported), maxHTMLRows)] {
		line := ""
		if is.Line > 0 {
			line = strconv.Itoa(is.Line)
		}
		p.Imported.add("", []string{is.File, line, is.UPN, is.Column, is.Number, string(is.Code), is.Message, is.Hint})
	}
	p.Reconcile = f.reconcileTable()
	p.ADCleanup = f.adCleanupTable()
	p.Ranges = f.rangesTable()
	p.Capacity = f.capacityTable()
	p.CapacityChart = f.capacityChart()
	p.Unlanded = newHTMLTable("teams", "Not landed in Teams yet", TeamsApplyFile,
		[]string{"run", "step", "action", "identity", "category", "before", "after", "state", "attempts", "error"}, len(f.in.Unfinished))
	for _, u := range f.in.Unfinished[:min(len(f.in.Unfinished), maxHTMLRows)] {
		o := u.Outcome
		p.Unlanded.add("", []string{o.RunID, strconv.Itoa(o.Step), u.Op.Action.Symbol() + " " + string(u.Op.Action), f.identityLabel(u.Op.UPN),
			string(u.Op.Category.OrPrimary()), holdingNumber(u.Op.Before), holdingNumber(u.Op.After), string(o.State), strconv.Itoa(o.Attempts), numsync.OneLine(o.Error)})
	}

	diffs := f.tenant.DiffObserved(f.in.Observed)
	p.Observed = newHTMLTable("observed", "Teams differs from the store", ReconciliationFile,
		[]string{"number", "store", "Teams", "activation", "read"}, len(diffs))
	name := f.tenant.HolderNames()
	for _, d := range diffs[:min(len(diffs), maxHTMLRows)] {
		store := d.DesiredUPN
		if store == "" {
			store = "(free)"
		}
		o := d.Observed
		p.Observed.add("", []string{o.Number, store, name(o.HolderID), o.ActivationState, o.At.UTC().Format(time.RFC3339)})
	}

	// The page goes through memory (its tables are bounded) so that a
	// failure leaves a page saying so rather than half a page.
	var buf bytes.Buffer
	if err := reportTmpl.Execute(&buf, p); err != nil {
		// The template and its data are fixed by this package: a failure is
		// a bug, shown in place of the page rather than hidden.
		w.WriteString("<!DOCTYPE html><title>numsync report</title><p>report.html could not be rendered: " +
			template.HTMLEscapeString(err.Error()) + "</p>")
		return
	}
	buf.WriteTo(w)
}

// opsTable lists the operations: before → after for each field an
// operation changes, the identity's display name beside its UPN, the two
// steps of one change named as such, removals marked.
func (f *facts) opsTable() htmlTable {
	t := newHTMLTable("ops", "Operations", PlanCSVFile,
		[]string{"#", "action", "identity", "category", "number", "type", "emergency location", "country", "notify", "source"}, len(f.plan.Ops))
	// Only the rows the table shows are made.
	for i, op := range f.plan.Ops[:min(len(f.plan.Ops), maxHTMLRows)] {
		var before, after numsync.Holding
		if op.Before != nil {
			before = *op.Before
		}
		if op.After != nil {
			after = *op.After
		}
		field := func(b, a string) string {
			switch {
			case op.Before == nil:
				return a
			case op.After == nil:
				return b
			case a == b:
				return a
			}
			return orNone(b) + " → " + orNone(a)
		}
		notify := ""
		if op.Notify {
			notify = "yes"
		}
		action := op.Action.Symbol() + " " + string(op.Action)
		if op.Pair != 0 {
			action += fmt.Sprintf(" (with #%d: one change)", op.Pair)
		}
		if op.Leaver {
			action += " (leaver)"
		}
		if op.BlockDays > 0 {
			action += fmt.Sprintf(", blocked %d days", op.BlockDays)
		}
		if op.Unblock {
			action += ", unblocked first"
		}
		if op.Tag != "" {
			action += ", tag " + op.Tag
		}
		class := "op-" + string(op.Action)
		if op.Pair != 0 {
			class += " paired"
		}
		t.add(class, []string{strconv.Itoa(i + 1), action, f.identityLabel(op.UPN), string(op.Category.OrPrimary()),
			field(before.Number.String(), after.Number.String()),
			field(before.Type.Label(), after.Type.Label()),
			field(f.locationLabel(before.Location), f.locationLabel(after.Location)),
			f.numberCountry(opNumber(op)), notify, sourceText(op.Source)})
	}
	t.filterOn("action", "action")
	t.filterOn("country", "country")
	return t
}

// identityLabel is a UPN with the display name the directory gives it,
// so that a reviewer recognises the person: "alice@contoso.com (Alice Wood)".
func (f *facts) identityLabel(upn string) string {
	if u := f.x.User(numsync.UPNKey(upn)); u != nil {
		if d := strings.TrimSpace(u.DisplayName); d != "" && !strings.EqualFold(d, upn) {
			return upn + " (" + numsync.OneLine(d) + ")"
		}
	}
	return upn
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

// reconcileTable lists the rows of reconciliation.csv a reviewer must look
// at (drift, rejected, blocked, quarantined), not the numbers and
// identities that are as they should be. It stops at the first row the
// table has no room for: a large plan's rows are mostly drift, and
// counting them all would walk the whole tenant a second time beside
// reconciliation.csv, which lists them all.
func (f *facts) reconcileTable() htmlTable {
	t := newHTMLTable("reconcile", "Reconciliation: what needs a look", ReconciliationFile,
		[]string{"record", "number or identity", "category", "type", "country", "wanted", "store", "status", "reason", "source"}, 0)
	for r := range f.reconcile() {
		if r.status == StatusOK || r.status == StatusFree {
			continue
		}
		if len(t.Rows) == maxHTMLRows {
			t.Truncated, t.AtLeast = true, true
			break
		}
		t.Total++
		t.add("status-"+r.status, []string{r.record, r.key, r.category, r.typ, r.country, r.wanted, r.store, r.status, r.reason, r.source})
	}
	t.filterOn("status", "status")
	t.filterOn("country", "country")
	return t
}

// adCleanupTable lists the users whose msRTCSIP-Line must be cleared, as
// ad-cleanup.csv does.
func (f *facts) adCleanupTable() htmlTable {
	users := f.adUsers()
	t := newHTMLTable("adcleanup", "AD clean-up: msRTCSIP-Line to clear", ADCleanupCSVFile,
		[]string{"distinguished name", "identity", "msRTCSIP-Line (as AD holds it)", "waiting numbers"}, len(users))
	for _, u := range users[:min(len(users), maxHTMLRows)] {
		t.add("", []string{u.DN, f.identityLabel(u.UPN), u.Line, strings.Join(u.Numbers, " ")})
	}
	return t
}
