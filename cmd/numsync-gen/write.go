package main

import (
	"bufio"
	"encoding/base64"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/numsync/numsync"
)

// outFile is one output file written through a large buffer.
type outFile struct {
	path string
	f    *os.File
	w    *bufio.Writer
}

func create(path string) (*outFile, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, err
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	return &outFile{path: path, f: f, w: bufio.NewWriterSize(f, 256<<10)}, nil
}

// close flushes and closes the file, returning the first error of either.
func (o *outFile) close() error {
	err := o.w.Flush()
	if cerr := o.f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("writing %s: %w", o.path, err)
	}
	return nil
}

// csvFile is an output CSV file. Fields are quoted only where CSV needs it
// (or always, as PowerShell's Export-Csv does). Write errors stick in the
// buffer and come back from close, so rows are written without checks.
type csvFile struct {
	*outFile
	comma    byte
	crlf     bool
	quoteAll bool
}

func createCSV(path string) (*csvFile, error) {
	o, err := create(path)
	if err != nil {
		return nil, err
	}
	return &csvFile{outFile: o, comma: ','}, nil
}

// write writes one record.
func (c *csvFile) write(rec ...string) {
	w := c.w
	for i, f := range rec {
		if i > 0 {
			w.WriteByte(c.comma)
		}
		if !c.quoteAll && !c.needsQuotes(f) {
			w.WriteString(f)
			continue
		}
		w.WriteByte('"')
		for {
			j := strings.IndexByte(f, '"')
			if j < 0 {
				break
			}
			w.WriteString(f[:j+1])
			w.WriteByte('"')
			f = f[j+1:]
		}
		w.WriteString(f)
		w.WriteByte('"')
	}
	if c.crlf {
		w.WriteByte('\r')
	}
	w.WriteByte('\n')
}

func (c *csvFile) needsQuotes(f string) bool {
	if f == "" {
		return false
	}
	if f[0] == ' ' || f[0] == '\t' {
		return true
	}
	for i := 0; i < len(f); i++ {
		switch f[i] {
		case c.comma, '"', '\r', '\n':
			return true
		}
	}
	return false
}

// writeCSV creates path, writes the header, lets fill write the records
// and closes the file.
func writeCSV(path string, header []string, fill func(c *csvFile) error) error {
	c, err := createCSV(path)
	if err != nil {
		return err
	}
	c.write(header...)
	err = fill(c)
	if cerr := c.close(); err == nil {
		err = cerr
	}
	return err
}

