package ldapsync

import (
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/go-ldap/ldap/v3"

	"github.com/numsync/numsync"
)

// Record is one directory entry mapped to a user, with what the user type
// has no room for and the values that could not be used as they were.
type Record struct {
	User numsync.User
	// GUID is objectGUID in its canonical text form
	// ("f81d4fae-7dec-11d0-a765-00a0c91e6bf6"), empty when missing.
	GUID string
	// Roles are the admin roles granted through role_groups, sorted.
	Roles []numsync.Role
	// Place is where the entry was read: the LDIF file and the entry's
	// line, or the server URL and, as line, 0.
	Place numsync.Source
	// Problems are values the mapping could not use: an msRTCSIP-Line that
	// is not a number (kept raw in User.OnPremLine), a malformed GUID,
	// usage location or userAccountControl.
	Problems []numsync.Issue
}

// uacDisabled is the ACCOUNTDISABLE bit of userAccountControl.
const uacDisabled = 0x2

// dnCacheMax bounds the memo of normalised group DNs: groups repeat across
// users, so a few thousand distinct ones cover most directories, and the
// bound keeps a directory with millions of groups from growing it forever.
const dnCacheMax = 50000

// mapper is a [Mapping] ready to use: group DNs normalised, licence and
// role names parsed.
type mapper struct {
	attrs       Attributes
	source      string
	licenses    map[string]numsync.License // normalised group DN → licence
	roles       map[string]numsync.Role    // normalised group DN → role
	resourceOUs []string                   // normalised OU DNs
	resAttr     string
	resValue    string
	dnCache     map[string]string
}

// compile checks m and builds its mapper. Problems carry keys relative to
// the `directory:` section.
func (m Mapping) compile(source string) (*mapper, []*ConfigError) {
	var problems []*ConfigError
	bad := func(key, format string, args ...any) {
		problems = append(problems, &ConfigError{Key: key, Msg: fmt.Sprintf(format, args...)})
	}
	mp := &mapper{
		attrs:    m.Attributes.withDefaults(),
		source:   source,
		licenses: map[string]numsync.License{},
		roles:    map[string]numsync.Role{},
		resAttr:  m.ResourceAccounts.Attribute,
		resValue: m.ResourceAccounts.Value,
		dnCache:  map[string]string{},
	}
	for dn, name := range m.LicenseGroups {
		key := fmt.Sprintf("license_groups[%q]", dn)
		l, err := numsync.ParseLicense(name)
		if err != nil {
			bad(key, "%v", err)
		}
		if n, err := normDN(dn); err != nil {
			bad(key, "not a DN: %v", err)
		} else {
			mp.licenses[n] = l
		}
	}
	for dn, name := range m.RoleGroups {
		key := fmt.Sprintf("role_groups[%q]", dn)
		r, err := numsync.ParseRole(name)
		if err != nil {
			bad(key, "%v", err)
		}
		if n, err := normDN(dn); err != nil {
			bad(key, "not a DN: %v", err)
		} else {
			mp.roles[n] = r
		}
	}
	for i, ou := range m.ResourceAccounts.OUs {
		n, err := normDN(ou)
		if err != nil || n == "" {
			bad(fmt.Sprintf("resource_accounts.ous[%d]", i), "%q is not a DN", ou)
			continue
		}
		mp.resourceOUs = append(mp.resourceOUs, n)
	}
	if (mp.resAttr == "") != (mp.resValue == "") {
		bad("resource_accounts", "set both attribute and value (an entry is a resource account when attribute has value), or neither")
	}
	return mp, problems
}

// requested lists the attributes a search must ask for.
func (m *mapper) requested() []string {
	a := m.attrs
	names := []string{a.UPN, a.DisplayName, a.Mail, a.GUID, a.CloudID, a.UsageLocation, a.UserAccountControl, a.Line}
	if len(m.licenses)+len(m.roles) > 0 {
		names = append(names, a.MemberOf)
	}
	if m.resAttr != "" {
		names = append(names, m.resAttr)
	}
	var out []string
	for _, n := range names {
		if !slices.ContainsFunc(out, func(o string) bool { return strings.EqualFold(o, n) }) {
			out = append(out, n)
		}
	}
	return out
}

