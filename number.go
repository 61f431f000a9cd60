package numsync

import (
	"cmp"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/nyaruka/phonenumbers"
)

// Number is a phone number in E.164 form ("+14255550101") with an optional
// extension, which only Direct Routing numbers may carry.
type Number struct {
	E164 string
	Ext  string
}

// String writes the number as Teams writes a line URI without the scheme:
// "+14255550101" or "+14255550101;ext=101".
func (n Number) String() string {
	if n.Ext == "" {
		return n.E164
	}
	return n.E164 + ";ext=" + n.Ext
}

// IsZero reports whether n is the empty number.
func (n Number) IsZero() bool { return n.E164 == "" }

// MarshalText writes the number as [Number.String] does.
func (n Number) MarshalText() ([]byte, error) { return []byte(n.String()), nil }

// UnmarshalText reads the form [Number.MarshalText] writes. It does not
// validate: plan files are written by numsync.
func (n *Number) UnmarshalText(b []byte) error {
	s := string(b)
	e164, ext, _ := strings.Cut(s, ";ext=")
	if e164 != "" && !strings.HasPrefix(e164, "+") {
		return fmt.Errorf("number %q is not in E.164 form", s)
	}
	*n = Number{E164: e164, Ext: ext}
	return nil
}

// Compare orders numbers by E.164 form, then extension, as the store's
// BINARY collation orders its (e164, ext) keys.
func (n Number) Compare(o Number) int {
	return cmp.Or(strings.Compare(n.E164, o.E164), strings.Compare(n.Ext, o.Ext))
}

// Country returns the ISO 3166 alpha-2 region of the number, or "" when the
// number is empty or belongs to no single region.
func (n Number) Country() string {
	if n.E164 == "" {
		return ""
	}
	// Most calling codes belong to one region: the code alone says it, as
	// it does inside the library, without parsing the number again.
	if regions := phonenumbers.GetRegionCodesForCountryCode(callingCode(n.E164)); len(regions) == 1 {
		if regions[0] == "001" {
			return ""
		}
		return regions[0]
	}
	p, err := phonenumbers.Parse(n.E164, "")
	if err != nil {
		return ""
	}
	r := phonenumbers.GetRegionCodeForNumber(p)
	if r == "ZZ" || r == "001" {
		return ""
	}
	return r
}

// callingCode is the country calling code that starts an E.164 number (the
// first one to three digits the metadata knows), or 0.
func callingCode(e164 string) int {
	if len(e164) < 2 || e164[0] != '+' || e164[1] == '0' {
		return 0
	}
	cc := 0
	for i := 1; i <= 3 && i < len(e164); i++ {
		d := e164[i]
		if d < '0' || d > '9' {
			return 0
		}
		cc = cc*10 + int(d-'0')
		if len(phonenumbers.GetRegionCodesForCountryCode(cc)) > 0 {
			return cc
		}
	}
	return 0
}