func boolText(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

// psBool is how PowerShell's Export-Csv writes a boolean.
func psBool(b bool) string {
	if b {
		return "True"
	}
	return "False"
}

// UsersHeader is the header of users.csv.
var UsersHeader = []string{"UserPrincipalName", "DisplayName", "ObjectId", "UsageLocation", "AccountEnabled", "Licenses", "IsResourceAccount", "OnPremLineURI", "Mail"}

func (t *tenant) writeUsersCSV(path string) error {
	pcg := rand.NewPCG(0, 0)
	r := rand.New(pcg)
	return writeCSV(path, UsersHeader, func(w *csvFile) error {
		for i := range t.users {
			u := &t.users[i]
			id := t.identityOf(i, pcg, r)
			w.write(id.upn, id.display, id.objectID, t.cs[u.country].iso,
				boolText(!u.has(fDisabled)), u.licenses(), boolText(u.has(fResource)), t.lineURI(i), id.mail)
		}
		return nil
	})
}

// Group DNs that the directory mapping turns into licences and roles.
const (
	groupCallingPlan = "CN=Lic-CallingPlan,OU=Groups," + domainDN
	groupTeamsPhone  = "CN=Lic-TeamsPhone,OU=Groups," + domainDN
	groupTelephony   = "CN=Teams Telephony Administrators,OU=Admin Roles,OU=Groups," + domainDN
)

// ldifWidth is where ldapsearch folds long lines.
const ldifWidth = 76

// writeLDIF writes the users as `ldapsearch -L` prints them from AD:
// comments, base64 for binary and non-ASCII values, lines folded at 76.
func (t *tenant) writeLDIF(path string) error {
	o, err := create(path)
	if err != nil {
		return err
	}
	w := o.w
	fmt.Fprintf(w, "version: 1\n\n#\n# LDAPv3\n# base <%s> with scope subtree\n", domainDN)
	fmt.Fprintf(w, "# filter: (&(objectCategory=person)(userPrincipalName=*))\n")
	fmt.Fprintf(w, "# requesting: cn sn givenName displayName sAMAccountName\n")
	fmt.Fprintf(w, "#  userPrincipalName mail objectGUID msDS-ExternalDirectoryObjectId c\n")
	fmt.Fprintf(w, "#  userAccountControl memberOf msRTCSIP-Line\n")
	fmt.Fprintf(w, "# with pagedResults control: size=500\n#\n")
	pcg := rand.NewPCG(0, 0)
	r := rand.New(pcg)
	var line []byte
	attr := func(name, value string) {
		line = append(line[:0], name...)
		if needsBase64(value) {
			line = append(line, ":: "...)
			line = base64.StdEncoding.AppendEncode(line, []byte(value))
		} else {
			line = append(line, ": "...)
			line = append(line, value...)
		}
		writeFolded(w, line)
	}
	for i := range t.users {
		u := &t.users[i]
		id := t.identityOf(i, pcg, r)
		c := t.cs[u.country]
		// ldapsearch's comment: the DN's values, the domain as a name.
		if u.has(fResource) {
			fmt.Fprintf(w, "\n# %s, ResourceAccounts, %s\n", id.cn, domain)
		} else {
			fmt.Fprintf(w, "\n# %s, Users, %s, %s\n", id.cn, c.iso, domain)
		}
		attr("dn", id.dn)
		for _, oc := range []string{"top", "person", "organizationalPerson", "user"} {
			attr("objectClass", oc)
		}
		attr("cn", id.cn)
		if id.surname != "" {
			attr("sn", id.surname)
			attr("givenName", id.given)
		}
		attr("displayName", id.display)
		attr("sAMAccountName", id.sam)
		attr("userPrincipalName", id.upn)
		if id.mail != "" {
			attr("mail", id.mail)
		}
		line = append(line[:0], "objectGUID:: "...)
		line = base64.StdEncoding.AppendEncode(line, adGUIDBytes(id.objectID))
		writeFolded(w, line)
		attr("msDS-ExternalDirectoryObjectId", "User_"+id.objectID)
		attr("c", c.iso)
		attr("userAccountControl", strconv.Itoa(accountControl(u, i)))
		if u.has(fCallingPlan) {
			attr("memberOf", groupCallingPlan)
		}
		if u.has(fTeamsPhone) {
			attr("memberOf", groupTeamsPhone)
		}
		if u.has(fAdmin) {
			attr("memberOf", groupTelephony)
		}
		if l := t.lineURI(i); l != "" {
			attr("msRTCSIP-Line", l)
		}
	}
	fmt.Fprintf(w, "\n# search result\n# numResponses: %d\n# numEntries: %d\n", len(t.users)+1, len(t.users))
	return o.close()
}

// accountControl is userAccountControl: a normal account (0x200), disabled
// (0x2) or not; some accounts also carry "password never expires"
// (0x10000), as service-like accounts do, so that readers test the bit
// rather than the value.
func accountControl(u *userRec, i int) int {
	v := 512
	if u.has(fDisabled) {
		v |= 2
	}
	if u.has(fResource) || i%17 == 5 {
		v |= 0x10000
	}
	return v
}

// needsBase64 reports whether an LDIF value must be written base64
// (RFC 2849: not a SAFE-STRING, or ending in a space).
func needsBase64(v string) bool {
	if v == "" {
		return false
	}
	switch v[0] {
	case ' ', ':', '<':
		return true
	}
	if v[len(v)-1] == ' ' {
		return true
	}
	for i := 0; i < len(v); i++ {
		if c := v[i]; c == 0 || c == '\n' || c == '\r' || c >= 0x80 {
			return true
		}
	}
	return false
}

// writeFolded writes one LDIF line, folded into lines of at most ldifWidth
// bytes whose continuations start with a space. Only ASCII reaches here
// (anything else is base64), so cutting at any byte is safe.
func writeFolded(w *bufio.Writer, line []byte) {
	n := min(len(line), ldifWidth)
	w.Write(line[:n])
	w.WriteByte('\n')
	for line = line[n:]; len(line) > 0; {
		n = min(len(line), ldifWidth-1)
		w.WriteByte(' ')
		w.Write(line[:n])
		w.WriteByte('\n')
		line = line[n:]
	}
}

// LocationsHeader is the header of locations.csv.
var LocationsHeader = []string{"LocationId", "Description", "CompanyName", "HouseNumber", "StreetName", "City", "StateOrProvince", "PostalCode", "CountryOrRegion"}

func (t *tenant) writeLocations(path string) error {
	return writeCSV(path, LocationsHeader, func(w *csvFile) error {
		for _, c := range t.cs {
			for j, l := range c.offices {
				w.write(c.locIDs[j], l.description, l.company, l.house, l.street, l.city, l.state, l.postal, c.iso)
			}
		}
		return nil
	})
}

// operator is who supplies numbers of a kind, as the exports name it.
type operator struct {
	id, partnerID, name string
}

var (
	opMicrosoft = operator{"5b0a7cc6-0b5f-4a8e-9b44-0c2d7f0e1a01", "7fc2f2eb-89aa-41d7-93de-73d015d22ff0", "Microsoft"}
	opFabrikam  = operator{"2f6b9d1e-4c3a-4f7e-8a21-6d5e0b9c3a02", "9e1c4a7b-2d3f-4b6e-a8c5-1f0d7e2b4c03", "Fabrikam Telecom"}
	opNorthwind = operator{"8c3e1f5a-7b2d-4e9c-b6a4-3d1f0e8c5b04", "4a2d6c8e-1f3b-4d5a-9c7e-2b0f8d6a1e05", "Northwind Mobile"}
)

func (k kind) operator() operator {
	switch k.numberType() {
	case numsync.CallingPlan:
		return opMicrosoft
	case numsync.OperatorConnect:
		if k == kOCMobile {
			return opNorthwind
		}
		return opFabrikam
	}
	return operator{}
}

func (k kind) source() string {
	if k == kDR {
		return numsync.SourceOnPremises
	}
	return numsync.SourceOnline
}

// capsText writes capabilities as the acquired-numbers export does
// ("{UserAssignment, VoiceApplicationAssignment}") or joined with sep.
func capsText(caps []numsync.Capability, braces bool) string {
	s := make([]string, len(caps))
	for i, c := range caps {
		s[i] = string(c)
	}
	if braces {
		return "{" + strings.Join(s, ", ") + "}"
	}
	return strings.Join(s, ",")
}

// numberView is one inventory number with everything both exports write.
type numberView struct {
	e164, locID, civicID, city, targetID, targetType, status, category string
	kind                                                               kind
	iso                                                                string
	acquired                                                           string
}

// eachNumber calls fn for every inventory number, country by country in
// ascending order.
func (t *tenant) eachNumber(fn func(*numberView) error) error {
	pcg := rand.NewPCG(0, 0)
	r := rand.New(pcg)
	var v numberView
	var buf []byte
	epoch := time.Date(2019, 1, 7, 0, 0, 0, 0, time.UTC)
	var acquired string
	for _, c := range t.cs {
		for a := range c.nums {
			n := &c.nums[a]
			buf = c.appendE164(buf[:0], uint32(a))
			v = numberView{e164: string(buf), kind: n.kind, iso: c.iso, status: "Unassigned"}
			if n.loc > 0 {
				v.locID, v.civicID = c.locIDs[n.loc-1], c.civicIDs[n.loc-1]
				v.city = c.offices[n.loc-1].city
			}
			if n.holder >= 0 {
				u := &t.users[n.holder]
				v.targetID = t.objectIDOf(int(n.holder), pcg, r)
				v.category = string(numsync.Primary)
				if n.priv {
					v.category = string(numsync.Private)
				}
				v.targetType, v.status = "User", "UserAssigned"
				if u.has(fResource) {
					v.targetType, v.status = "ResourceAccount", "VoiceApplicationAssigned"
				}
			}
			// Numbers are bought in runs: one date per order of 25.
			if a%25 == 0 {
				order := splitmix(t.seed ^ uint64(c.idx)<<32 ^ uint64(a/25))
				acquired = epoch.AddDate(0, 0, int(order%2000)).Format("2006-01-02T15:04:05Z")
			}
			v.acquired = acquired
			if err := fn(&v); err != nil {
				return err
			}
		}
	}
	return nil
}

func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return x ^ x>>31
}

