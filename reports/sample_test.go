package reports

import (
	"bufio"
	"bytes"
	"errors"
	"time"

	"github.com/numsync/numsync"
)

// Hostile values that the sample carries into every report.
const (
	hostileFormula = `=cmd|' /C calc'!A0`
	hostileScript  = `<script>alert(1)</script>`
	hostilePS      = `x'; Remove-Item C:\ -Recurse #@contoso.com`
	typographicUPN = "o\u2019connor@contoso.com" // ’ is a quote to PowerShell
	umlautDN       = `CN=Müller\, Jörg,OU=München,DC=contoso,DC=com`
	hostileDN      = `CN=x'; Remove-Item C:\\ -Recurse #,OU=Paris,DC=contoso,DC=com`
)

var (
	sampleStart = time.Date(2024, 5, 1, 2, 0, 0, 0, time.UTC)
	sampleEnd   = sampleStart.Add(83*time.Second + 250*time.Millisecond)
)

func num(e164, ext string) numsync.Number { return numsync.Number{E164: e164, Ext: ext} }

func hold(n numsync.Number, t numsync.NumberType, loc string) *numsync.Holding {
	return &numsync.Holding{Number: n, Type: t, Location: loc}
}

func src(file string, line int) *numsync.Source { return &numsync.Source{File: file, Line: line} }

// sampleTenant is a small organisation in four countries: people and
// resource accounts, hybrid users waiting for msRTCSIP-Line, a quarantined
// number, and identities and values chosen to break careless output.
func sampleTenant(now time.Time) *numsync.Tenant {
	users := []numsync.User{
		{UPN: "alice@contoso.com", DisplayName: "Alice Smith", DN: "CN=Alice Smith,OU=Seattle,DC=contoso,DC=com", Kind: numsync.KindUser, UsageLocation: "US", Enabled: true, Source: "ldap"},
		{UPN: "bob@contoso.com", Kind: numsync.KindUser, UsageLocation: "US", Enabled: true, Source: "ldap"},
		{UPN: typographicUPN, Kind: numsync.KindUser, UsageLocation: "US", Enabled: true, Source: "csv"},
		{UPN: "cq-sales@contoso.com", Kind: numsync.KindResource, UsageLocation: "US", Enabled: true, Source: "csv"},
		{UPN: "aa-main@contoso.com", Kind: numsync.KindResource, UsageLocation: "GB", Enabled: true, Source: "csv"},
		{UPN: "emma@contoso.com", DN: "CN=Emma Brown,OU=London,DC=contoso,DC=com", Kind: numsync.KindUser, UsageLocation: "GB", Enabled: true, OnPremLine: "tel:+442071838750", Source: "ldap"},
		{UPN: "jorg.muller@contoso.com", DN: umlautDN, Kind: numsync.KindUser, UsageLocation: "DE", Enabled: true, OnPremLine: "tel:+493012345678", Source: "ldif"},
		{UPN: "anna@contoso.com", Kind: numsync.KindUser, UsageLocation: "DE", Enabled: true, Source: "ldap"},
		{UPN: "léa@contoso.com", Kind: numsync.KindResource, UsageLocation: "FR", Enabled: true, OnPremLine: "tel:+33140000000", Source: "csv"},
		{UPN: hostilePS, DN: hostileDN, Kind: numsync.KindUser, UsageLocation: "FR", Enabled: true, OnPremLine: "tel:+33140000002;ext=" + hostileFormula, Source: "ldap"},
		{UPN: "remy@contoso.com", DisplayName: "Rémy Martin", Kind: numsync.KindUser, UsageLocation: "FR", Enabled: true, Source: "ldap"},
	}
	cp, oc, dr := numsync.CallingPlan, numsync.OperatorConnect, numsync.DirectRouting
	user := []numsync.Capability{numsync.CapUser}
	app := []numsync.Capability{numsync.CapVoiceApp}
	numbers := []numsync.InventoryNumber{
		{Number: num("+14255550101", ""), Type: cp, Country: "US", Capabilities: user, LocationID: "loc-sea", LocationUpdateSupported: true},
		{Number: num("+14255550102", ""), Type: cp, Country: "US", Capabilities: user, LocationUpdateSupported: true},
		{Number: num("+14255550103", ""), Type: cp, Country: "US", Capabilities: user, LocationUpdateSupported: true},
		{Number: num("+14255550104", ""), Type: oc, Country: "US", Capabilities: app, LocationID: "loc-sea", LocationUpdateSupported: true, Operator: "Contoso Telecom"},
		{Number: num("+14255550105", ""), Type: cp, Country: "US", Capabilities: user, ReleasedAt: now.AddDate(0, 0, -2)},
		{Number: num("+14255550106", ""), Type: cp, Country: "US", Capabilities: user, ReleasedAt: now.AddDate(0, 0, -30)},
		{Number: num("+442071838750", ""), Type: cp, Country: "GB", Capabilities: user},
		{Number: num("+442071838751", ""), Type: oc, Country: "GB", Capabilities: app, Operator: `BT "Business"`},
		{Number: num("+493012345678", ""), Type: cp, Country: "DE", Capabilities: user},
		{Number: num("+33140000000", ""), Type: oc, Country: "FR", Capabilities: app},
		{Number: num("+33140000002", ""), Type: oc, Country: "FR", Capabilities: user},
		{Number: num("+33140000001", "12"), Type: dr, Country: "FR", Capabilities: user, Source: numsync.SourceOnPremises},
		{Number: num("+33140000003", ""), Type: oc, Country: "FR", Capabilities: user, Operator: "Orange"},
	}
	assignments := []numsync.Assignment{
		{UPN: "alice@contoso.com", Category: numsync.Primary, Number: num("+14255550101", ""), Type: cp, LocationID: "loc-sea"},
		{UPN: "bob@contoso.com", Category: numsync.Primary, Number: num("+14255550103", ""), Type: cp},
		{UPN: "cq-sales@contoso.com", Category: numsync.Primary, Number: num("+14255550104", ""), Type: oc, LocationID: "loc-sea"},
		{UPN: "aa-main@contoso.com", Category: numsync.Primary, Number: num("+442071838751", ""), Type: oc},
		{UPN: "remy@contoso.com", Category: numsync.Primary, Number: num("+33140000003", ""), Type: oc},
	}
	return &numsync.Tenant{Revision: 41, Users: users, Numbers: numbers, Assignments: assignments,
		Locations: []numsync.EmergencyLocation{{ID: "loc-sea", Description: "Seattle HQ", Country: "US"}}}
}

