package reports

import (
	"bufio"
	"encoding/base64"
	"fmt"
	"strings"

	"github.com/numsync/numsync"
)

// onPremLineAttr is the on-premises attribute rule R12 waits on.
const onPremLineAttr = "msRTCSIP-Line"

// ldifSafe reports whether a distinguished name may be written as a plain
// "dn:" value. RFC 2849 allows a SAFE-STRING there: ASCII without NUL, LF
// and CR, not starting with space, colon or "<"; it also asks for base64
// when the value ends with a space, which readers may trim.
func ldifSafe(s string) bool {
	if s == "" {
		return true
	}
	switch s[0] {
	case ' ', ':', '<':
		return false
	}
	if s[len(s)-1] == ' ' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == 0 || c == '\n' || c == '\r' || c >= 0x80 {
			return false
		}
	}
	return true
}

// ldifDN writes the "dn" line of an entry, base64-encoded ("dn::") when the
// name is not a safe string, so any name round-trips, non-ASCII included.
func ldifDN(dn string) string {
	if ldifSafe(dn) {
		return "dn: " + dn
	}
	return "dn:: " + base64.StdEncoding.EncodeToString([]byte(dn))
}

// adCleanupLDIF writes one LDAP modify per waiting user that deletes
// msRTCSIP-Line. Users whose DN is not known (they did not come from AD)
// are listed as comments: ad-cleanup.ps1 finds them by UPN.
func (f *facts) adCleanupLDIF(b *bufio.Writer) {
	users := f.adUsers()
	b.WriteString("version: 1\n")
	fmt.Fprintf(b, "# numsync %s: clears %s of %d users so that their Calling Plan or\n", numsync.OneLine(f.in.RunID), onPremLineAttr, len(users))
	b.WriteString("# Operator Connect numbers can be assigned (rule R12, ONPREM_LINE_SET).\n")
	b.WriteString("# Check:  ldapmodify -n -f ad-cleanup.ldif\n")
	b.WriteString("# Apply:  ldapmodify -c -H ldaps://DC -D BIND-DN -W -f ad-cleanup.ldif\n")
	b.WriteString("# (-c goes on past users whose attribute is already empty.)\n")
	for _, u := range users {
		b.WriteString("\n")
		fmt.Fprintf(b, "# %s waits for %s\n", numsync.OneLine(u.UPN), numsync.OneLine(strings.Join(u.Numbers, " ")))
		if u.DN == "" {
			b.WriteString("# no DN known for this user (not read from AD): see ad-cleanup.ps1, which finds it by UPN\n")
			continue
		}
		if u.Line != "" {
			fmt.Fprintf(b, "# current %s: %s\n", onPremLineAttr, numsync.OneLine(u.Line))
		}
		b.WriteString(ldifDN(u.DN))
		b.WriteString("\n")
		b.WriteString("changetype: modify\n")
		b.WriteString("delete: " + onPremLineAttr + "\n")
		b.WriteString("-\n")
	}
}

// adCleanupPS1 writes the same clean-up as Set-ADUser calls for the
// ActiveDirectory PowerShell module. A user with a DN is named by it. A user
// without one is looked up by UPN with a -Filter on userPrincipalName, not
// by guessing a sAMAccountName from the UPN (they often differ); the lookup
// insists on exactly one match.
func (f *facts) adCleanupPS1(w *bufio.Writer) {
	users := f.adUsers()
	steps := func(s *psScript) {
		for _, u := range users {
			s.blank()
			s.comment(u.UPN, " waits for ", strings.Join(u.Numbers, " "), " (current ", onPremLineAttr, ": ", u.Line, ")")
			if u.DN != "" {
				s.call("Set-ADUser", []psArg{
					{name: "Identity", value: u.DN},
					{name: "Clear", value: onPremLineAttr, bare: true}},
					"clear ", onPremLineAttr, " of ", u.DN)
				continue
			}
			s.call("Set-ADUser", []psArg{
				{name: "Identity", value: u.UPN, wrap: "(Find-UserByUpn -Upn %s)"},
				{name: "Clear", value: onPremLineAttr, bare: true}},
				"clear ", onPremLineAttr, " of ", u.UPN)
		}
	}
	comments := []string{
		fmt.Sprintf("ad-cleanup.ps1: numsync %s clears %s of %d users so that their Calling Plan", f.in.RunID, onPremLineAttr, len(users)),
		"or Operator Connect numbers can be assigned (rule R12, ONPREM_LINE_SET).",
		"Run it on a machine with the ActiveDirectory module, as an account that may write",
		"the attribute. It stops at the first error; each step is logged to ad-cleanup.log",
		"beside this script. After the change is synchronised, the next numsync run assigns the numbers.",
	}
	header := "#Requires -Modules ActiveDirectory\n" + psLogHeader("ad-cleanup.log") + `function Find-UserByUpn([string]$Upn) {
    $found = @(Get-ADUser -Filter 'UserPrincipalName -eq $Upn')
    if ($found.Count -ne 1) { throw ('expected one AD user with UPN {0}, found {1}' -f $Upn, $found.Count) }
    $found[0]
}
`
	writePSScript(w, comments, header, steps)
}
