package planner

import (
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nyaruka/phonenumbers"

	"github.com/numsync/numsync"
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

// TestMessagesInPlanOrder holds the mails of a plan larger than one run of
// the parallel writer to one per notifying assign or change, in plan
// order, each naming its own user and number.
func TestMessagesInPlanOrder(t *testing.T) {
	tenant := &numsync.Tenant{}
	var p numsync.Plan
	for i := range 3000 {
		upn := "user" + strconv.Itoa(i) + "@contoso.com"
		tenant.Users = append(tenant.Users, numsync.User{UPN: upn, DisplayName: "User " + strconv.Itoa(i)})
		n := numsync.Number{E164: "+1425555" + strconv.Itoa(1000+i)}
		op := numsync.Op{Action: numsync.Assign, UPN: upn, Notify: i%3 != 0, After: &numsync.Holding{Number: n}}
		if i%5 == 0 {
			op = numsync.Op{Action: numsync.Remove, UPN: upn, Notify: true, Before: &numsync.Holding{Number: n}}
		}
		p.Ops = append(p.Ops, op)
	}
	msgs := messages(&p, tenant, "", time.Unix(0, 0), "digest")
	k := 0
	for i, op := range p.Ops {
		if !op.Notify || op.After == nil {
			continue
		}
		if k >= len(msgs) {
			t.Fatalf("%d messages, op %d has none", len(msgs), i)
		}
		m := msgs[k]
		if m.UPN != op.UPN || !strings.Contains(string(m.Raw), "User "+strconv.Itoa(i)) || !strings.Contains(string(m.Raw), op.After.Number.Display()) {
			t.Fatalf("message %d is for %s, want op %d (%s %s):\n%s", k, m.UPN, i, op.UPN, op.After.Number.Display(), m.Raw)
		}
		if id := "<0." + strconv.Itoa(i+1) + ".digest@localhost>"; !strings.Contains(string(m.Raw), "Message-ID: "+id) {
			t.Errorf("message %d lacks Message-ID %s:\n%s", k, id, m.Raw)
		}
		k++
	}
	if k != len(msgs) || k < 1500 {
		t.Fatalf("%d messages for %d notifying ops", len(msgs), k)
	}
}