func samplePlan() *numsync.Plan {
	cp, oc, dr := numsync.CallingPlan, numsync.OperatorConnect, numsync.DirectRouting
	frMove := src("sheets/fr.csv", 5) // remy's number moves from Primary to Private: two steps, one change
	ops := []numsync.Op{
		{Action: numsync.Remove, UPN: "remy@contoso.com", Category: numsync.Primary, Before: hold(num("+33140000003", ""), oc, ""), Source: frMove, Pair: 7},
		{Action: numsync.Remove, UPN: "bob@contoso.com", Category: numsync.Primary, Before: hold(num("+14255550103", ""), cp, "")},
		{Action: numsync.Change, UPN: "alice@contoso.com", Category: numsync.Primary, Before: hold(num("+14255550101", ""), cp, "loc-sea"), After: hold(num("+14255550103", ""), cp, "loc-sea"), Notify: true, Source: src("sheets/us.csv", 2)},
		{Action: numsync.Assign, UPN: typographicUPN, Category: numsync.Primary, After: hold(num("+14255550101", ""), cp, ""), Source: src("sheets/us.csv", 3)},
		{Action: numsync.Change, UPN: "cq-sales@contoso.com", Category: numsync.Primary, Before: hold(num("+14255550104", ""), oc, "loc-sea"), After: hold(num("+14255550104", ""), oc, ""), Notify: true, Source: src("sheets/us.csv", 4)},
		{Action: numsync.Assign, UPN: hostilePS, Category: numsync.Private, After: hold(num("+33140000001", "12"), dr, hostileScript), Notify: true, Source: src("sheets/fr.csv", 2)},
		{Action: numsync.Assign, UPN: "remy@contoso.com", Category: numsync.Private, After: hold(num("+33140000003", ""), oc, ""), Notify: true, Source: frMove, Pair: 1},
	}
	rejects := []numsync.Issue{
		{Code: numsync.UnknownUser, UPN: hostileFormula, Number: "+14255550102", File: "sheets/us.csv", Line: 5, Column: "UserPrincipalName",
			Message: `user "` + hostileFormula + `" is not in the directory`, Hint: "check the spelling, or import the users again"},
		{Code: numsync.BadNumber, UPN: hostileScript + "@contoso.com", Number: "4.42072E+11", File: "sheets/gb.csv", Line: 3, Column: "PhoneNumber",
			Message: "the number was turned into scientific notation by a spreadsheet; its digits are lost", Hint: "=HYPERLINK(\"http://evil.example\") format the column as Text"},
		{Code: numsync.CountryMismatch, UPN: "anna@contoso.com", Number: "+14255550102", File: "sheets/de.csv", Line: 3,
			Message: "number +14255550102 is in US, the user's usage location is DE", Hint: "-pick a DE number or change the usage location"},
	}
	blocked := []numsync.Issue{
		{Code: numsync.OnPremLineSet, UPN: "jorg.muller@contoso.com", Number: "+493012345678", File: "sheets/de.csv", Line: 2,
			Message: "msRTCSIP-Line is set on-premises", Hint: "clear msRTCSIP-Line in AD (see ad-cleanup.csv)"},
		{Code: numsync.OnPremLineSet, UPN: "emma@contoso.com", Number: "+442071838750", File: "sheets/gb.csv", Line: 2,
			Message: "msRTCSIP-Line is set on-premises", Hint: "clear msRTCSIP-Line in AD (see ad-cleanup.csv)"},
		{Code: numsync.OnPremLineSet, UPN: hostilePS, Number: "+33140000002", File: "sheets/fr.csv", Line: 3,
			Message: "msRTCSIP-Line is set on-premises", Hint: "clear msRTCSIP-Line in AD (see ad-cleanup.csv)"},
		{Code: numsync.OnPremLineSet, UPN: "léa@contoso.com", Number: "+33140000000", File: "sheets/fr.csv", Line: 4,
			Message: "msRTCSIP-Line is set on-premises", Hint: "clear msRTCSIP-Line in AD (see ad-cleanup.csv)"},
	}
	warnings := []numsync.Issue{
		{Code: numsync.NoPhoneLicense, UPN: typographicUPN, Number: "+14255550101", File: "sheets/us.csv", Line: 3, Message: "the user has no Teams Phone licence"},
	}
	return &numsync.Plan{
		Version: numsync.PlanVersion, Revision: 41, InputsDigest: "sha256:5f1c0a", Mode: numsync.Authoritative,
		Ops: ops, Rejects: rejects, Blocked: blocked, Warnings: warnings,
		Counts: numsync.Counts{Assign: 2, Change: 3, Remove: 1, Unchanged: 1, Rejected: 3, Blocked: 4, Warnings: 1, RowsRead: 13, Sheets: 4},
	}
}

