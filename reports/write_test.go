package reports

import (
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
		info, err := e.Info()
		if err != nil {
			t.Fatal(err)
		}
		if info.Mode().Perm() != 0o644 {
			t.Errorf("%s has mode %v, want 0644 so that other people and node_exporter can read it", e.Name(), info.Mode().Perm())
		}
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
			in.Run.Status = numsync.RunNothingToDo
		}, []string{"- Nothing to do."}},
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
	}
	for key, want := range map[string]string{
		"number +14255550101 Primary":          "drift assign", // alice's old number, taken by o’connor
		"number +14255550102 Primary":          "rejected COUNTRY_MISMATCH",
		"number +14255550103 Primary":          "drift change",
		"number +14255550105 ":                 "quarantined until 2024-05-06T02:01:23Z",
		"number +14255550106 ":                 "free ",
		"number +442071838750 Primary":         "blocked ONPREM_LINE_SET",
		"number +442071838751 Private":         "drift change", // moved between categories: one change in two steps
		"identity anna@contoso.com Primary":    "rejected COUNTRY_MISMATCH",
		"identity anna@contoso.com Private":    "ok ",
		"identity aa-main@contoso.com Private": "drift change",
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
