package planner

import (
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/nyaruka/phonenumbers"

	"numsync"
)

// TestFormatNumberMatchesParse holds the mails' number formatting, which
// builds the library's number from the E.164 digits, to what formatting a
// fully parsed number gives, over valid numbers of every region the
// library knows (the generator's countries among them) with random
// subscriber digits.
func TestFormatNumberMatchesParse(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	checked := 0
	for region := range phonenumbers.GetSupportedRegions() {
		for _, typ := range []phonenumbers.PhoneNumberType{phonenumbers.FIXED_LINE, phonenumbers.MOBILE, phonenumbers.TOLL_FREE, phonenumbers.VOIP} {
			ex := phonenumbers.GetExampleNumberForType(region, typ)
			if ex == nil {
				continue
			}
			nsn := phonenumbers.GetNationalSignificantNumber(ex)
			for range 20 {
				// Keep the leading digits, which choose the format, and
				// vary the rest.
				digits := []byte(nsn)
				for i := min(3, len(digits)); i < len(digits); i++ {
					digits[i] = byte('0' + rng.IntN(10))
				}
				n, err := numsync.ParseNumber("+"+strconv.Itoa(int(ex.GetCountryCode()))+string(digits), "")
				if err != nil {
					continue
				}
				p, err := phonenumbers.Parse(n.E164, "")
				if err != nil {
					t.Fatalf("%s: %v", n.E164, err)
				}
				want := phonenumbers.Format(p, phonenumbers.INTERNATIONAL)
				if got := n.Display(); got != want {
					t.Errorf("Display(%s) = %q, parsing gives %q", n.E164, got, want)
				}
				checked++
			}
		}
	}
	if checked < 5000 {
		t.Fatalf("only %d numbers checked", checked)
	}
	for _, n := range []numsync.Number{{E164: "not a number"}, {E164: "+"}, {E164: "+999"}} {
		if got := n.Display(); got != n.E164 {
			t.Errorf("Display(%q) = %q, want it as written", n.E164, got)
		}
	}
	if got := (numsync.Number{E164: "+14255550101", Ext: "12"}).Display(); got != "+1 425-555-0101 ext. 12" {
		t.Errorf("with extension: %q", got)
	}
}
