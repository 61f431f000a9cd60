package reports

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// chromium runs headless Chromium on url with extra flags and returns its
// standard output. The flags keep it from reaching the network or a
// profile outside the test.
func chromium(t *testing.T, url string, flags ...string) []byte {
	if testing.Short() {
		t.Skip("runs headless Chromium; runs without -short (scripts/test)")
	}
	t.Helper()
	bin, err := exec.LookPath("chromium")
	if err != nil {
		t.Fatal("chromium not found: the report.html test needs headless Chromium (Debian: apt-get install chromium)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	args := append([]string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
		"--disable-component-update", "--disable-sync", "--no-first-run", "--disable-extensions",
		"--user-data-dir=" + t.TempDir()}, flags...)
	cmd := exec.CommandContext(ctx, bin, append(args, url)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium %s: %v\n%s", url, err, stderr.Bytes())
	}
	return stdout.Bytes()
}

type domRow struct {
	class  string
	hidden bool
	cells  []string
}

var (
	domRowRe  = regexp.MustCompile(`(?s)<tr(?: class="([^"]*)")?( hidden="")?><td>(.*?)</td></tr>`)
	domCellRe = regexp.MustCompile(`</td><td>`)
)

// domTable returns the body rows of the table with the given id in a
// dumped DOM.
func domTable(t *testing.T, dom, id string) []domRow {
	t.Helper()
	loc := regexp.MustCompile(`<table class="data[^"]*" id="` + regexp.QuoteMeta(id) + `">`).FindStringIndex(dom)
	if loc == nil {
		t.Fatalf("no table %q in the page", id)
	}
	start := loc[0]
	end := strings.Index(dom[start:], "</table>")
	var rows []domRow
	for _, m := range domRowRe.FindAllStringSubmatch(dom[start:start+end], -1) {
		rows = append(rows, domRow{class: m[1], hidden: m[2] != "", cells: domCellRe.Split(m[3], -1)})
	}
	return rows
}

