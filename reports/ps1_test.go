package reports

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/numsync/numsync"
)

// psQuoted matches one PowerShell single-quoted string: any character but
// a quote, or a quote written twice. PowerShell counts ‘ ’ ‚ ‛ as quotes.
const psQuoted = `'(?:[^'\x{2018}-\x{201B}]|['\x{2018}-\x{201B}]{2})*'`

// psUnquote reads a string psQuoted matched the way PowerShell does: of a
// doubled quote it keeps the second.
func psUnquote(q string) string {
	rs := []rune(q[1 : len(q)-1])
	var b strings.Builder
	for i := 0; i < len(rs); i++ {
		if isPSQuote(rs[i]) {
			i++
		}
		b.WriteRune(rs[i])
	}
	return b.String()
}

var (
	q           = psQuoted
	numberType  = `'(CallingPlan|OperatorConnect|DirectRouting)'`
	psWriteStep = regexp.MustCompile(`^Write-Step (` + q + `)$`)
	psThrow     = regexp.MustCompile(`^throw (` + q + `)$`)
	psClearCall = regexp.MustCompile(`^Set-ADUser -Identity (?:(` + q + `)|\(Find-UserByUpn -Upn (` + q + `)\)) -Clear msRTCSIP-Line$`)
)

// psHeader is every line of code a script may have besides its steps.
var psHeader = []string{
	"Set-StrictMode -Version 3.0",
	"$ErrorActionPreference = 'Stop'",
	"$numsyncLog = Join-Path -Path $PSScriptRoot -ChildPath 'ad-cleanup.log'",
	"function Write-Step([string]$Text) {",
	"    $line = '{0} {1}' -f (Get-Date).ToString('o'), $Text",
	"    Write-Host $line",
	"    Add-Content -LiteralPath $numsyncLog -Value $line -Encoding UTF8",
	"}",
	"function Find-UserByUpn([string]$Upn) {",
	"    $found = @(Get-ADUser -Filter 'UserPrincipalName -eq $Upn')",
	"    if ($found.Count -ne 1) { throw ('expected one AD user with UPN {0}, found {1}' -f $Upn, $found.Count) }",
	"    $found[0]",
}

// psCall is a cmdlet call read back from a script, its values unquoted.
type psCall struct {
	Cmdlet   string
	Identity string
	ByUPN    bool
}

// parsePS checks a script line by line: every line is blank, a comment, a
// known header line, a logged step, or one of the cmdlet calls numsync
// writes with single-quoted values. It returns the calls and throws.
func parsePS(t *testing.T, name string, script []byte) (calls []psCall, throws []string) {
	t.Helper()
	text, ok := strings.CutPrefix(string(script), psBOM)
	if !ok {
		t.Errorf("%s: no UTF-8 byte order mark (Windows PowerShell 5.1 would misread non-ASCII)", name)
	}
	if !utf8.ValidString(text) {
		t.Fatalf("%s: not valid UTF-8", name)
	}
	stopSeen := false
	for i, line := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
		where := fmt.Sprintf("%s:%d", name, i+1)
		if strings.IndexFunc(line, numsync.IsControl) >= 0 {
			t.Errorf("%s: control character or line break in %q", where, line)
		}
		if m := psClearCall.FindStringSubmatch(line); m != nil {
			if m[1] != "" {
				calls = append(calls, psCall{Cmdlet: "Clear", Identity: psUnquote(m[1])})
			} else {
				calls = append(calls, psCall{Cmdlet: "Clear", Identity: psUnquote(m[2]), ByUPN: true})
			}
		} else if m := psThrow.FindStringSubmatch(line); m != nil {
			throws = append(throws, psUnquote(m[1]))
			continue
		} else if line == "" || strings.HasPrefix(line, "#") || psWriteStep.MatchString(line) || slices.Contains(psHeader, line) {
			stopSeen = stopSeen || line == "$ErrorActionPreference = 'Stop'"
			continue
		} else {
			t.Errorf("%s: unexpected line %q", where, line)
			continue
		}
		if !stopSeen {
			t.Errorf("%s: a call before $ErrorActionPreference = 'Stop'", where)
		}
	}
	return calls, throws
}

