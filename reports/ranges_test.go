package reports

import (
	"slices"
	"strings"
	"testing"

	"github.com/numsync/numsync"
)

// TestRangesCountBlockedNumbers: a free number that a held-back operation
// waits for is counted as blocked, not free, and can make the range low.
func TestRangesCountBlockedNumbers(t *testing.T) {
	in := sampleInputs()["dryrun"]
	in.Plan = samplePlan()
	in.Plan.Blocked = append(in.Plan.Blocked, numsync.Issue{Code: numsync.OnPremLineSet, UPN: "bob@contoso.com", Number: "+14255550102", File: "sheets/us.csv", Line: 9})
	f := newFacts(in)
	u := f.ranges[0]
	if u.Name != "Seattle" || u.Blocked != 1 || u.Free != 0 || !u.IsLow() {
		t.Fatalf("Seattle %+v, want 1 blocked, 0 free, low", u)
	}
	var b strings.Builder
	WriteRangeTable(&b, f.ranges)
	row := strings.Fields(strings.Split(b.String(), "\n")[1])
	want := strings.Fields("Seattle Seattle CallingPlan US 9 5 2 0 1 1 1 3 1 1.0 0.0 LOW (limit 2)")
	if !slices.Equal(row, want) {
		t.Errorf("Seattle's row %q, want %q; table:\n%s", row, want, b.String())
	}
}
