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
	q            = psQuoted
	numberType   = `'(CallingPlan|OperatorConnect|DirectRouting)'`
	psWriteStep  = regexp.MustCompile(`^Write-Step (` + q + `)$`)
	psThrow      = regexp.MustCompile(`^throw (` + q + `)$`)
	psRemoveCall = regexp.MustCompile(`^Remove-CsPhoneNumberAssignment -Identity (` + q + `) -PhoneNumber (` + q + `) -PhoneNumberType ` + numberType + `$`)
	psSetCall    = regexp.MustCompile(`^Set-CsPhoneNumberAssignment -Identity (` + q + `) -PhoneNumber (` + q + `) -PhoneNumberType ` + numberType +
		`(?: -LocationId (` + q + `))?( -AssignmentCategory 'Private')?( -Notify)?$`)
	psClearCall = regexp.MustCompile(`^Set-ADUser -Identity (?:(` + q + `)|\(Find-UserByUpn -Upn (` + q + `)\)) -Clear msRTCSIP-Line$`)
)

// psHeader is every line of code a script may have besides its steps.
var psHeader = []string{
	"Set-StrictMode -Version 3.0",
	"$ErrorActionPreference = 'Stop'",
	"$numsyncLog = Join-Path -Path $PSScriptRoot -ChildPath 'teams-apply.log'",
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
	Cmdlet                              string
	Identity, Number, Type, Location    string
	Private, Notify, ByUPN, HasLocation bool
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
		if m := psRemoveCall.FindStringSubmatch(line); m != nil {
			calls = append(calls, psCall{Cmdlet: "Remove", Identity: psUnquote(m[1]), Number: psUnquote(m[2]), Type: m[3]})
		} else if m := psSetCall.FindStringSubmatch(line); m != nil {
			c := psCall{Cmdlet: "Set", Identity: psUnquote(m[1]), Number: psUnquote(m[2]), Type: m[3], Private: m[5] != "", Notify: m[6] != ""}
			if m[4] != "" {
				c.HasLocation, c.Location = true, psUnquote(m[4])
			}
			calls = append(calls, c)
		} else if m := psClearCall.FindStringSubmatch(line); m != nil {
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
	calls, throws := parsePS(t, TeamsApplyFile, rendered(f.teamsApplyPS1))
	if len(throws) > 0 {
		t.Errorf("unexpected throw: %q", throws)
	}
	// Removals first, then assignments, each in plan order; the swap of
	// bob's and alice's numbers works because alice's old number is freed
	// before anyone takes it.
	want := []psCall{
		{Cmdlet: "Remove", Identity: "aa-main@contoso.com", Number: "+442071838751", Type: "OperatorConnect"},
		{Cmdlet: "Remove", Identity: "bob@contoso.com", Number: "+14255550103", Type: "CallingPlan"},
		{Cmdlet: "Remove", Identity: "alice@contoso.com", Number: "+14255550101", Type: "CallingPlan"},
		{Cmdlet: "Set", Identity: "alice@contoso.com", Number: "+14255550103", Type: "CallingPlan", HasLocation: true, Location: "loc-sea", Notify: true},
		{Cmdlet: "Set", Identity: typographicUPN, Number: "+14255550101", Type: "CallingPlan"},
		{Cmdlet: "Set", Identity: "cq-sales@contoso.com", Number: "+14255550104", Type: "OperatorConnect", HasLocation: true, Location: "null", Notify: true},
		{Cmdlet: "Set", Identity: hostilePS, Number: "+33140000001;ext=12", Type: "DirectRouting", HasLocation: true, Location: hostileScript, Private: true, Notify: true},
		{Cmdlet: "Set", Identity: "aa-main@contoso.com", Number: "+442071838751", Type: "OperatorConnect", Private: true, Notify: true},
	}
	if !slices.Equal(calls, want) {
		t.Errorf("calls\n%+v\nwant\n%+v", calls, want)
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
	for name, script := range map[string][]byte{TeamsApplyFile: rendered(f.teamsApplyPS1), ADCleanupPS1File: rendered(f.adCleanupPS1)} {
		calls, throws := parsePS(t, name, script)
		if len(calls) > 0 || len(throws) != 1 {
			t.Errorf("%s: %d calls and throws %q, want no calls and one throw", name, len(calls), throws)
		}
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
