package ldapsync_test

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/go-ldap/ldap/v3"

	"github.com/numsync/numsync"
	"github.com/numsync/numsync/ldapsync"
)

// The test directory: users generated from their index by the rules of
// testUser, under three OUs, with groups, computers, a service account
// without UPN and referral objects mixed in.

const (
	staffOU     = "OU=Staff,DC=example,DC=com"
	contractOU  = "OU=Contractors,DC=example,DC=com"
	resourcesOU = "OU=Resource Accounts,DC=example,DC=com"

	callingPlanGroup = "CN=Teams Calling Plan,OU=Groups,DC=example,DC=com"
	phoneGroup       = "CN=Teams Phone,OU=Groups,DC=example,DC=com"
	adminGroup       = "CN=Teams Telephony Admins,OU=Groups,DC=example,DC=com"
	allStaffGroup    = "CN=All Staff,OU=Groups,DC=example,DC=com"

	// everyComputer puts one computer account (which has a UPN, so only
	// the filter keeps it out) after every so many users.
	everyComputer = 500
)

// testMapping is the mapping the tests configure. Group DNs are spelt
// differently from the memberOf values on purpose.
func testMapping() ldapsync.Mapping {
	return ldapsync.Mapping{
		LicenseGroups: map[string]string{
			"cn=teams calling plan, ou=groups, dc=example, dc=com": "Calling Plan",
			"CN=Teams Phone,OU=Groups,DC=Example,DC=Com":           "MCOEV",
		},
		RoleGroups: map[string]string{
			strings.ToLower(adminGroup): "Teams Telephony Administrator",
		},
		ResourceAccounts: ldapsync.ResourceAccounts{
			OUs:       []string{"ou=resource accounts,dc=example,dc=com"},
			Attribute: "extensionAttribute1",
			Value:     "TeamsResourceAccount",
		},
	}
}

// testUser is user i as the directory holds it (entry) and as the mapping
// must read it (want).
type testUser struct {
	entry *ldap.Entry
	want  ldapsync.Record
}

func userOU(i int) string {
	switch i % 10 {
	case 9:
		return resourcesOU
	case 8:
		return contractOU
	}
	return staffOU
}

// guidText is the canonical GUID of user i; cloudID its cloud object id.
func guidText(i int) string {
	return fmt.Sprintf("%08x-%04x-%04x-a1b2-%012x", uint32(i)*2654435761, i%65536, (i*7)%65536, i)
}

func cloudID(i int) string { return fmt.Sprintf("c10d%04x-0000-4000-8000-%012x", i%65536, i) }

// adGUIDBytes writes a canonical GUID in AD's byte order: the first three
// fields little-endian, the rest as written.
func adGUIDBytes(g string) []byte {
	b, err := hex.DecodeString(strings.ReplaceAll(g, "-", ""))
	if err != nil || len(b) != 16 {
		panic("bad test GUID " + g)
	}
	return append([]byte{b[3], b[2], b[1], b[0], b[5], b[4], b[7], b[6]}, b[8:]...)
}