// mapEntry maps e. It reports false for an entry without a user principal
// name, which cannot be an identity numsync manages (an OU, a group, a
// computer, a service account). file and line place problems: the server
// URL for LDAP, the LDIF file and the entry's line otherwise.
func (m *mapper) mapEntry(e *ldap.Entry, file string, line int) (Record, bool) {
	a := m.attrs
	upn := strings.TrimSpace(first(e, a.UPN))
	if upn == "" {
		return Record{}, false
	}
	rec := Record{Place: numsync.Source{File: file, Line: line}, User: numsync.User{
		UPN:         upn,
		DisplayName: strings.TrimSpace(first(e, a.DisplayName)),
		Mail:        strings.TrimSpace(first(e, a.Mail)),
		DN:          e.DN,
		Kind:        numsync.KindUser,
		Enabled:     true,
		Source:      m.source,
	}}
	problem := func(code numsync.Reason, attr, value, msg, hint string) {
		rec.Problems = append(rec.Problems, numsync.Issue{
			Code: code, UPN: upn, Number: value, File: file, Line: line, Column: attr,
			Message: e.DN + ": " + msg, Hint: hint,
		})
	}

	if raw := values(e, a.GUID); len(raw) > 0 {
		g, err := formatGUID(raw[0])
		if err != nil {
			problem(numsync.BadRow, a.GUID, "", err.Error(), "")
		}
		rec.GUID = g
	}
	if id := strings.TrimSpace(first(e, a.CloudID)); id != "" {
		// Entra Connect writes the cloud object id back as "User_<id>";
		// number exports name the holder by the bare id.
		if len(id) > 5 && strings.EqualFold(id[:5], "User_") {
			id = id[5:]
		}
		rec.User.ObjectID = strings.ToLower(id)
	}
	if c := strings.ToUpper(strings.TrimSpace(first(e, a.UsageLocation))); c != "" {
		if isCountryCode(c) {
			rec.User.UsageLocation = c
		} else {
			problem(numsync.BadRow, a.UsageLocation, "", fmt.Sprintf("usage location %q is not a two-letter country code", c), "set "+a.UsageLocation+" to an ISO 3166 code such as US or GB")
		}
	}
	if s := strings.TrimSpace(first(e, a.UserAccountControl)); s != "" {
		uac, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			// An account whose state cannot be read is treated as disabled,
			// so no number goes to an account that may be switched off.
			rec.User.Enabled = false
			problem(numsync.BadRow, a.UserAccountControl, "", fmt.Sprintf("%s %q is not a number; the account is taken as disabled", a.UserAccountControl, s), "")
		} else {
			rec.User.Enabled = uac&uacDisabled == 0
		}
	}
	if line := strings.TrimSpace(first(e, a.Line)); line != "" {
		// Kept as AD holds it ("tel:+61255502099;ext=12"): that is what an
		// admin searches for and clears, and what clear-line compares.
		rec.User.OnPremLine = line
		if _, err := numsync.ParseNumber(line, rec.User.UsageLocation); err != nil {
			hint := "correct or clear " + a.Line + " in AD"
			if ne, ok := err.(*numsync.NumberError); ok && ne.Hint != "" {
				hint = ne.Hint
			}
			problem(numsync.BadNumber, a.Line, line, fmt.Sprintf("%s: %v", a.Line, err), hint)
		}
	}
	if len(m.licenses)+len(m.roles) > 0 {
		for _, g := range values(e, a.MemberOf) {
			n := m.normGroup(string(g))
			if l, ok := m.licenses[n]; ok && !slices.Contains(rec.User.Licenses, l) {
				rec.User.Licenses = append(rec.User.Licenses, l)
			}
			if r, ok := m.roles[n]; ok && !slices.Contains(rec.Roles, r) {
				rec.Roles = append(rec.Roles, r)
			}
		}
		slices.Sort(rec.User.Licenses)
		slices.Sort(rec.Roles)
	}
	if m.isResource(e) {
		rec.User.Kind = numsync.KindResource
	}
	return rec, true
}