func wish(upn string, n numsync.Number, t numsync.NumberType, loc string, cat numsync.Category, file string, line int) numsync.Wish {
	return numsync.Wish{UPN: upn, Category: cat, Number: n, Type: t, LocationID: loc, Notify: true, Source: numsync.Source{File: file, Line: line}}
}

func sampleWishes() []numsync.Wish {
	cp, oc, dr := numsync.CallingPlan, numsync.OperatorConnect, numsync.DirectRouting
	return []numsync.Wish{
		wish("alice@contoso.com", num("+14255550103", ""), cp, "loc-sea", numsync.Primary, "sheets/us.csv", 2),
		wish(typographicUPN, num("+14255550101", ""), "", "", numsync.Primary, "sheets/us.csv", 3),
		wish("cq-sales@contoso.com", num("+14255550104", ""), oc, "", numsync.Primary, "sheets/us.csv", 4),
		wish(hostilePS, num("+33140000001", "12"), dr, hostileScript, numsync.Private, "sheets/fr.csv", 2),
		wish("anna@contoso.com", num("+14255550102", ""), cp, "", numsync.Primary, "sheets/de.csv", 3),
		wish("jorg.muller@contoso.com", num("+493012345678", ""), cp, "", numsync.Primary, "sheets/de.csv", 2),
		wish("emma@contoso.com", num("+442071838750", ""), cp, "", numsync.Primary, "sheets/gb.csv", 2),
		wish(hostilePS, num("+33140000002", ""), oc, "", numsync.Primary, "sheets/fr.csv", 3),
		wish("léa@contoso.com", num("+33140000000", ""), oc, "", numsync.Primary, "sheets/fr.csv", 4),
		wish("aa-main@contoso.com", num("+442071838751", ""), oc, "", numsync.Primary, "sheets/gb.csv", 4),
		wish("remy@contoso.com", num("+33140000003", ""), oc, "", numsync.Private, "sheets/fr.csv", 5),
		// A removal row for someone who holds nothing: ok, nothing to do.
		wish("anna@contoso.com", numsync.Number{}, "", "", numsync.Private, "sheets/de.csv", 4),
	}
}

