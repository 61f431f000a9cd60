package reports

import (
	"fmt"
	"html"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/numsync/numsync"
)

func TestWriteReplacesFilesAtomically(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "reports", "run-1")
	in := sampleInputs()["applied"]
	// A reader may hold the old file open; after Write the name refers to
	// a new, complete file.
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, SummaryFile), []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	old, err := os.Open(filepath.Join(dir, SummaryFile))
	if err != nil {
		t.Fatal(err)
	}
	defer old.Close()

	if err := Write(dir, in); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if len(names) != len(Files) {
		t.Errorf("directory holds %q, want exactly %q (no temporary files)", names, Files)
	}
	buf := make([]byte, 3)
	if n, _ := old.Read(buf); string(buf[:n]) != "old" {
		t.Errorf("the file a reader had open changed under it: %q", buf[:n])
	}
	got, err := os.ReadFile(filepath.Join(dir, SummaryFile))
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != Summary(in) {
		t.Errorf("summary.txt differs from Summary():\n%s", got)
	}
}

func TestWriteFailsWhenDirectoryCannotBeMade(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := Write(filepath.Join(file, "run"), sampleInputs()["applied"]); err == nil {
		t.Error("Write into a path below a file succeeded")
	}
}

// TestFailedRunStillWritesEverything: a run that failed before it had a
// plan writes every file, and the summary and page say it failed and why,
// with the error reduced to printable text.
func TestFailedRunStillWritesEverything(t *testing.T) {
	dir := t.TempDir()
	in := sampleInputs()["failed"]
	if err := Write(dir, in); err != nil {
		t.Fatal(err)
	}
	for _, name := range Files {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Error(err)
		}
	}
	sum := Summary(in)
	if !strings.Contains(sum, "FAILED") || !strings.Contains(sum, `bare " in non-quoted field`) {
		t.Errorf("summary does not say the run failed and why:\n%s", sum)
	}
	if strings.ContainsRune(sum, '\x1b') {
		t.Error("summary passes a terminal escape sequence through")
	}
	page, _ := os.ReadFile(filepath.Join(dir, HTMLFile))
	if !strings.Contains(string(page), `class="status failed"`) || !strings.Contains(string(page), "The run failed: read sheets/us.csv") {
		t.Error("report.html does not say the run failed")
	}
}

func TestSummaryNextSteps(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(*Input)
		want   []string
	}{
		{"DryRunWithOps", func(in *Input) { in.Run = nil }, []string{
			"3 rows were rejected", "4 users wait for msRTCSIP-Line to be cleared in Active Directory: see ad-cleanup.csv",
			"`numsync apply plan.json`"}},
		{"HeldBack", func(in *Input) { in.Run.Status = numsync.RunHeldBack }, []string{"Nothing was applied: the plan takes away 0 numbers that no one else gets, more than max_removes allows"}},
		{"Stale", func(in *Input) { in.Run.Status = numsync.RunStale }, []string{"Make a new plan"}},
		{"NothingToDo", func(in *Input) {
			in.Plan = &numsync.Plan{}
			in.Imported = nil
			in.Run.Status = numsync.RunNothingToDo
			in.Unfinished = nil
			in.Ranges = nil
		}, []string{"- Nothing to do."}},
		{"LowRange", func(in *Input) {
			in.Plan = &numsync.Plan{}
			in.Run.Status = numsync.RunNothingToDo
			in.Unfinished = nil
		}, []string{"- Number ranges low on free numbers: Seattle (1 free, limit 2)."}},
		{"NothingNewButTeamsBehind", func(in *Input) {
			in.Plan = &numsync.Plan{}
			in.Run.Status = numsync.RunNothingToDo
			in.Unfinished = in.Unfinished[:1]
		}, []string{"not landed in Teams yet: 1 applied operations (1 failed, 0 pending, 0 submitted)",
			"- 1 applied operation has not landed in Teams yet (see the last table of report.html): run teams-apply.ps1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := sampleInputs()["applied"]
			tc.change(&in)
			sum := Summary(in)
			for _, w := range tc.want {
				if !strings.Contains(sum, w) {
					t.Errorf("summary lacks %q:\n%s", w, sum)
				}
			}
		})
	}
}

