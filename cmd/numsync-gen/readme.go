package main

import (
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// writeSampleReadme documents the sample tenant: what each file is, what
// the tenant holds, and what every sheet row is meant to show (read back
// from expected.csv, so the two cannot disagree).
func (t *tenant) writeSampleReadme(path string) error {
	f, err := os.Open(filepath.Join(filepath.Dir(path), "expected.csv"))
	if err != nil {
		return err
	}
	recs, err := csv.NewReader(f).ReadAll()
	f.Close()
	if err != nil {
		return fmt.Errorf("reading back expected.csv: %w", err)
	}
	o, err := create(path)
	if err != nil {
		return err
	}
	w := o.w
	w.WriteString(sampleIntro)
	fmt.Fprintf(w, "\n## The tenant\n\n| country | users | resource accounts | disabled | hybrid (msRTCSIP-Line) | numbers | assigned | Calling Plan | Operator Connect | Direct Routing |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n")
	for _, c := range t.cs {
		var apps, off, hyb, held int
		var byType [3]int
		for _, i := range c.users {
			u := &t.users[i]
			apps += b2i(u.has(fResource))
			off += b2i(u.has(fDisabled))
			hyb += b2i(u.has(fHybrid))
		}
		for _, n := range c.nums {
			held += b2i(n.holder >= 0)
			switch {
			case n.kind <= kCPConf:
				byType[0]++
			case n.kind <= kOCMobile:
				byType[1]++
			default:
				byType[2]++
			}
		}
		fmt.Fprintf(w, "| %s | %d | %d | %d | %d | %d | %d | %d | %d | %d |\n", c.iso, len(c.users)-apps, apps, off, hyb, len(c.nums), held, byType[0], byType[1], byType[2])
	}
	w.WriteString(sampleRowsIntro)
	w.WriteString("| row | user | number as written | expect | code | what it shows |\n| --- | --- | --- | --- | --- | --- |\n")
	rows := recs[1:]
	slices.SortStableFunc(rows, func(a, b []string) int {
		if c := strings.Compare(a[0], b[0]); c != 0 {
			return c
		}
		la, _ := strconv.Atoi(a[1])
		lb, _ := strconv.Atoi(b[1])
		return la - lb
	})
	for _, r := range rows {
		file, line, upn, num, expect, code, story := r[0], r[1], r[2], r[3], r[5], r[6], r[7]
		fmt.Fprintf(w, "| %s:%s | %s | %s | %s | %s | %s |\n", strings.TrimPrefix(file, "sheets/"), line, mdCell(upn), mdCell(num), expect, code, strings.ReplaceAll(story, "|", `\|`))
	}
	return o.close()
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func mdCell(s string) string {
	if s == "" {
		return ""
	}
	return "`" + strings.ReplaceAll(s, "|", `\|`) + "`"
}

const sampleIntro = `# Sample tenant

A small, hand-checked organisation (Contoso) for numsync: the README's main
command and the end-to-end tests run on it. It is generated, not typed:

    go run ./cmd/numsync-gen -sample -out testdata/sample

rewrites every file here byte for byte (the generator's tests fail when the
committed files and the generator disagree). To change the story, change
the generator (cmd/numsync-gen/script.go), not these files. Files the
generator does not write (numsync.yaml, and the store and reports/ that
a run leaves here) are not its business and it leaves them alone.

## Files

| file | format |
| --- | --- |
| inventory.csv | the file Export-CsAcquiredPhoneNumber produces: every documented property, capabilities as ` + "`{UserAssignment, VoiceApplicationAssignment}`" + `, current holders as TargetId (object id) and TargetType (User / ResourceAccount) |
| inventory-assignments.csv | the same numbers as Get-CsPhoneNumberAssignment \| Export-Csv -NoTypeInformation writes them (every field quoted, CRLF), with Capability flattened to a comma-separated list and LocationUpdateSupported, which only this export has: Teams Phone Mobile numbers (Northwind Mobile) have their emergency address managed by the operator (False) |
| users.csv | a user export: UserPrincipalName, DisplayName, ObjectId, UsageLocation, AccountEnabled, Licenses (CallingPlan;TeamsPhone), IsResourceAccount, OnPremLineURI, Mail |
| users.ldif | the same users as ldapsearch prints them from Active Directory: objectGUID (the ObjectId's bytes in AD order), msDS-ExternalDirectoryObjectId (User_<ObjectId>), c (usage location), userAccountControl (bit 0x2: disabled), memberOf (CN=Lic-CallingPlan / CN=Lic-TeamsPhone,OU=Groups,DC=contoso,DC=com; admins in CN=Teams Telephony Administrators), msRTCSIP-Line; non-ASCII values in base64, long lines folded at 76 |
| locations.csv | emergency locations, two per country |
| sheets/*.csv | assignment sheets, one per country and 900-corrections.csv; 030-de.csv is what a German Excel saves (UTF-8 BOM, semicolons, CRLF, the header's aliases UPN / Number / Type / EmergencyLocation / EmailUser, national numbers, yes/no) |
| expected.csv | for every sheet row (file and physical line): the E.164 number it means, and what a plan in merge mode should make of it (assign, change, remove, unchanged, reject, blocked, warning) with the reason code |

Numbers come from ranges set aside for fiction where the country has them
(US and Canada 555-0100–0199, Ofcom's drama numbers, ARCEP's and ACMA's
fictional ranges); they are all valid for numsync.ParseNumber.

One caveat: Export-CsAcquiredPhoneNumber does not say whether the operator
manages a number's emergency address, so rule R14 (LOCATION_NOT_UPDATABLE)
can only be seen with inventory-assignments.csv; the sheets have no row
that depends on it.
`

const sampleRowsIntro = `
## What each sheet row shows

Sheets are read in name order. The rows are meant to be planned in merge
mode against the store loaded from inventory.csv, users.csv (or users.ldif)
and locations.csv. "warning" marks a row kept once with a warning. A
swap is a cycle: the planner may carry out the first of its two rows as a
remove followed by an assign, which is the change the row asks for.

`
