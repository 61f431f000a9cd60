package numsync

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestParseNumber(t *testing.T) {
	for _, c := range []struct {
		name, in, region string
		want             string // Number.String(); empty: refused
		hint             string // a word the hint must carry when refused
	}{
		{"E164", "+14255550101", "", "+14255550101", ""},
		{"E164WithoutPlus", "14255550101", "", "+14255550101", ""},
		{"E164WithoutPlusAndARegion", "442079460958", "GB", "+442079460958", ""},
		{"NationalWithUsageLocation", "(425) 555-0101", "US", "+14255550101", ""},
		{"NationalGerman", "030 1234567", "DE", "+49301234567", ""},
		{"TelURIWithExtension", "tel:+14255550101;ext=101", "", "+14255550101;ext=101", ""},
		{"ExtensionWithX", "+44 20 7946 0958 x12", "", "+442079460958;ext=12", ""},
		{"ExtensionWithExtDot", "+1 425 555 0101 ext. 7", "", "+14255550101;ext=7", ""},
		{"ExcelScientific", "1.42555E+10", "", "", "Text"},
		{"LostPlusMakesInvalid", "4420794609", "GB", "", "leading +"},
		{"NationalWithoutRegion", "4255550101", "", "", "usage location"},
		{"ValidLengthButInvalidNumber", "+1425555010", "", "", ""},
		{"Letters", "+14255550ABC", "", "", ""},
		{"OnlyExtension", "ext. 5", "US", "", ""},
		{"Empty", "  ", "", "", ""},
		// What the library reads, numsync reads: full-width digits and plus
		// (Japanese input methods), Unicode dashes and spaces.
		{"FullWidthDigits", "＋８１　３－１２３４－５６７８", "", "+81312345678", ""},
		{"FullWidthNational", "０３－１２３４－５６７８", "JP", "+81312345678", ""},
		{"EnDash", "+44 20–7946–0958", "", "+442079460958", ""},
		{"NonBreakingHyphen", "425‑555‑0101", "US", "+14255550101", ""},
		{"IdeographicSpaceAndExtension", "+1　425 555 0101 x１２", "", "+14255550101;ext=12", ""},
		{"ArabicIndicDigits", "+٤٤ ٢٠ ٧٩٤٦ ٠٩٥٨", "", "+442079460958", ""},
		{"ControlCharacterStillRefused", "+1425555\x000101", "", "", ""},
		// Digits without "+" that are not valid for the usage location but
		// are another country's number: a hint, not a guess.
		{"OtherCountryWithoutPlus", "442079460150", "US", "", "did you mean +44 20 7946 0150? write the +"},
	} {
		t.Run(c.name, func(t *testing.T) {
			n, err := ParseNumber(c.in, c.region)
			if c.want != "" {
				if err != nil || n.String() != c.want {
					t.Fatalf("ParseNumber(%q, %q) = %v, %v; want %s", c.in, c.region, n, err, c.want)
				}
				return
			}
			var ne *NumberError
			if !errors.As(err, &ne) || ne.Reason() != BadNumber {
				t.Fatalf("ParseNumber(%q, %q) = %v, %v; want a BAD_NUMBER refusal", c.in, c.region, n, err)
			}
			if !strings.Contains(ne.Hint, c.hint) {
				t.Errorf("hint %q does not say %q", ne.Hint, c.hint)
			}
		})
	}
}

func TestNumberCountry(t *testing.T) {
	if c := (Number{E164: "+442079460958"}).Country(); c != "GB" {
		t.Errorf("country of a London number: %q", c)
	}
	if c := (Number{}).Country(); c != "" {
		t.Errorf("country of no number: %q", c)
	}
}

func TestParseCapabilitiesInEveryExportForm(t *testing.T) {
	want := []Capability{CapUser, CapConference}
	for _, in := range []string{
		"{UserAssignment, ConferenceAssignment}",
		"UserAssignment,ConferenceAssignment",
		"UserAssignment; ConferenceAssignment",
		"userassignment conferenceassignment",
		"{UserAssignment,\nConferenceAssignment}",
		"UserAssignment\tConferenceAssignment, UserAssignment",
	} {
		if got := ParseCapabilities(in); !slices.Equal(got, want) {
			t.Errorf("ParseCapabilities(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestThreshold(t *testing.T) {
	for _, c := range []struct {
		in      string
		current int
		limit   int
	}{{"500", 10, 500}, {"5%", 1000, 50}, {"25%", 36, 9}, {"0", 100, 0}} {
		th, err := ParseThreshold(c.in)
		if err != nil {
			t.Fatal(err)
		}
		if got := th.Limit(c.current); got != c.limit || th.String() != c.in {
			t.Errorf("%s of %d: limit %d (%s), want %d", c.in, c.current, got, th, c.limit)
		}
	}
	for _, bad := range []string{"", "-1", "five", "0%", "150%"} {
		if _, err := ParseThreshold(bad); err == nil {
			t.Errorf("ParseThreshold(%q) accepted", bad)
		}
	}
}

func TestNumberStates(t *testing.T) {
	now := time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC)
	tn := &Tenant{
		Numbers: []InventoryNumber{
			{Number: Number{E164: "+14255550101"}},
			{Number: Number{E164: "+14255550102"}, ReleasedAt: now.AddDate(0, 0, -2)},
			{Number: Number{E164: "+14255550103"}, ReleasedAt: now.AddDate(0, 0, -10)},
			{Number: Number{E164: "+14255550104", Ext: "7"}},
			{Number: Number{E164: "+14255550104"}},
		},
		Assignments: []Assignment{{UPN: "a", Number: Number{E164: "+14255550101"}}, {UPN: "b", Number: Number{E164: "+14255550104", Ext: "7"}}},
	}
	got := tn.NumberStates(now, 7)
	want := map[string]NumberState{
		"+14255550101": StateAssigned, "+14255550102": StateQuarantined, "+14255550103": StateFree,
		"+14255550104;ext=7": StateAssigned, "+14255550104": StateFree,
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %s, want %s", k, got[k], v)
		}
	}
	if s := tn.NumberStates(now, 0)["+14255550102"]; s != StateFree {
		t.Errorf("without quarantine days a released number is %s", s)
	}
}

func TestNumberTypeInASentence(t *testing.T) {
	for typ, want := range map[NumberType]string{
		CallingPlan: "a Calling Plan number", OperatorConnect: "an Operator Connect number", DirectRouting: "a Direct Routing number",
	} {
		if got := typ.ANumber(); got != want {
			t.Errorf("%s: %q, want %q", typ, got, want)
		}
	}
}