// AcquiredHeader is the header of inventory.csv, the file that
// Export-CsAcquiredPhoneNumber produces (all its documented properties, in
// their documented order).
var AcquiredHeader = []string{"TelephoneNumber", "OperatorId", "NumberType", "LocationId", "CivicAddressId", "NetworkSiteId",
	"AvailableCapabilities", "AcquiredCapabilities", "AssignmentStatus", "PlaceName", "ActivationState", "PartnerName",
	"IsoCountryCode", "PortInOrderStatus", "CapabilityUpdateSupported", "AcquisitionDate", "TargetId", "TargetType",
	"AssignmentCategory", "CallingProfileId", "IsoSubdivisionCode", "NumberSource", "SupportedCustomerActions",
	"ReverseNumberLookup", "RoutingOptions"}

func (t *tenant) writeAcquired(path string) error {
	return writeCSV(path, AcquiredHeader, func(w *csvFile) error {
		rec := make([]string, len(AcquiredHeader))
		return t.eachNumber(func(v *numberView) error {
			op := v.kind.operator()
			caps := capsText(v.kind.caps(), true)
			rec = append(rec[:0], v.e164, op.id, string(v.kind.numberType()), v.locID, v.civicID, "",
				caps, caps, v.status, v.city, "Activated", op.name,
				v.iso, "", psBool(v.kind != kDR), v.acquired, v.targetID, v.targetType,
				v.category, "", "", v.kind.source(), "",
				"", "")
			w.write(rec...)
			return nil
		})
	})
}