func writeReportHTML(t *testing.T) string {
	t.Helper()
	dir := t.ArtifactDir()
	path := filepath.Join(dir, HTMLFile)
	if err := os.WriteFile(path, rendered(newFacts(sampleInputs()["applied"]).html), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("report: %s", path)
	return path
}

// TestHTMLIsSelfContained: nothing on the page loads from anywhere.
func TestHTMLIsSelfContained(t *testing.T) {
	page := string(rendered(newFacts(sampleInputs()["applied"]).html))
	if m := regexp.MustCompile(`(?i)(\bsrc\s*=|\bhref\s*=|url\(|@import|<link|<iframe|<object|<embed)`).FindString(page); m != "" {
		t.Errorf("the page refers to something outside it: %q", m)
	}
	if !strings.Contains(page, `http-equiv="Content-Security-Policy" content="default-src &#39;none&#39;;`) {
		t.Error("the page has no Content-Security-Policy that forbids outside content")
	}
	if n := strings.Count(page, "<script"); n != 1 {
		t.Errorf("%d <script elements, want only the page's own", n)
	}
	if !strings.Contains(page, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Error("the hostile location is not shown escaped")
	}
}

// TestHTMLInChromium opens the page in headless Chromium with a filter and
// a sort in the URL fragment, as a reviewer's link would, and checks what
// the browser made of it. A screenshot is kept in the test's artifact
// directory (go test ./reports -run HTML -artifacts -outputdir DIR).
func TestHTMLInChromium(t *testing.T) {
	path := writeReportHTML(t)
	url := "file://" + filepath.ToSlash(path)

	t.Run("FilterAndSortFromFragment", func(t *testing.T) {
		dom := string(chromium(t, url+"#filter=ALICE&sort=ops:0:desc&sort=rejects:1:asc", "--dump-dom"))
		if !strings.Contains(dom, `data-ready="true"`) {
			t.Fatal("the page's script did not run (blocked by its Content-Security-Policy?)")
		}
		ops := domTable(t, dom, "ops")
		var order []string
		var shown []string
		for _, r := range ops {
			order = append(order, r.cells[0])
			if !r.hidden {
				shown = append(shown, r.cells[2])
			}
		}
		if want := []string{"7", "6", "5", "4", "3", "2", "1"}; !slices.Equal(order, want) {
			t.Errorf("operations sorted by # descending: %q, want %q", order, want)
		}
		if want := []string{"alice@contoso.com (Alice Smith)"}; !slices.Equal(shown, want) {
			t.Errorf("operations shown for filter alice: %q, want %q", shown, want)
		}
		if !strings.Contains(dom, `<span class="count" id="ops-count">1 of 7 shown</span>`) {
			t.Error("the operations count does not say 1 of 7 shown")
		}
		for _, id := range []string{"rejects", "blocked"} {
			for _, r := range domTable(t, dom, id) {
				if !r.hidden {
					t.Errorf("%s row %q shown, but it does not contain alice", id, r.cells)
				}
			}
		}
		if n := strings.Count(dom, "<script"); n != 1 {
			t.Errorf("%d <script elements in the rendered page: a value became markup", n)
		}
	})

	t.Run("AllRowsAndChart", func(t *testing.T) {
		dom := string(chromium(t, url, "--dump-dom"))
		for id, want := range map[string]int{"ops": 7, "rejects": 3, "blocked": 4, "warnings": 1} {
			rows := domTable(t, dom, id)
			if len(rows) != want {
				t.Errorf("table %s has %d rows, want %d", id, len(rows), want)
			}
			for _, r := range rows {
				if r.hidden {
					t.Errorf("table %s hides %q without a filter", id, r.cells)
				}
			}
		}
		rejects := domTable(t, dom, "rejects")
		if got := rejects[0].cells[2]; got != "=cmd|' /C calc'!A0" {
			t.Errorf("first reject's identity = %q, want the formula text shown as text", got)
		}
		if n := strings.Count(dom, "<rect "); n < 10 {
			t.Errorf("the chart has %d bars and legend boxes, want one per country, type and state", n)
		}
	})

	// What a reviewer needs: before → after of each changed field, names
	// beside UPNs, removals marked, the two steps of one change named,
	// rejects filtered by reason and country, the reconciliation and AD
	// clean-up tables, and which plan this is.
	t.Run("ReviewTool", func(t *testing.T) {
		dom := string(chromium(t, url+"#rejects.5=COUNTRY_MISMATCH&reconcile.7=drift", "--dump-dom"))
		ops := domTable(t, dom, "ops")
		if len(ops) != 7 {
			t.Fatalf("%d operations, want 7", len(ops))
		}
		byStep := map[string]domRow{}
		for _, r := range ops {
			byStep[r.cells[0]] = r
		}
		for step, want := range map[string][]string{
			// a location-only change shows the old and the new location
			"5": {"~ change", "cq-sales@contoso.com", "Primary", "+14255550104", "Operator Connect", "Seattle HQ (loc-sea) → (none)"},
			"3": {"~ change", "alice@contoso.com (Alice Smith)", "Primary", "+14255550101 → +14255550103", "Calling Plan", "Seattle HQ (loc-sea)"},
			"2": {"- remove", "bob@contoso.com", "Primary", "+14255550103", "Calling Plan", ""},
			"1": {"- remove (with #7: one change)", "remy@contoso.com (Rémy Martin)", "Primary", "+33140000003", "Operator Connect", ""},
		} {
			if got := byStep[step].cells[1:7]; !slices.Equal(got, want) {
				t.Errorf("operation %s = %q, want %q", step, got, want)
			}
		}
		if c := byStep["2"].class; c != "op-remove" {
			t.Errorf("the removal's row class = %q, want op-remove (drawn apart)", c)
		}
		if c := byStep["7"].class; c != "op-assign paired" {
			t.Errorf("the second step of a change has class %q, want op-assign paired", c)
		}
		var shown []string
		for _, r := range domTable(t, dom, "rejects") {
			if !r.hidden {
				shown = append(shown, r.cells[2]+" "+r.cells[4])
			}
		}
		if want := []string{"anna@contoso.com US"}; !slices.Equal(shown, want) {
			t.Errorf("rejects shown for reason COUNTRY_MISMATCH: %q, want %q", shown, want)
		}
		for _, want := range []string{`<option>COUNTRY_MISMATCH</option>`, `<label>country <select data-table="rejects" data-column="4">`} {
			if !strings.Contains(dom, want) {
				t.Errorf("the rejects table lacks %s", want)
			}
		}
		for _, r := range domTable(t, dom, "reconcile") {
			if !r.hidden && r.cells[7] != "drift" {
				t.Errorf("reconciliation row %q shown with status filter drift", r.cells)
			}
		}
		ad := domTable(t, dom, "adcleanup")
		if len(ad) != 4 || ad[1].cells[2] != "tel:+442071838750" {
			t.Errorf("AD clean-up rows = %v", ad)
		}
		if !strings.Contains(dom, `plan digest <code>sha256:77aa</code>`) {
			t.Error("the page does not name the plan by its digest")
		}
	})

	t.Run("Screenshot", func(t *testing.T) {
		shot := filepath.Join(t.ArtifactDir(), "report.png")
		chromium(t, url, "--screenshot="+shot, "--window-size=1280,2600", "--hide-scrollbars")
		png, err := os.ReadFile(shot)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(png, []byte("\x89PNG\r\n\x1a\n")) || len(png) < 10000 {
			t.Errorf("%s is not a plausible screenshot (%d bytes)", shot, len(png))
		}
		t.Logf("screenshot: %s", shot)
	})
}
