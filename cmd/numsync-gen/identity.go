package main

import (
	"encoding/hex"
	"math/rand/v2"
	"strconv"
	"strings"
)

// domain is the sample organisation's UPN suffix and AD domain.
const (
	domain   = "contoso.com"
	domainDN = "DC=contoso,DC=com"
)

// newGUID draws a random (version 4) GUID in its canonical form.
func newGUID(r *rand.Rand) string {
	var b [16]byte
	lo, hi := r.Uint64(), r.Uint64()
	for i := range 8 {
		b[i] = byte(lo >> (8 * i))
		b[8+i] = byte(hi >> (8 * i))
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	var s [36]byte
	hex.Encode(s[0:8], b[0:4])
	s[8] = '-'
	hex.Encode(s[9:13], b[4:6])
	s[13] = '-'
	hex.Encode(s[14:18], b[6:8])
	s[18] = '-'
	hex.Encode(s[19:23], b[8:10])
	s[23] = '-'
	hex.Encode(s[24:], b[10:])
	return string(s[:])
}

// adGUIDBytes returns the 16 bytes of objectGUID as AD stores them: the
// first three groups little-endian, the last two as written.
func adGUIDBytes(guid string) []byte {
	raw, err := hex.DecodeString(strings.ReplaceAll(guid, "-", ""))
	if err != nil || len(raw) != 16 {
		return nil
	}
	b := make([]byte, 16)
	b[0], b[1], b[2], b[3] = raw[3], raw[2], raw[1], raw[0]
	b[4], b[5] = raw[5], raw[4]
	b[6], b[7] = raw[7], raw[6]
	copy(b[8:], raw[8:])
	return b
}

// identity is a user as the output files spell it.
type identity struct {
	upn, display, given, surname, cn, sam, mail, objectID, dn string
}

// identityOf derives user i's names and ids. pcg and r are scratch state
// the caller reuses, so that a million users cost no allocations of them.
func (t *tenant) identityOf(i int, pcg *rand.PCG, r *rand.Rand) identity {
	u := &t.users[i]
	c := t.cs[u.country]
	var id identity
	id.objectID = t.objectIDOf(i, pcg, r)
	if u.has(fResource) {
		nd := uint32(len(departments))
		dept := departments[u.ordinal%nd]
		round := u.ordinal / nd
		what, prefix := "Auto Attendant", "aa"
		if round%2 == 1 {
			what, prefix = "Call Queue", "cq"
		}
		city := c.offices[round/2%2].city
		local := prefix + "-" + strings.ToLower(dept) + "-" + asciiName(city)
		id.display = dept + ", " + city + " (" + what + ")"
		if round >= 4 {
			n := strconv.FormatUint(uint64(round/4+1), 10)
			local += "-" + n
			id.display += " " + n
		}
		id.upn = local + "@" + domain
		id.cn = id.display
		id.sam = samName(local)
		id.dn = "CN=" + escapeRDN(id.cn) + ",OU=ResourceAccounts," + domainDN
		return id
	}
	first, last, round := c.pool.names(u.ordinal)
	local := c.pool.upnLocal(u.ordinal)
	id.given, id.surname = first, last
	id.display = first + " " + last
	id.cn = id.display
	if round > 0 {
		id.cn += " (" + strconv.FormatUint(uint64(round)+1, 10) + ")"
	}
	id.upn = local + "@" + domain
	id.mail = id.upn
	id.sam = samName(local)
	id.dn = "CN=" + escapeRDN(id.cn) + ",OU=Users,OU=" + c.iso + "," + domainDN
	return id
}

// objectIDOf derives user i's cloud object id alone.
func (t *tenant) objectIDOf(i int, pcg *rand.PCG, r *rand.Rand) string {
	pcg.Seed(t.seed, streamPerUser+uint64(i))
	return newGUID(r)
}

// samName is the pre-Windows 2000 logon name: at most 20 characters.
func samName(local string) string {
	if len(local) > 20 {
		return local[:20]
	}
	return local
}

// escapeRDN escapes an attribute value for a DN (RFC 4514).
func escapeRDN(v string) string {
	if !strings.ContainsAny(v, ",+\"\\<>;=") && !strings.HasPrefix(v, " ") && !strings.HasPrefix(v, "#") && !strings.HasSuffix(v, " ") {
		return v
	}
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		ch := v[i]
		switch {
		case strings.IndexByte(",+\"\\<>;=", ch) >= 0,
			i == 0 && (ch == ' ' || ch == '#'),
			i == len(v)-1 && ch == ' ':
			b.WriteByte('\\')
		}
		b.WriteByte(ch)
	}
	return b.String()
}

// licenses writes the user's licences as users.csv lists them.
func (u *userRec) licenses() string {
	switch {
	case u.has(fCallingPlan) && u.has(fTeamsPhone):
		return "CallingPlan;TeamsPhone"
	case u.has(fTeamsPhone):
		return "TeamsPhone"
	case u.has(fCallingPlan):
		return "CallingPlan"
	}
	return ""
}

// lineURI is the user's msRTCSIP-Line, empty unless hybrid.
func (t *tenant) lineURI(i int) string {
	u := &t.users[i]
	if !u.has(fHybrid) {
		return ""
	}
	e := t.cs[u.country].e164(u.line)
	if u.has(fLineExt) {
		return "tel:" + e + ";ext=" + e[len(e)-3:]
	}
	return "tel:" + e
}