// plainDigits reports whether s is digits with at most a leading "+": the
// form most sheets and every export use, which needs neither the Excel nor
// the extension check.
func plainDigits(s string) bool {
	s = strings.TrimPrefix(s, "+")
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// NumberError says why a written number was refused, with a hint for the
// person who wrote it. Its Reason is [BadNumber].
type NumberError struct {
	Input string
	Msg   string
	Hint  string
}

func (e *NumberError) Error() string { return fmt.Sprintf("%q: %s", e.Input, e.Msg) }

// Reason returns [BadNumber].
func (e *NumberError) Reason() Reason { return BadNumber }

var (
	excelFloat = regexp.MustCompile(`^[+-]?\d+([.,]\d+)?[eE][+]?\d+$`)
	extSuffix  = regexp.MustCompile(`(?i)^(.*?)\s*(?:;\s*ext\s*=|\bext\.?|\bextension|\bx|#)\s*(\d{1,10})\s*$`)
)

const excelHint = "format the column as Text in Excel (or prefix the cell with an apostrophe) before saving, so the number keeps its digits and its leading +"

// ParseNumber normalises a number as admins write it: E.164 with or without
// "+", national format (read with defaultRegion, the user's usage location,
// when given), a "tel:" URI, and an extension written ";ext=101", "x101" or
// "ext. 101". A number that parses but is not valid for its country is
// refused; so is Excel damage (scientific notation, a lost "+"), with a hint
// rather than a guess.
func ParseNumber(s, defaultRegion string) (Number, error) {
	// Digits alone, or in the "tel:+digits;ext=digits" form of
	// msRTCSIP-Line, are read without the regular expressions when valid.
	t, ext := telParts(strings.TrimSpace(s))
	if plainDigits(t) {
		if t[0] != '+' && defaultRegion == "" {
			t = "+" + t
		}
		if n, ok := validE164(t); ok {
			n.Ext = ext
			return n, nil
		}
	}
	return parseNumber(s, defaultRegion)
}

// telParts takes a "tel:" prefix and a ";ext=" suffix of one to ten
// digits off s, as parseNumber reads them when nothing else surrounds them.
func telParts(s string) (number, ext string) {
	if len(s) > 4 && strings.EqualFold(s[:4], "tel:") {
		s = s[4:]
	}
	if i := strings.LastIndex(s, ";ext="); i >= 0 {
		if e := s[i+len(";ext="):]; len(e) <= 10 && plainDigits(e) && e[0] != '+' {
			return s[:i], e
		}
	}
	return s, ""
}

// libraryPunctuation matches one separator that phonenumbers skips in a
// number: dashes of every width, spaces, dots, slashes, brackets, tildes.
var libraryPunctuation = regexp.MustCompile("^[" + phonenumbers.VALID_PUNCTUATION + "]$")

// foldNumber rewrites what phonenumbers reads in a number but numsync's
// own checks would not: decimal digits of other scripts (the full-width
// digits of Japanese input methods, Arabic-Indic digits) become ASCII
// digits, the full-width plus becomes "+", and the separators the library
// knows (en dash, non-breaking hyphen, ideographic space…) become a space.
// An "x" is left alone: it marks an extension, which is read separately.
// Anything else stays, for the character check to refuse.
func foldNumber(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r < utf8.RuneSelf && r != '[' && r != ']' && r != '~':
			b.WriteRune(r)
		case unicode.IsDigit(r):
			if d := phonenumbers.NormalizeDigitsOnly(string(r)); len(d) == 1 && d[0] >= '0' && d[0] <= '9' {
				b.WriteString(d)
			} else {
				b.WriteRune(r)
			}
		case strings.ContainsRune(phonenumbers.PLUS_CHARS, r):
			b.WriteByte('+')
		case libraryPunctuation.MatchString(string(r)):
			b.WriteByte(' ')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// parseNumber is ParseNumber without the shortcut for valid E.164 numbers.
func parseNumber(s, defaultRegion string) (Number, error) {
	in := s
	s = strings.TrimSpace(s)
	if s == "" {
		return Number{}, &NumberError{Input: in, Msg: "empty number"}
	}
	var ext string
	if !plainDigits(s) {
		s = foldNumber(s)
		if excelFloat.MatchString(s) {
			return Number{}, &NumberError{Input: in, Msg: "the number was turned into scientific notation by a spreadsheet; its digits are lost", Hint: excelHint}
		}
		if len(s) > 4 && strings.EqualFold(s[:4], "tel:") {
			s = strings.TrimSpace(s[4:])
		}
		if m := extSuffix.FindStringSubmatch(s); m != nil {
			s, ext = strings.TrimSpace(m[1]), m[2]
		}
	}
	if s == "" {
		return Number{}, &NumberError{Input: in, Msg: "no digits before the extension"}
	}
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9', r == '+', r == ' ', r == '-', r == '(', r == ')', r == '.', r == '/', r == '\u00a0':
		default:
			return Number{}, &NumberError{Input: in, Msg: fmt.Sprintf("unexpected character %q", r)}
		}
	}
	region := strings.ToUpper(defaultRegion)
	plus := strings.HasPrefix(s, "+")
	var p *phonenumbers.PhoneNumber
	var err error
	if plus {
		p, err = phonenumbers.Parse(s, "")
	} else if region != "" {
		p, err = phonenumbers.Parse(s, region)
		if err == nil && !phonenumbers.IsValidNumber(p) {
			// E.164 written without "+": digits that are valid once "+" is
			// put back. Of the user's own country that is what the row
			// means; of another country it may be a typing error, so ask.
			if q, qerr := phonenumbers.Parse("+"+s, ""); qerr == nil && phonenumbers.IsValidNumber(q) {
				if phonenumbers.GetRegionCodeForNumber(q) != region {
					return Number{}, &NumberError{Input: in,
						Msg:  fmt.Sprintf("not a valid number for %s, the user's usage location", region),
						Hint: fmt.Sprintf("did you mean %s? write the +", phonenumbers.Format(q, phonenumbers.INTERNATIONAL))}
				}
				p = q
			}
		}
	} else {
		p, err = phonenumbers.Parse("+"+s, "")
	}
	if err != nil {
		ne := &NumberError{Input: in, Msg: "not a phone number: " + err.Error()}
		if !plus && region == "" {
			ne.Hint = "write the number in E.164 form (+ country code and number), or give the user a usage location so national numbers can be read"
		}
		return Number{}, ne
	}
	if !phonenumbers.IsValidNumber(p) {
		ne := &NumberError{Input: in, Msg: "not a valid number for its country"}
		if !plus {
			ne.Hint = "if the sheet went through Excel, the leading + may have been dropped; " + excelHint
		}
		return Number{}, ne
	}
	if p.GetExtension() != "" && ext == "" {
		ext = p.GetExtension()
	}
	return Number{E164: phonenumbers.Format(p, phonenumbers.E164), Ext: ext}, nil
}