// AssignmentsHeader is the header of inventory-assignments.csv:
// Get-CsPhoneNumberAssignment piped through
// Select-Object *, @{n='Capability';e={$_.Capability -join ','}} -ExcludeProperty Capability,ReverseNumberLookup,Tag
// and Export-Csv -NoTypeInformation, which is why Capability comes last.
var AssignmentsHeader = []string{"TelephoneNumber", "OperatorId", "NumberType", "ActivationState", "AssignedPstnTargetId",
	"AssignmentCategory", "City", "CivicAddressId", "IsoCountryCode", "IsoSubdivision", "LocationId",
	"LocationUpdateSupported", "NetworkSiteId", "PortInOrderStatus", "PstnAssignmentStatus", "PstnPartnerId",
	"PstnPartnerName", "NumberSource", "Capability"}

// writeAssignments writes the second export as Windows PowerShell's
// Export-Csv does: every field quoted, CRLF line ends.
func (t *tenant) writeAssignments(path string) error {
	c, err := createCSV(path)
	if err != nil {
		return err
	}
	c.quoteAll, c.crlf = true, true
	c.write(AssignmentsHeader...)
	rec := make([]string, 0, len(AssignmentsHeader))
	err = t.eachNumber(func(v *numberView) error {
		op := v.kind.operator()
		rec = append(rec[:0], v.e164, op.id, string(v.kind.numberType()), "Activated", v.targetID,
			v.category, v.city, v.civicID, v.iso, "", v.locID,
			psBool(!v.kind.locationFixed()), "", "", v.status, op.partnerID,
			op.name, v.kind.source(), capsText(v.kind.caps(), false))
		c.write(rec...)
		return nil
	})
	if cerr := c.close(); err == nil {
		err = cerr
	}
	return err
}