func makeUser(i int) testUser {
	countries := []string{"US", "GB", "DE", "FR"}
	uacs := []int{514, 66050, 66048, 512, 512, 512, 512}
	upn := fmt.Sprintf("user%05d@example.com", i)
	dn := fmt.Sprintf("CN=User %05d,%s", i, userOU(i))
	u := numsync.User{
		UPN: upn, DisplayName: fmt.Sprintf("User %05d", i), Mail: upn, DN: dn,
		Kind: numsync.KindUser, Enabled: uacs[i%7]&2 == 0, Source: "ldap",
	}
	e := &ldap.Entry{DN: dn}
	add := func(name string, vals ...string) {
		a := &ldap.EntryAttribute{Name: name, Values: vals}
		for _, v := range vals {
			a.ByteValues = append(a.ByteValues, []byte(v))
		}
		e.Attributes = append(e.Attributes, a)
	}
	add("objectClass", "top", "person", "organizationalPerson", "inetOrgPerson", "user")
	add("objectCategory", "person")
	add("cn", fmt.Sprintf("User %05d", i))
	add("sn", fmt.Sprintf("%05d", i))
	add("userPrincipalName", upn)
	if i%17 == 0 {
		u.DisplayName = fmt.Sprintf("Zoë Ångström %05d", i)
	}
	add("displayName", u.DisplayName)
	if i%9 == 4 {
		u.Mail = ""
	} else {
		add("mail", upn)
	}
	add("userAccountControl", fmt.Sprint(uacs[i%7]))
	add("objectGUID", string(adGUIDBytes(guidText(i))))
	if i%4 != 3 {
		id := cloudID(i)
		if i%8 == 0 {
			id = strings.ToUpper(id)
		}
		add("msDS-ExternalDirectoryObjectId", "User_"+id)
		u.ObjectID = cloudID(i)
	}
	switch {
	case i%23 == 7:
	case i%11 == 5:
		add("c", strings.ToLower(countries[i%4]))
		u.UsageLocation = countries[i%4]
	default:
		add("c", countries[i%4])
		u.UsageLocation = countries[i%4]
	}
	groups := []string{allStaffGroup}
	var roles []numsync.Role
	if i%3 == 0 {
		groups = append(groups, callingPlanGroup)
		u.Licenses = append(u.Licenses, numsync.LicenseCallingPlan)
	}
	if i%2 == 0 {
		groups = append(groups, phoneGroup)
		u.Licenses = append(u.Licenses, numsync.LicenseTeamsPhone)
	}
	if i%97 == 0 {
		groups = append(groups, adminGroup)
		roles = []numsync.Role{numsync.RoleTeamsTelephonyAdmin}
	}
	add("memberOf", groups...)
	if i%10 == 9 {
		u.Kind = numsync.KindResource
	}
	if i%50 == 3 {
		add("extensionAttribute1", "TeamsResourceAccount")
		u.Kind = numsync.KindResource
	}
	var problems []numsync.Issue
	switch {
	case i%1000 == 505:
		add("msRTCSIP-Line", "tel:+1-425-BAD")
		u.OnPremLine = "tel:+1-425-BAD"
		problems = append(problems, numsync.Issue{Code: numsync.BadNumber, UPN: upn, Number: "tel:+1-425-BAD", Column: "msRTCSIP-Line"})
	case i%125 == 0:
		// The line is kept as AD holds it, spaces and all: that is what an
		// admin searches for and clears.
		add("msRTCSIP-Line", fmt.Sprintf("+44 20 7946 0%03d", i%1000))
		u.OnPremLine = fmt.Sprintf("+44 20 7946 0%03d", i%1000)
	case i%5 == 0:
		add("msRTCSIP-Line", fmt.Sprintf("tel:+1425555%04d;ext=%d", i%10000, i%1000))
		u.OnPremLine = fmt.Sprintf("tel:+1425555%04d;ext=%d", i%10000, i%1000)
	}
	return testUser{entry: e, want: ldapsync.Record{User: u, GUID: guidText(i), Roles: roles, Problems: problems}}
}

// plainEntry builds an entry from name/value pairs; repeated names in a
// row give one attribute with several values.
func plainEntry(dn string, pairs ...string) *ldap.Entry {
	e := &ldap.Entry{DN: dn}
	for i := 0; i+1 < len(pairs); i += 2 {
		name, v := pairs[i], pairs[i+1]
		if n := len(e.Attributes); n > 0 && e.Attributes[n-1].Name == name {
			a := e.Attributes[n-1]
			a.Values, a.ByteValues = append(a.Values, v), append(a.ByteValues, []byte(v))
			continue
		}
		e.Attributes = append(e.Attributes, &ldap.EntryAttribute{Name: name, Values: []string{v}, ByteValues: [][]byte{[]byte(v)}})
	}
	return e
}

// referralRefs are the continuation references the directory returns
// under OU=Staff (the URLs need not answer: references are skipped).
var referralRefs = []string{"ldap://dns.example.com/DC=DomainDnsZones,DC=example,DC=com", "ldap://dns.example.com/DC=ForestDnsZones,DC=example,DC=com"}