// validE164 reads "+" and digits as phonenumbers.Parse would, without its
// regular expressions, and returns the number when it is valid (R2 is
// still phonenumbers.IsValidNumber). Whenever Parse could do more than
// split off the calling code (a national prefix that the region strips, an
// unknown code, a length out of range) or the number is not valid, ok is
// false and the full parse decides, so results are those of the full
// parse. It saves ~2/3 of a number's cost.
func validE164(s string) (n Number, ok bool) {
	if len(s) < 2 || s[0] != '+' {
		return Number{}, false
	}
	cc := callingCode(s)
	if cc == 0 {
		return Number{}, false
	}
	nsn := s[1+len(strconv.Itoa(cc)):]
	if len(nsn) < 2 || len(nsn) > 17 {
		return Number{}, false
	}
	prefix, known := nationalPrefix(cc)
	if !known || (prefix != nil && prefix.MatchString(nsn)) {
		return Number{}, false
	}
	p, ok := libNumber(cc, nsn)
	if !ok {
		return Number{}, false
	}
	if !phonenumbers.IsValidNumber(p) {
		return Number{}, false
	}
	return Number{E164: phonenumbers.Format(p, phonenumbers.E164)}, true
}

// libNumber builds the library's number from a calling code and a national
// significant number of digits, as phonenumbers.Parse would, without its
// regular expressions.
func libNumber(cc int, nsn string) (*phonenumbers.PhoneNumber, bool) {
	national, err := strconv.ParseUint(nsn, 10, 64)
	if err != nil || nsn == "" {
		return nil, false
	}
	code := int32(cc)
	p := &phonenumbers.PhoneNumber{CountryCode: &code, NationalNumber: &national}
	if nsn[0] == '0' && len(nsn) > 1 {
		// Leading zeros are kept beside the integer, as Parse keeps them.
		leading := true
		p.ItalianLeadingZero = &leading
		zeros := int32(1)
		for int(zeros) < len(nsn)-1 && nsn[zeros] == '0' {
			zeros++
		}
		if zeros != 1 {
			p.NumberOfLeadingZeros = &zeros
		}
	}
	return p, true
}

// Display writes the number as people read it, in the international format
// of its country: "+1 425-555-0101 ext. 12". A number that is not E.164 is
// written as it is stored.
func (n Number) Display() string {
	s := n.E164
	if cc := callingCode(n.E164); cc != 0 {
		if p, ok := libNumber(cc, n.E164[1+len(strconv.Itoa(cc)):]); ok {
			s = phonenumbers.Format(p, phonenumbers.INTERNATIONAL)
		}
	}
	if n.Ext != "" {
		s += " ext. " + n.Ext
	}
	return s
}

