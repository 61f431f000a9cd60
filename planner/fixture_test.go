package planner

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/numsync/numsync"
)

// now is the clock of every test plan.
var now = time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)

// US numbers of the fixture inventory: Calling Plan numbers n(1)…n(9).
func n(i int) string { return fmt.Sprintf("+142555501%02d", i) }

const (
	ocFixed    = "+14255550200" // Operator Connect, operator manages the address
	conference = "+14255550300" // conference-only
	voiceApp   = "+14255550400" // for resource accounts
	drNumber   = "+14255550500" // Direct Routing, in the inventory
	drOutside  = "+12065550100" // Direct Routing, not in the inventory
	gbNumber   = "+442071838750"
	quarantine = "+14255550199" // released yesterday
)

func user(upn, country string, lic ...numsync.License) numsync.User {
	return numsync.User{UPN: upn, Mail: strings.ToLower(upn), Kind: numsync.KindUser, UsageLocation: country, Enabled: true, Licenses: lic}
}

var both = []numsync.License{numsync.LicenseCallingPlan, numsync.LicenseTeamsPhone}

// fixture is a small tenant with one identity or number per rule.
func fixture() *numsync.Tenant {
	t := &numsync.Tenant{Revision: 7}
	for _, name := range []string{"alice", "bob", "carol", "dave", "erin", "frank"} {
		t.Users = append(t.Users, user(name+"@example.com", "US", both...))
	}
	disabled := user("gone@example.com", "US", both...)
	disabled.Enabled = false
	absent := user("absent@example.com", "US", both...)
	absent.Absent = true
	res := user("aa@example.com", "US", both...)
	res.Kind = numsync.KindResource
	hybrid := user("hybrid@example.com", "US", both...)
	hybrid.OnPremLine = "tel:+14255550999"
	t.Users = append(t.Users, disabled, absent, res, hybrid,
		user("nocp@example.com", "US", numsync.LicenseTeamsPhone),
		user("nophone@example.com", "US", numsync.LicenseCallingPlan),
		user("london@example.com", "GB", both...))

	cp := func(num string) numsync.InventoryNumber {
		return numsync.InventoryNumber{Number: numsync.Number{E164: num}, Type: numsync.CallingPlan, Country: "US",
			Capabilities: []numsync.Capability{numsync.CapUser}, LocationUpdateSupported: true, Source: numsync.SourceOnline}
	}
	for i := 1; i <= 9; i++ {
		t.Numbers = append(t.Numbers, cp(n(i)))
	}
	oc := cp(ocFixed)
	oc.Type, oc.LocationUpdateSupported, oc.LocationID, oc.Operator = numsync.OperatorConnect, false, "loc-hq", "Contoso Telecom"
	conf := cp(conference)
	conf.Capabilities = []numsync.Capability{numsync.CapConference}
	va := cp(voiceApp)
	va.Capabilities = []numsync.Capability{numsync.CapVoiceApp}
	dr := cp(drNumber)
	dr.Type, dr.Source = numsync.DirectRouting, numsync.SourceOnPremises
	gb := cp(gbNumber)
	gb.Country = "GB"
	q := cp(quarantine)
	q.ReleasedAt = now.Add(-24 * time.Hour)
	t.Numbers = append(t.Numbers, oc, conf, va, dr, gb, q)

	t.Locations = []numsync.EmergencyLocation{
		{ID: "loc-hq", Description: "Redmond HQ", Country: "US"},
		{ID: "loc-sea", Description: "Seattle office", Country: "US"},
		{ID: "loc-lon", Description: "London office", Country: "GB"},
		{ID: "loc-b1", Description: "Branch", Country: "US"},
		{ID: "loc-b2", Description: "Branch", Country: "US"},
	}
	return t
}

// hold gives upn the number in cat, as the store would report it.
func hold(t *numsync.Tenant, upn string, cat numsync.Category, num string) {
	for _, inv := range t.Numbers {
		if inv.E164 == num {
			t.Assignments = append(t.Assignments, numsync.Assignment{UPN: upn, Category: cat, Number: inv.Number, Type: inv.Type, LocationID: inv.LocationID})
			return
		}
	}
	panic("fixture has no number " + num)
}

var line int

// wish is a row of the sheet "s.csv"; each call is the next line.
func wish(upn, num string) numsync.Wish {
	line++
	w := numsync.Wish{UPN: upn, Category: numsync.Primary, Notify: true, Source: numsync.Source{File: "s.csv", Line: line}}
	if num != "" {
		var err error
		w.Number, err = numsync.ParseNumber(num, "")
		if err != nil {
			panic(err)
		}
	}
	return w
}

func with(w numsync.Wish, f func(*numsync.Wish)) numsync.Wish { f(&w); return w }

// opLine writes an operation compactly: "+ alice@example.com Primary -> +14255550101".
func opLine(op numsync.Op) string {
	num := func(h *numsync.Holding) string {
		if h == nil {
			return "none"
		}
		s := h.Number.String()
		if h.Location != "" {
			s += "@" + h.Location
		}
		return s
	}
	return fmt.Sprintf("%s %s %s %s -> %s", op.Action.Symbol(), op.UPN, op.Category, num(op.Before), num(op.After))
}

func opLines(p *numsync.Plan) []string {
	out := []string{}
	for _, op := range p.Ops {
		out = append(out, opLine(op))
	}
	return out
}

func codes(is []numsync.Issue) []string {
	out := []string{}
	for _, i := range is {
		out = append(out, fmt.Sprintf("%s %s", i.UPN, i.Code))
	}
	return out
}

// replay applies ops one at a time to the tenant's assignments, as a store
// with a unique number column must, and fails the test at the first
// operation that cannot be applied. It returns who holds what afterwards:
// "upn/category" → number.
func replay(t *testing.T, ten *numsync.Tenant, ops []numsync.Op) map[string]string {
	t.Helper()
	bySlot := map[string]string{}
	byNum := map[string]string{}
	for _, a := range ten.Assignments {
		k := numsync.UPNKey(a.UPN) + "/" + string(a.Category)
		bySlot[k], byNum[a.Number.String()] = a.Number.String(), k
	}
	for i, op := range ops {
		k := numsync.UPNKey(op.UPN) + "/" + string(op.Category)
		cur, has := bySlot[k]
		if (op.Before != nil) != has || (has && cur != op.Before.Number.String()) {
			t.Fatalf("op %d %s: before does not match the state (%q)", i+1, opLine(op), cur)
		}
		if has {
			delete(byNum, cur)
			delete(bySlot, k)
		}
		if op.After != nil {
			num := op.After.Number.String()
			if other, taken := byNum[num]; taken {
				t.Fatalf("op %d %s: number still held by %s", i+1, opLine(op), other)
			}
			bySlot[k], byNum[num] = num, k
		}
	}
	return bySlot
}
