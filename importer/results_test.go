package importer

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/numsync/numsync"
)

// resultsFile is teams-apply.results.csv as Windows PowerShell 5.1 writes
// it: a BOM from Set-Content, every cell quoted, CRLF, a step retried after
// it failed, and an error a spreadsheet would take for a formula.
const resultsFile = "\uFEFF" + `plan_digest,step,operation,outcome,attempts,error,at` + "\r\n" +
	`"9f86d0","1","remove bob@contoso.com: +14255550103 -> none","done","1","","2026-12-03T02:00:01.1234567Z"` + "\r\n" +
	`"9f86d0","2","change alice@contoso.com: +14255550101 -> +14255550103","failed","5","Service unavailable, please try again","2026-12-03T02:03:00.0000000Z"` + "\r\n" +
	`"9f86d0","3","assign o'connor@contoso.com: none -> +14255550101","skipped","0","waiting on step 2","2026-12-03T02:03:00.5000000Z"` + "\r\n" +
	`"9f86d0","2","change alice@contoso.com: +14255550101 -> +14255550103","already-done","1","","2026-12-03T03:00:00.0000000Z"` + "\r\n" +
	`"9f86d0","4","change cq@contoso.com: +1 -> +2","failed","1","'=HYPERLINK(""x"") is not a location","2026-12-03T03:00:01Z"` + "\r\n"

func TestReadStepResults(t *testing.T) {
	path := filepath.Join(t.TempDir(), "teams-apply.results.csv")
	if err := os.WriteFile(path, []byte(resultsFile), 0o644); err != nil {
		t.Fatal(err)
	}
	res, problems, err := ReadStepResults(path)
	if err != nil || len(problems) > 0 {
		t.Fatalf("ReadStepResults: %v, problems %+v", err, problems)
	}
	if len(res) != 5 {
		t.Fatalf("%d results, want 5: %+v", len(res), res)
	}
	failed := res[1]
	if failed.PlanDigest != "9f86d0" || failed.Step != 2 || failed.Outcome != numsync.ScriptFailed || failed.Attempts != 5 ||
		failed.Error != "Service unavailable, please try again" || failed.Source != (numsync.Source{File: path, Line: 3}) ||
		!failed.At.Equal(time.Date(2026, 12, 3, 2, 3, 0, 0, time.UTC)) {
		t.Errorf("failed row = %+v", failed)
	}
	if res[0].At.Nanosecond() != 123456700 {
		t.Errorf("seven-digit fraction read as %v", res[0].At)
	}
	if res[2].Outcome != numsync.ScriptSkipped || res[2].Error != "waiting on step 2" || res[3].Outcome != numsync.ScriptAlreadyDone {
		t.Errorf("rows 3 and 4 = %+v, %+v", res[2], res[3])
	}
	if res[4].Error != `=HYPERLINK("x") is not a location` {
		t.Errorf("neutralised error read as %q", res[4].Error)
	}
}

func TestReadStepResultsNamesBadRows(t *testing.T) {
	data := "plan_digest,step,operation,outcome,attempts,error,at\n" +
		"9f86d0,1,x,done,1,,\n" +
		"9f86d0,0,x,done,1,,\n" +
		",2,x,done,1,,\n" +
		"9f86d0,3,x,landed,1,,\n" +
		"9f86d0,4,x,failed,-1,,\n" +
		"9f86d0,5,x,failed,1,,yesterday\n"
	path := filepath.Join(t.TempDir(), "r.csv")
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	res, problems, err := ReadStepResults(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 1 {
		t.Errorf("%d good rows, want 1", len(res))
	}
	want := map[int]string{3: "step", 4: "plan_digest", 5: "unknown outcome", 6: "attempts", 7: "ISO 8601"}
	for _, p := range problems {
		if w, ok := want[p.Line]; !ok || p.File != path || p.Code != numsync.BadRow || !strings.Contains(p.Column+" "+p.Message, w) {
			t.Errorf("problem %+v, want line %d to say %q", p, p.Line, w)
		}
		delete(want, p.Line)
	}
	if len(want) > 0 {
		t.Errorf("no problem reported for lines %v", want)
	}
}

// FuzzReadStepResults: any bytes give results and problems, never a
// panic, and every row read is either a result or a problem with a line.
func FuzzReadStepResults(f *testing.F) {
	f.Add([]byte(resultsFile))
	f.Add([]byte("plan_digest,step,outcome\nx,1,done\nx,,\n\"x\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := NewReader(bytes.NewReader(data), "f.csv", resultsSchema)
		if err != nil {
			return
		}
		res, problems, err := stepResults(r)
		if err != nil {
			return
		}
		for _, x := range res {
			if x.Step < 1 || x.PlanDigest == "" || x.Source.Line < 2 {
				t.Fatalf("result accepted without a step, digest or line: %+v", x)
			}
			if _, err := numsync.ParseScriptOutcome(string(x.Outcome)); err != nil {
				t.Fatalf("result with outcome %q", x.Outcome)
			}
		}
		for _, p := range problems {
			if p.File != "f.csv" {
				t.Fatalf("problem without its file: %+v", p)
			}
		}
	})
}