// nationalPrefixes holds, per calling code, the start of a national number
// that phonenumbers.Parse would try to strip as a national prefix (nil:
// none), compiled once per code.
var (
	nationalPrefixes sync.Map // int -> *regexp.Regexp
	metadata         = sync.OnceValue(func() *phonenumbers.PhoneMetadataCollection {
		c, _ := phonenumbers.MetadataCollection()
		return c
	})
)

// nationalPrefix returns the pattern Parse strips from the national number
// of calling code cc (the metadata of the code's main region), and whether
// the code's metadata was found.
func nationalPrefix(cc int) (*regexp.Regexp, bool) {
	if re, ok := nationalPrefixes.Load(cc); ok {
		return re.(*regexp.Regexp), true
	}
	c := metadata()
	if c == nil {
		return nil, false
	}
	region := phonenumbers.GetRegionCodeForCountryCode(cc)
	for _, m := range c.GetMetadata() {
		if m.GetId() != region || int(m.GetCountryCode()) != cc {
			continue
		}
		var re *regexp.Regexp
		if np := m.GetNationalPrefixForParsing(); np != "" {
			var err error
			if re, err = regexp.Compile("^(?:" + np + ")"); err != nil {
				return nil, false
			}
		}
		nationalPrefixes.Store(cc, re)
		return re, true
	}
	return nil, false
}

// NumberType is the PSTN connectivity that supplies a number.
type NumberType string

// The number types Teams knows. Teams Phone Mobile numbers are Operator
// Connect numbers.
const (
	CallingPlan     NumberType = "CallingPlan"
	OperatorConnect NumberType = "OperatorConnect"
	DirectRouting   NumberType = "DirectRouting"
)

// Label names the type as people write it: "Calling Plan", "Operator
// Connect", "Direct Routing" (an unknown type as it is).
func (t NumberType) Label() string {
	switch t {
	case CallingPlan:
		return "Calling Plan"
	case OperatorConnect:
		return "Operator Connect"
	case DirectRouting:
		return "Direct Routing"
	}
	return string(t)
}

// ANumber says "a number of this type" in a sentence: "a Calling Plan
// number", "an Operator Connect number".
func (t NumberType) ANumber() string {
	l := t.Label()
	if l != "" && strings.ContainsRune("AEIOUaeiou", rune(l[0])) {
		return "an " + l + " number"
	}
	return "a " + l + " number"
}

// ParseNumberType reads a number type with the aliases that exports and
// admins use; the empty string gives the empty type ("take the
// inventory's").
func ParseNumberType(s string) (NumberType, error) {
	switch squash(s) {
	case "":
		return "", nil
	case "callingplan", "calling", "cp", "microsoftcallingplan":
		return CallingPlan, nil
	case "operatorconnect", "oc", "teamsphonemobile", "ocmobile", "operatorconnectmobile", "mobile":
		return OperatorConnect, nil
	case "directrouting", "dr", "onpremises", "onprem":
		return DirectRouting, nil
	}
	return "", fmt.Errorf("unknown number type %q (want CallingPlan, OperatorConnect or DirectRouting)", s)
}

// Capability is what a number may be used for.
type Capability string

// Capabilities found in Microsoft's number exports.
const (
	CapUser       Capability = "UserAssignment"
	CapVoiceApp   Capability = "VoiceApplicationAssignment"
	CapConference Capability = "ConferenceAssignment"
	CapFirstParty Capability = "FirstPartyAppAssignment"
)

// ParseCapabilities reads a capability list in any of the forms the exports
// write: "{UserAssignment, ConferenceAssignment}", comma or semicolon
// separated, or space separated. Unknown names are kept as they are.
func ParseCapabilities(s string) []Capability {
	s = strings.Trim(strings.TrimSpace(s), "{}[]\"")
	fields := strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' || r == '|' || unicode.IsSpace(r) })
	var caps []Capability
	for _, f := range fields {
		f = strings.Trim(f, "\"'")
		if f == "" {
			continue
		}
		c := Capability(f)
		for _, k := range []Capability{CapUser, CapVoiceApp, CapConference, CapFirstParty} {
			if strings.EqualFold(f, string(k)) {
				c = k
			}
		}
		if !containsCap(caps, c) {
			caps = append(caps, c)
		}
	}
	return caps
}

func containsCap(caps []Capability, c Capability) bool {
	for _, x := range caps {
		if x == c {
			return true
		}
	}
	return false
}