func TestTeamsApplyScript(t *testing.T) {
	f := newFacts(sampleInputs()["applied"])
	plans, steps, throws := parseTeamsPS(t, rendered(f.teamsApplyPS1))
	if len(throws) > 0 {
		t.Errorf("unexpected throw: %q", throws)
	}
	if !slices.Equal(plans, []string{"sha256:77aa", "sha256:66bb"}) {
		t.Errorf("plans = %q, want the run's plan digest, then the earlier run's", plans)
	}
	// The earlier run's failed step first, then the plan's. The swap of
	// bob's and alice's numbers works because bob's number is freed just
	// before alice takes it, and alice's change (one Set) frees hers just
	// before o’connor takes it.
	want := []psStep{
		{Plan: 1, Step: 4, Name: "step 4 of run 20240430T020000Z", Kind: "set", Identity: "aa-main@contoso.com", Number: "+442071838751", Type: "OperatorConnect",
			Category: "Primary", Need: -1, Text: "assign aa-main@contoso.com: none -> +442071838751"},
		{Step: 2, Name: "step 2", Kind: "remove", Identity: "bob@contoso.com", Number: "+14255550103", Type: "CallingPlan", Category: "Primary", Need: -1,
			Text: "remove bob@contoso.com: +14255550103 -> none"},
		{Step: 3, Name: "step 3", Kind: "set", Identity: "alice@contoso.com", Number: "+14255550103", Type: "CallingPlan", Location: "loc-sea", Category: "Primary", Notify: true, Need: 1,
			Text: "change alice@contoso.com: +14255550101 -> +14255550103"},
		{Step: 4, Name: "step 4", Kind: "set", Identity: typographicUPN, Number: "+14255550101", Type: "CallingPlan", Category: "Primary", Need: 2,
			Text: "assign " + typographicUPN + ": none -> +14255550101"},
		{Step: 5, Name: "step 5", Kind: "set", Identity: "cq-sales@contoso.com", Number: "+14255550104", Type: "OperatorConnect", Location: "null", Category: "Primary", Notify: true, Need: -1,
			Text: "change cq-sales@contoso.com: +14255550104 -> +14255550104"},
		{Step: 6, Name: "step 6", Kind: "set", Identity: hostilePS, Number: "+33140000001;ext=12", Type: "DirectRouting", Location: hostileScript, Category: "Private", Notify: true, Need: -1,
			Text: "assign " + hostilePS + ": none -> +33140000001;ext=12"},
		// remy's move between categories: the remove (step 1) right before
		// the assign that needs its number.
		{Step: 1, Name: "step 1", Kind: "remove", Identity: "remy@contoso.com", Number: "+33140000003", Type: "OperatorConnect", Category: "Primary", Need: -1,
			Text: "remove remy@contoso.com: +33140000003 -> none"},
		{Step: 7, Name: "step 7", Kind: "set", Identity: "remy@contoso.com", Number: "+33140000003", Type: "OperatorConnect", Category: "Private", Notify: true, Need: 6,
			Text: "assign remy@contoso.com: none -> +33140000003"},
	}
	if !slices.Equal(steps, want) {
		t.Errorf("steps\n%+v\nwant\n%+v", steps, want)
	}
}

func TestADCleanupScript(t *testing.T) {
	f := newFacts(sampleInputs()["applied"])
	calls, throws := parsePS(t, ADCleanupPS1File, rendered(f.adCleanupPS1))
	if len(throws) > 0 {
		t.Errorf("unexpected throw: %q", throws)
	}
	want := []psCall{
		{Cmdlet: "Clear", Identity: umlautDN},
		{Cmdlet: "Clear", Identity: "CN=Emma Brown,OU=London,DC=contoso,DC=com"},
		{Cmdlet: "Clear", Identity: hostileDN},
		{Cmdlet: "Clear", Identity: "léa@contoso.com", ByUPN: true},
	}
	if !slices.Equal(calls, want) {
		t.Errorf("calls\n%+v\nwant\n%+v", calls, want)
	}
}

// TestScriptsRefuseUnquotableValues: a value with a line break cannot be
// written on one line; the scripts then throw before doing anything.
func TestScriptsRefuseUnquotableValues(t *testing.T) {
	in := sampleInputs()["applied"]
	in.Plan.Ops = append(in.Plan.Ops, numsync.Op{Action: numsync.Assign, UPN: "evil\r\nRemove-Item C:\\@contoso.com", Category: numsync.Primary,
		After: hold(num("+14255550106", ""), numsync.CallingPlan, "")})
	in.Tenant.Users = append(in.Tenant.Users, numsync.User{UPN: "dn@contoso.com", DN: "CN=a\nRemove-Item C:\\,DC=x", OnPremLine: "tel:+1"})
	in.Plan.Blocked = append(in.Plan.Blocked, numsync.Issue{Code: numsync.OnPremLineSet, UPN: "dn@contoso.com", Number: "+14255550102"})
	f := newFacts(in)
	calls, throws := parsePS(t, ADCleanupPS1File, rendered(f.adCleanupPS1))
	if len(calls) > 0 || len(throws) != 1 {
		t.Errorf("%s: %d calls and throws %q, want no calls and one throw", ADCleanupPS1File, len(calls), throws)
	}
	// teams-apply.ps1 lists the other steps as data, but the runner that
	// would carry them out is replaced by the throw.
	_, steps, throws := parseTeamsPS(t, rendered(f.teamsApplyPS1))
	if want := len(in.Plan.Ops) - 1 + 1; len(throws) != 1 || len(steps) != want {
		t.Errorf("%s: %d steps and throws %q, want the %d quotable steps (one carried) and one throw", TeamsApplyFile, len(steps), throws, want)
	}
}

func TestPSQuote(t *testing.T) {
	for _, s := range []string{"", "plain", "it's", "o’connor", "‘‚‛’''", "$(Remove-Item C:\\)", "`n\"x\"", hostilePS, "'; Remove-Item C:\\ -Recurse #"} {
		checkPSQuote(t, s)
	}
	for _, bad := range []string{"a\nb", "a\rb", "a\x00b", "a\u2028b", "a\x85b", "\xff"} {
		if got, err := psQuote(bad); err == nil {
			t.Errorf("psQuote(%q) = %q, want an error", bad, got)
		}
	}
}

var psQuotedWhole = regexp.MustCompile(`^` + psQuoted + `$`)

func checkPSQuote(t *testing.T, s string) {
	t.Helper()
	got, err := psQuote(s)
	if err != nil {
		t.Fatalf("psQuote(%q): %v", s, err)
	}
	if !psQuotedWhole.MatchString(got) {
		t.Errorf("psQuote(%q) = %s, not one single-quoted string", s, got)
	}
	if back := psUnquote(got); back != s {
		t.Errorf("psQuote(%q) = %s reads back as %q", s, got, back)
	}
}

func FuzzPSQuote(f *testing.F) {
	for _, s := range []string{"", "it's", "o’connor", hostilePS, "a\nb"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if _, err := psQuote(s); err != nil {
			if utf8.ValidString(s) && strings.IndexFunc(s, numsync.IsControl) < 0 {
				t.Fatalf("psQuote(%q) refused a printable value: %v", s, err)
			}
			return
		}
		checkPSQuote(t, s)
	})
}