func (m *mapper) isResource(e *ldap.Entry) bool {
	if m.resAttr != "" {
		for _, v := range values(e, m.resAttr) {
			if strings.EqualFold(strings.TrimSpace(string(v)), m.resValue) {
				return true
			}
		}
	}
	if len(m.resourceOUs) == 0 {
		return false
	}
	dn, err := normDN(e.DN)
	if err != nil {
		return false
	}
	for _, ou := range m.resourceOUs {
		if strings.HasSuffix(dn, ","+ou) {
			return true
		}
	}
	return false
}

// normGroup normalises a memberOf value, remembering the result: the same
// few groups come back on most users.
func (m *mapper) normGroup(dn string) string {
	if n, ok := m.dnCache[dn]; ok {
		return n
	}
	n, err := normDN(dn)
	if err != nil {
		n = strings.ToLower(dn)
	}
	if len(m.dnCache) < dnCacheMax {
		m.dnCache[dn] = n
	}
	return n
}

// normDN gives the form two spellings of one DN share: attribute types and
// values lower-cased, spaces around separators dropped, escapes uniform.
func normDN(s string) (string, error) {
	if plainDN(s) {
		// Parsing is a large share of the mapping's time, and DNs as AD
		// returns them are already in the normal form but for case.
		return strings.ToLower(s), nil
	}
	dn, err := ldap.ParseDN(s)
	if err != nil {
		return "", err
	}
	return strings.ToLower(dn.String()), nil
}

// plainDN reports whether s is in the form [ldap.DN.String] writes, once
// lower-cased: no escapes, quotes, multi-valued RDNs or spaces next to a
// separator, and a "type=value" in every RDN.
func plainDN(s string) bool {
	if s == "" {
		return false
	}
	rdnStart, sawEq := 0, false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\', '"', '+', ';', '<', '>', '#':
			return false
		case '=':
			if sawEq || i == rdnStart || s[i-1] == ' ' || i+1 == len(s) || s[i+1] == ' ' || s[i+1] == ',' {
				return false
			}
			sawEq = true
		case ',':
			if !sawEq || s[i-1] == ' ' || i+1 == len(s) || s[i+1] == ' ' {
				return false
			}
			rdnStart, sawEq = i+1, false
		case ' ':
			if i == 0 || i+1 == len(s) {
				return false
			}
		default:
			if c < ' ' || c > '~' {
				return false
			}
		}
	}
	return sawEq
}

// values returns the values of the attribute called name, without regard
// to case or attribute options ("objectGUID;binary").
func values(e *ldap.Entry, name string) [][]byte {
	for _, a := range e.Attributes {
		base, _, _ := strings.Cut(a.Name, ";")
		if strings.EqualFold(base, name) {
			return a.ByteValues
		}
	}
	return nil
}

func first(e *ldap.Entry, name string) string {
	if v := values(e, name); len(v) > 0 {
		return string(v[0])
	}
	return ""
}

func isCountryCode(s string) bool {
	return len(s) == 2 && s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' && s[1] <= 'Z'
}

// formatGUID writes an objectGUID in canonical text form. AD stores it as
// 16 bytes whose first three fields are little-endian; exports made with
// PowerShell carry it as text already, with or without braces.
func formatGUID(b []byte) (string, error) {
	if len(b) == 16 {
		le := []byte{b[3], b[2], b[1], b[0], b[5], b[4], b[7], b[6]}
		h := hex.EncodeToString(append(le, b[8:]...))
		return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:], nil
	}
	s := strings.ToLower(strings.Trim(strings.TrimSpace(string(b)), "{}"))
	if len(s) == 36 && s[8] == '-' && s[13] == '-' && s[18] == '-' && s[23] == '-' {
		if _, err := hex.DecodeString(strings.ReplaceAll(s, "-", "")); err == nil {
			return s, nil
		}
	}
	return "", fmt.Errorf("objectGUID is %d bytes, not a 16-byte GUID", len(b))
}