// exampleTree is the dc=example,dc=com database with n users, parents
// first as slapadd needs.
func exampleTree(n int) []*ldap.Entry {
	es := []*ldap.Entry{
		plainEntry("DC=example,DC=com", "objectClass", "dcObject", "objectClass", "organization", "dc", "example", "o", "Example"),
	}
	for _, ou := range []string{"Staff", "Contractors", "Resource Accounts", "Groups", "Service"} {
		es = append(es, plainEntry("OU="+ou+",DC=example,DC=com", "objectClass", "organizationalUnit", "ou", ou))
	}
	es = append(es,
		plainEntry(bindDN, "objectClass", "inetOrgPerson", "cn", "svc-numsync", "sn", "numsync", "userPassword", bindPassword),
		plainEntry(writerDN, "objectClass", "inetOrgPerson", "cn", "svc-line-writer", "sn", "writer", "userPassword", bindPassword),
		plainEntry("CN=svc-backup,"+staffOU, "objectClass", "inetOrgPerson", "objectClass", "user", "objectCategory", "person", "cn", "svc-backup", "sn", "backup"),
		plainEntry("CN=DomainDnsZones,"+staffOU, "objectClass", "referral", "objectClass", "extensibleObject", "cn", "DomainDnsZones", "ref", referralRefs[0]),
		plainEntry("CN=ForestDnsZones,"+staffOU, "objectClass", "referral", "objectClass", "extensibleObject", "cn", "ForestDnsZones", "ref", referralRefs[1]),
	)
	for _, g := range []string{callingPlanGroup, phoneGroup, adminGroup, allStaffGroup} {
		cn := strings.TrimPrefix(strings.Split(g, ",")[0], "CN=")
		es = append(es, plainEntry(g, "objectClass", "group", "objectCategory", "group", "cn", cn))
	}
	for i := range n {
		es = append(es, makeUser(i).entry)
		if i%everyComputer == everyComputer-1 {
			es = append(es, plainEntry(fmt.Sprintf("CN=PC%05d,%s", i, staffOU),
				"objectClass", "inetOrgPerson", "objectClass", "user", "objectClass", "computer", "objectCategory", "computer",
				"cn", fmt.Sprintf("PC%05d", i), "sn", "pc", "userPrincipalName", fmt.Sprintf("host/pc%05d@example.com", i)))
		}
	}
	return es
}

// secureTree is the database whose accounts may bind over TLS only.
func secureTree() []*ldap.Entry {
	return []*ldap.Entry{
		plainEntry("dc=secure,dc=test", "objectClass", "dcObject", "objectClass", "organization", "dc", "secure", "o", "Secure"),
		plainEntry(secureBindDN, "objectClass", "inetOrgPerson", "cn", "svc", "sn", "svc", "userPassword", bindPassword),
		plainEntry("CN=Only Over TLS,dc=secure,dc=test", "objectClass", "inetOrgPerson", "objectClass", "user", "objectCategory", "person",
			"cn", "Only Over TLS", "sn", "TLS", "userPrincipalName", "tls@secure.test"),
	}
}

// encodeLDIF writes entries as LDIF (as slapadd reads it: no version line), base64 where RFC 2849 requires it and
// folded at 76 columns, as ldapsearch does.
func encodeLDIF(es []*ldap.Entry) []byte {
	var b bytes.Buffer
	for _, e := range es {
		writeLine(&b, "dn", []byte(e.DN))
		for _, a := range e.Attributes {
			for _, v := range a.ByteValues {
				writeLine(&b, a.Name, v)
			}
		}
		b.WriteString("\n")
	}
	return b.Bytes()
}

func writeLine(b *bytes.Buffer, name string, v []byte) {
	line := name + ": " + string(v)
	if !safeLDIF(v) {
		line = name + ":: " + base64.StdEncoding.EncodeToString(v)
	}
	const width = 76
	for len(line) > width {
		b.WriteString(line[:width] + "\n ")
		line = line[width:]
	}
	b.WriteString(line + "\n")
}

func safeLDIF(v []byte) bool {
	if len(v) == 0 {
		return true
	}
	if v[0] == ' ' || v[0] == ':' || v[0] == '<' || v[len(v)-1] == ' ' {
		return false
	}
	for _, c := range v {
		if c == 0 || c == '\n' || c == '\r' || c > 0x7f {
			return false
		}
	}
	return true
}