func TestReconciliationStatuses(t *testing.T) {
	var rows []reconcileRow
	for r := range newFacts(sampleInputs()["applied"]).reconcile() {
		rows = append(rows, *r)
	}
	got := map[string]string{}
	for _, r := range rows {
		got[r.record+" "+r.key+" "+r.category] = r.status + " " + r.reason
		if r.teams != "" {
			got["teams "+r.record+" "+r.key] = r.teams + ": " + r.teamsError
		}
	}
	for key, want := range map[string]string{
		// What Teams has not got yet: this run's operations, and the
		// earlier run's assign that Teams refused.
		"teams number +14255550101":            "pending: ",
		"teams number +14255550102":            "",
		"teams identity alice@contoso.com":     "pending: ",
		"teams number +442071838751":           "failed: The number +442071838751 =cmd|' /C calc'!A0 is not assignable",
		"teams identity aa-main@contoso.com":   "failed: The number +442071838751 =cmd|' /C calc'!A0 is not assignable",
		"number +14255550101 Primary":          "drift assign", // alice's old number, taken by o’connor
		"number +14255550102 Primary":          "rejected COUNTRY_MISMATCH",
		"number +14255550103 Primary":          "drift change",
		"number +14255550105 ":                 "quarantined until 2024-05-06T02:01:23Z",
		"number +14255550106 ":                 "free ",
		"number +442071838750 Primary":         "blocked ONPREM_LINE_SET",
		"number +442071838751 Primary":         "ok ",
		"number +33140000003 Private":          "drift change", // moved between categories: one change in two steps
		"identity anna@contoso.com Primary":    "rejected COUNTRY_MISMATCH",
		"identity anna@contoso.com Private":    "ok ",
		"identity aa-main@contoso.com Primary": "ok ",
		"identity remy@contoso.com Private":    "drift change",
		"identity alice@contoso.com Primary":   "drift change",
		"identity emma@contoso.com Primary":    "blocked ONPREM_LINE_SET",
		"identity " + hostileFormula + " ":     "rejected UNKNOWN_USER",
		"identity " + hostilePS + " Private":   "drift assign",
		"identity " + hostilePS + " Primary":   "blocked ONPREM_LINE_SET",
	} {
		if got[key] != want {
			t.Errorf("%s: %q, want %q", key, got[key], want)
		}
	}
	// Every inventory number and every identity the sheets name has a row.
	in := sampleInputs()["applied"]
	numbers := 0
	for _, r := range rows {
		if r.record == "number" {
			numbers++
		}
	}
	if numbers != len(in.Tenant.Numbers) {
		t.Errorf("%d number rows, want %d", numbers, len(in.Tenant.Numbers))
	}
}

// A bidirectional override or invisible character in a value is shown as
// ⟨U+202E⟩ in report.html, the summary and the scripts' comments, never
// obeyed; a NUL never reaches any file raw.
func TestHiddenCharactersAreShownNotObeyed(t *testing.T) {
	const rtl = "rtl\u202Emoc.evil@contoso.com"
	in := sampleInputs()["applied"]
	in.Plan.Ops[3].UPN = rtl // o’connor's assign: in every listing of operations
	in.Tenant.Locations[0].Description = "Seattle\u202E QH"
	in.Plan.Rejects[0].UPN = "nul\x00@contoso.com"
	in.Run.Message = "imported by " + rtl
	dir := t.TempDir()
	if err := Write(dir, in); err != nil {
		t.Fatal(err)
	}
	read := func(name string) string {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	for _, name := range Files {
		if strings.Contains(read(name), "\x00") {
			t.Errorf("%s holds a raw NUL", name)
		}
	}
	if !strings.Contains(read(RejectsFile), "nul⟨U+0000⟩@contoso.com") {
		t.Errorf("%s does not show the NUL", RejectsFile)
	}
	page := html.UnescapeString(read(HTMLFile))
	for _, want := range []string{"rtl⟨U+202E⟩moc.evil@contoso.com", "Seattle⟨U+202E⟩ QH"} {
		if !strings.Contains(page, want) {
			t.Errorf("report.html does not show %q", want)
		}
	}
	if strings.ContainsRune(page, '\u202E') {
		t.Error("report.html holds a raw U+202E")
	}
	if sum := read(SummaryFile); strings.ContainsRune(sum, '\u202E') || !strings.Contains(sum, "imported by rtl⟨U+202E⟩moc") {
		t.Errorf("summary.txt does not show the override escaped:\n%s", sum)
	}
	script := read(TeamsApplyFile)
	for _, line := range strings.Split(script, "\n") {
		if strings.HasPrefix(line, "#") && strings.ContainsRune(line, '\u202E') {
			t.Errorf("teams-apply.ps1 comment holds a raw U+202E: %q", line)
		}
	}
	// The step's identity is the real value; its description, which the
	// script logs and prints, shows the override.
	if !strings.Contains(script, "Identity = 'rtl\u202Emoc.evil@contoso.com'") ||
		!strings.Contains(script, "Text = 'assign rtl⟨U+202E⟩moc.evil@contoso.com: none -> +14255550101'") {
		t.Errorf("teams-apply.ps1 does not describe the step with the override shown:\n%s", script)
	}
}

// report.html's tables are bounded: the operations table says how many
// there are, and the reconciliation table stops at its limit and says
// there are more, pointing at reconciliation.csv.
func TestHTMLTablesAreBounded(t *testing.T) {
	page := html.UnescapeString(string(rendered(newFacts(bigInput(maxHTMLRows + 100)).html)))
	for _, want := range []string{
		fmt.Sprintf("Operations (%d)", maxHTMLRows+100),
		fmt.Sprintf("Only the first %d of %d are listed here; plan.csv has them all.", maxHTMLRows, maxHTMLRows+100),
		fmt.Sprintf("Reconciliation: what needs a look (more than %d)", maxHTMLRows),
		fmt.Sprintf("Only the first %d of more than %d are listed here; reconciliation.csv has them all.", maxHTMLRows, maxHTMLRows),
	} {
		if !strings.Contains(page, want) {
			t.Errorf("report.html lacks %q", want)
		}
	}
}
