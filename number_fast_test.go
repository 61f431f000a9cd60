package numsync

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/nyaruka/phonenumbers"
)

// TestParseNumberShortcut holds ParseNumber, which reads valid "+digits"
// numbers (bare or as "tel:+digits;ext=digits") without phonenumbers.Parse
// or regular expressions, to the full parse over generated
// numbers of every region the library knows (valid, too short, too long,
// with national prefixes, random digits), with and without "+" and a
// default region: same number, same error.
func TestParseNumberShortcut(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	var inputs []string
	for region := range phonenumbers.GetSupportedRegions() {
		for _, typ := range []phonenumbers.PhoneNumberType{phonenumbers.FIXED_LINE, phonenumbers.MOBILE, phonenumbers.TOLL_FREE, phonenumbers.VOIP, phonenumbers.PREMIUM_RATE} {
			ex := phonenumbers.GetExampleNumberForType(region, typ)
			if ex == nil {
				continue
			}
			cc := strconv.Itoa(int(ex.GetCountryCode()))
			nsn := phonenumbers.GetNationalSignificantNumber(ex)
			if len(nsn) < 2 {
				continue
			}
			for range 4 {
				digits := []byte(nsn)
				for i := min(2, len(digits)); i < len(digits); i++ {
					digits[i] = byte('0' + rng.IntN(10))
				}
				d := string(digits)
				inputs = append(inputs, "+"+cc+d, cc+d, "+"+cc+"0"+d, "+"+cc+d[:len(d)-1], "+"+cc+d+strconv.Itoa(rng.IntN(10)),
					"+"+cc+phonenumbers.GetNddPrefixForRegion(region, true)+d)
			}
		}
	}
	for range 5000 {
		d := make([]byte, 1+rng.IntN(18))
		for i := range d {
			d[i] = byte('0' + rng.IntN(10))
		}
		inputs = append(inputs, "+"+string(d))
	}
	inputs = append(inputs, "+", "+0", "+00", "+1", "+12", "+123", "+0123456789", " +14255550101 ", "+800 1234 5678", "+80012345678", "+88213001234")
	// msRTCSIP-Line's forms: a tel: URI, with or without an extension.
	for _, in := range inputs[:len(inputs):len(inputs)] {
		switch rng.IntN(20) {
		case 0:
			inputs = append(inputs, "tel:"+in, "TEL:"+in+";ext=101", in+";ext=0012")
		case 1:
			inputs = append(inputs, "tel:"+in+";ext=12345678901", "tel:"+in+";ext=", "tel:"+in+";ext=+1", "tel: "+in, in+";EXT=7")
		}
	}
	regions := []string{"", "US", "IT"}
	if testing.Short() {
		// Every 20th input: the same kinds of number, in a second.
		short := inputs[:0:0]
		for i := 0; i < len(inputs); i += 20 {
			short = append(short, inputs[i])
		}
		inputs = short
	}
	fast := 0
	for _, in := range inputs {
		for _, region := range regions {
			got, gerr := ParseNumber(in, region)
			want, werr := parseNumber(in, region)
			if got != want || fmt.Sprint(gerr) != fmt.Sprint(werr) {
				t.Errorf("ParseNumber(%q, %q) = %+v, %v; the full parse gives %+v, %v", in, region, got, gerr, want, werr)
			}
			if t, _ := telParts(strings.TrimSpace(in)); t != "" {
				if _, ok := validE164(t); ok {
					fast++
				}
			}
		}
	}
	if total := len(regions) * len(inputs); fast*10 < total {
		t.Fatalf("only %d of %d inputs took the shortcut: the test no longer covers it", fast, total)
	}
}
