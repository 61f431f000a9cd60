package reports

import (
	"bufio"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/numsync/numsync"
)

// runStatuses are the values of numsync_run_status's status label; all are
// written (0 or 1), so no series disappears when the status changes.
var runStatuses = []numsync.RunStatus{
	numsync.RunApplied, numsync.RunNothingToDo, numsync.RunDryRun, numsync.RunHeldBack,
	numsync.RunStale, numsync.RunNotAuthorized, numsync.RunFailed, numsync.RunRolledBack,
	numsync.RunDirectoryError,
}

// promLabel escapes a label value as the Prometheus text format requires:
// backslash, double quote and line feed are backslash-escaped.
func promLabel(s string) string {
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(strings.ToValidUTF8(s, "\uFFFD"))
}

func promFloat(v float64) string {
	if math.IsInf(v, 0) || math.IsNaN(v) {
		return "NaN"
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

// promWriter writes metric families with their HELP and TYPE lines.
type promWriter struct{ b *bufio.Writer }

func (w *promWriter) family(name, help string) {
	fmt.Fprintf(w.b, "# HELP %s %s\n# TYPE %s gauge\n", name, help, name)
}

// sample writes one sample; labels are name, value pairs.
func (w *promWriter) sample(name string, v float64, labels ...string) {
	w.b.WriteString(name)
	if len(labels) > 0 {
		w.b.WriteByte('{')
		for i := 0; i+1 < len(labels); i += 2 {
			if i > 0 {
				w.b.WriteByte(',')
			}
			fmt.Fprintf(w.b, `%s="%s"`, labels[i], promLabel(labels[i+1]))
		}
		w.b.WriteByte('}')
	}
	w.b.WriteString(" " + promFloat(v) + "\n")
}

func boolFloat(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// metrics renders metrics.prom in the Prometheus text exposition format
// (version 0.0.4). All figures are gauges describing the last run; no
// sample carries a timestamp, as node_exporter's textfile collector wants.
func (f *facts) metrics(out *bufio.Writer) {
	w := promWriter{b: out}
	c := f.counts()
	end := f.in.Finished
	if end.IsZero() {
		end = f.in.Now
	}

	w.family("numsync_run_timestamp_seconds", "When the last numsync run finished, in seconds since the Unix epoch.")
	w.sample("numsync_run_timestamp_seconds", float64(end.UnixMilli())/1000)
	w.family("numsync_run_duration_seconds", "How long the last numsync run took.")
	w.sample("numsync_run_duration_seconds", f.duration().Seconds())
	w.family("numsync_run_success", "1 if the last numsync run ended as intended (planned, applied or nothing to do), else 0.")
	w.sample("numsync_run_success", boolFloat(f.succeeded()))
	w.family("numsync_run_status", "1 for the status the last numsync run ended with, 0 for the others.")
	status := numsync.RunStatus(f.statusText())
	known := false
	for _, s := range runStatuses {
		known = known || s == status
		w.sample("numsync_run_status", boolFloat(s == status), "status", string(s))
	}
	if !known {
		w.sample("numsync_run_status", 1, "status", string(status))
	}
	if f.in.Plan != nil {
		w.family("numsync_store_revision", "The store revision after the last numsync run.")
		rev := f.plan.Revision
		if f.applied() {
			rev = f.in.Run.Revision
		}
		w.sample("numsync_store_revision", float64(rev))
	}

	w.family("numsync_operations", "Operations of the last plan, by action (unchanged: identities already as wanted).")
	w.sample("numsync_operations", float64(c.Assign), "action", string(numsync.Assign))
	w.sample("numsync_operations", float64(c.Change), "action", string(numsync.Change))
	w.sample("numsync_operations", float64(c.Remove), "action", string(numsync.Remove))
	w.sample("numsync_operations", float64(c.Unchanged), "action", "unchanged")

	for _, fam := range []struct {
		name, help string
		issues     []numsync.Issue
	}{
		{"numsync_rejects", "Sheet rows the last plan rejected, by reason code.", f.plan.Rejects},
		{"numsync_blocked", "Operations the last plan holds back, by reason code.", f.plan.Blocked},
		{"numsync_warnings", "Warnings of the last plan, by reason code.", f.plan.Warnings},
	} {
		w.family(fam.name, fam.help)
		n := map[numsync.Reason]int{}
		for _, rc := range countReasons(fam.issues) {
			n[rc.Code] = rc.Count
		}
		for _, r := range numsync.Reasons {
			w.sample(fam.name, float64(n[r]), "code", string(r))
			delete(n, r)
		}
		for _, rc := range countReasons(fam.issues) {
			if _, unknown := n[rc.Code]; unknown {
				w.sample(fam.name, float64(rc.Count), "code", string(rc.Code))
			}
		}
	}

	w.family("numsync_rows_read", "Sheet rows read by the last run.")
	w.sample("numsync_rows_read", float64(c.RowsRead))
	w.family("numsync_sheets_read", "Sheets read by the last run.")
	w.sample("numsync_sheets_read", float64(c.Sheets))

	w.family("numsync_teams_unlanded_operations", "Applied operations not landed in Teams yet, by push state; 0 for all when Teams has everything.")
	unlanded := f.unlanded()
	for _, st := range []numsync.PushState{numsync.PushPending, numsync.PushSubmitted, numsync.PushFailed} {
		w.sample("numsync_teams_unlanded_operations", float64(unlanded[st]), "state", string(st))
	}

	w.family("numsync_teams_observed_numbers", "Numbers as Teams showed them when last read, by whether they are as runs applied them (as_applied) or not (differ); 0 for both when Teams is not read.")
	differ := 0
	if len(f.in.Observed) > 0 {
		differ = len(f.tenant.DiffObserved(f.in.Observed))
	}
	w.sample("numsync_teams_observed_numbers", float64(len(f.in.Observed)-differ), "state", "as_applied")
	w.sample("numsync_teams_observed_numbers", float64(differ), "state", "differ")

	w.family("numsync_numbers", "Inventory numbers by country, number type and state (assigned, free, quarantined) after the last run.")
	for _, t := range f.tallyNumbers() {
		for _, st := range numsync.AllNumberStates {
			w.sample("numsync_numbers", float64(t.Count[st]), "country", t.Country, "type", string(t.Type), "state", string(st))
		}
	}
	f.rangeMetrics(w)
	f.capacityMetrics(w)
}
