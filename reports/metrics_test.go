package reports

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/numsync/numsync"
)

// Prometheus text format, strictly: HELP and TYPE lines, and samples of a
// metric name, optional labels with escaped values, and a float value.
var (
	promHelp   = regexp.MustCompile(`^# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) [^\n]+$`)
	promType   = regexp.MustCompile(`^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (gauge|counter|untyped)$`)
	promSample = regexp.MustCompile(`^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*",?)*\})? (-?[0-9]+(?:\.[0-9]+)?(?:e[+-]?[0-9]+)?|NaN|[+-]Inf)$`)
	promLabels = regexp.MustCompile(`([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"`)
)

// parseProm checks every line and returns the samples as
// `name{label="value",...}` → value text.
func parseProm(t *testing.T, text string) map[string]string {
	t.Helper()
	samples := map[string]string{}
	typed := map[string]bool{}
	helped := map[string]bool{}
	if !strings.HasSuffix(text, "\n") {
		t.Error("metrics do not end with a line feed")
	}
	for i, line := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
		switch {
		case promHelp.MatchString(line):
			helped[promHelp.FindStringSubmatch(line)[1]] = true
		case promType.MatchString(line):
			name := promType.FindStringSubmatch(line)[1]
			if typed[name] {
				t.Errorf("line %d: second TYPE for %s", i+1, name)
			}
			typed[name] = true
		case promSample.MatchString(line):
			m := promSample.FindStringSubmatch(line)
			if !typed[m[1]] || !helped[m[1]] {
				t.Errorf("line %d: sample of %s before its HELP and TYPE", i+1, m[1])
			}
			key := m[1] + m[2]
			if _, dup := samples[key]; dup {
				t.Errorf("line %d: duplicate series %s", i+1, key)
			}
			samples[key] = m[3]
		default:
			t.Errorf("line %d: not Prometheus text format: %q", i+1, line)
		}
	}
	return samples
}

func TestMetrics(t *testing.T) {
	in := sampleInputs()["applied"]
	// An unexpected code with characters that need escaping in a label.
	in.Plan.Rejects = append(in.Plan.Rejects, numsync.Issue{Code: numsync.Reason("ODD\"\\\nCODE")})
	path := filepath.Join(t.TempDir(), "numsync.prom")
	if err := WriteMetrics(path, in); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	got := parseProm(t, string(data))
	for series, want := range map[string]string{
		`numsync_run_timestamp_seconds`:                                                   "1714528883.25",
		`numsync_run_duration_seconds`:                                                    "83.25",
		`numsync_run_success`:                                                             "1",
		`numsync_run_status{status="applied"}`:                                            "1",
		`numsync_run_status{status="failed"}`:                                             "0",
		`numsync_store_revision`:                                                          "42",
		`numsync_operations{action="assign"}`:                                             "2",
		`numsync_operations{action="remove"}`:                                             "1",
		`numsync_rejects{code="UNKNOWN_USER"}`:                                            "1",
		`numsync_rejects{code="NUMBER_TAKEN"}`:                                            "0",
		`numsync_rejects{code="ODD\"\\\nCODE"}`:                                           "1",
		`numsync_blocked{code="ONPREM_LINE_SET"}`:                                         "4",
		`numsync_rows_read`:                                                               "13",
		`numsync_numbers{country="US",type="CallingPlan",state="quarantined"}`:            "1",
		`numsync_numbers{country="US",type="CallingPlan",state="free"}`:                   "2",
		`numsync_numbers{country="US",type="CallingPlan",state="assigned"}`:               "2",
		`numsync_numbers{country="FR",type="DirectRouting",state="assigned"}`:             "1",
		`numsync_numbers{country="GB",type="OperatorConnect",state="assigned"}`:           "1",
		`numsync_numbers{country="DE",type="CallingPlan",state="free"}`:                   "1",
		`numsync_numbers{country="US",type="OperatorConnect",state="quarantined"}`:        "0",
		`numsync_range_numbers{range="Seattle",site="Seattle",state="assigned"}`:          "2",
		`numsync_range_numbers{range="Seattle",site="Seattle",state="free"}`:              "1",
		`numsync_range_numbers{range="Seattle",site="Seattle",state="reserved"}`:          "1",
		`numsync_range_numbers{range="Seattle",site="Seattle",state="quarantined"}`:       "1",
		`numsync_range_missing{range="Seattle",site="Seattle"}`:                           "3",
		`numsync_range_low{range="Seattle",site="Seattle"}`:                               "1",
		`numsync_range_low{range="Paris <DDI>",site=""}`:                                  "0",
		`numsync_capacity_free{country="US",site="Seattle",type="CallingPlan"}`:           "1",
		`numsync_capacity_taken_per_week{country="US",site="Seattle",type="CallingPlan"}`: "2",
		`numsync_capacity_weeks_left{country="US",site="Seattle",type="CallingPlan"}`:     "0.5",
		`numsync_capacity_weeks_left{country="FR",site="",type="OperatorConnect"}`:        "2",
	} {
		if got[series] != want {
			t.Errorf("%s = %q, want %q", series, got[series], want)
		}
	}
	for series := range got {
		for _, m := range promLabels.FindAllStringSubmatch(series, -1) {
			if strings.Contains(m[2], "\n") {
				t.Errorf("raw line feed in label %s", m[0])
			}
		}
	}
	if matches, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".*")); len(matches) > 0 {
		t.Errorf("temporary files left behind: %v", matches)
	}
}

// TestMetricsOfFailedRun: a failed run says so in the metrics an alert
// watches, and names no store revision it does not know.
func TestMetricsOfFailedRun(t *testing.T) {
	got := parseProm(t, string(rendered(newFacts(sampleInputs()["failed"]).metrics)))
	for series, want := range map[string]string{
		"numsync_run_success":                  "0",
		`numsync_run_status{status="failed"}`:  "1",
		`numsync_run_status{status="applied"}`: "0",
		`numsync_operations{action="assign"}`:  "0",
	} {
		if got[series] != want {
			t.Errorf("%s = %q, want %q", series, got[series], want)
		}
	}
	if v, ok := got["numsync_store_revision"]; ok {
		t.Errorf("numsync_store_revision = %s for a run that made no plan", v)
	}
}

func TestPromLabel(t *testing.T) {
	for in, want := range map[string]string{`a"b`: `a\"b`, `a\b`: `a\\b`, "a\nb": `a\nb`, "ü": "ü"} {
		if got := promLabel(in); got != want {
			t.Errorf("promLabel(%q) = %q, want %q", in, got, want)
		}
	}
}