// sampleInputs are the scenarios the golden files cover.
func sampleInputs() map[string]Input {
	plan := samplePlan()
	now := sampleEnd
	applied := Input{
		Plan: plan, Tenant: sampleTenant(now), Wishes: sampleWishes(),
		Run: &numsync.Run{ID: "20240501T020000Z", Actor: "admin@contoso.com", Started: sampleStart, Ended: sampleEnd,
			Status: numsync.RunApplied, Counts: plan.Counts, PlanDigest: "sha256:77aa", Revision: 42},
		PlanDigest: "sha256:77aa", RunID: "20240501T020000Z", Started: sampleStart, Finished: sampleEnd, QuarantineDays: 7, Now: now,
		// A directory entry whose msRTCSIP-Line is no number: loaded, and
		// shown as the exports' problem rows are.
		Imported: []numsync.Issue{{Code: numsync.BadNumber, UPN: "kim@contoso.com", Number: "tel:+1-425-BAD", File: "ldaps://dc1.contoso.com", Column: "msRTCSIP-Line",
			Message: `CN=Kim Akers,OU=Redmond,DC=contoso,DC=com: msRTCSIP-Line: "tel:+1-425-BAD": not a phone number`, Hint: "correct or clear msRTCSIP-Line in AD"}},
	}
	// An earlier run's assign that Teams refused, and (once applied) this
	// run's own operations, which Teams has not got yet.
	earlier := numsync.PushOp{PlanDigest: "sha256:66bb",
		Outcome: numsync.OpOutcome{RunID: "20240430T020000Z", Step: 4, State: numsync.PushFailed, ErrorCode: "BadRequest",
			Error: "The number +442071838751 =cmd|' /C calc'!A0 is not\nassignable", Attempts: 1, Via: numsync.ViaPowerShell},
		Op: numsync.Op{Action: numsync.Assign, UPN: "aa-main@contoso.com", Category: numsync.Primary, After: hold(num("+442071838751", ""), numsync.OperatorConnect, "")}}
	applied.Unfinished = []numsync.PushOp{earlier}
	for i, op := range plan.Ops {
		applied.Unfinished = append(applied.Unfinished, numsync.PushOp{PlanDigest: "sha256:77aa",
			Outcome: numsync.OpOutcome{RunID: applied.Run.ID, Step: i + 1, State: numsync.PushPending}, Op: op})
	}
	// What Teams showed when last read: one number free, one held by an
	// object id no user has (a hostile one, for the CSV neutralisation).
	applied.Observed = []numsync.ObservedNumber{
		{Number: "+14255550101", ActivationState: "activated", At: sampleEnd},
		{Number: "+442071838751", HolderID: "=HYPERLINK(\"http://x\")", Category: numsync.Primary, ActivationState: "assignmentFailed", At: sampleEnd},
	}
	dry := applied
	dry.Run = nil
	dry.RunID = "plan-20240501T020000Z"
	dry.ApplyCommand = "numsync apply reports/plan-20240501T020000Z/plan.json"
	dry.Unfinished = []numsync.PushOp{earlier}
	failed := Input{
		Tenant: sampleTenant(now), RunID: "20240501T030000Z", Started: sampleStart, Finished: sampleStart.Add(2 * time.Second),
		Err:            errors.New("read sheets/us.csv: line 7: bare \" in non-quoted field\x1b[31m"),
		QuarantineDays: 7, Now: now,
	}
	return map[string]Input{"applied": applied, "dryrun": dry, "failed": failed}
}

// rendered returns what a report function writes.
func rendered(render func(*bufio.Writer)) []byte {
	var buf bytes.Buffer
	w := bufio.NewWriterSize(&buf, 64<<10)
	render(w)
	w.Flush()
	return buf.Bytes()
}
