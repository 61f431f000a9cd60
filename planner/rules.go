package planner

import (
	"fmt"
	"strings"

	"github.com/numsync/numsync"
)

// decide runs the rules that look at one row alone (everything but R8,
// which needs the whole plan) and settles the row's operation.
func (p *planner) decide(d *decision) {
	if d.status != accepted {
		return
	}
	w := d.w
	u := p.x.User(d.slot.UPNKey)
	cur := p.x.held[d.slot]
	d.upn = p.upnOf(d.slot.UPNKey, w.UPN)
	if cur != nil {
		d.before = holdingOf(cur)
	}
	// teams-apply.ps1 names the identity in a quoted value on one line: a
	// value it cannot quote refuses this row, not the whole script.
	if err := numsync.CheckQuotable(d.upn); err != nil {
		p.rejectRow(d, numsync.BadRow, fmt.Sprintf("the user principal name %v; teams-apply.ps1 could not name the identity", err),
			"correct the user principal name (in the sheet, or in the directory if it is spelled so there)")
		return
	}

	if w.Remove() {
		switch {
		case cur != nil:
			d.action = numsync.Remove
		case u == nil:
			p.rejectRow(d, numsync.UnknownUser, fmt.Sprintf("%s is not in the directory and holds no %s number", w.UPN, d.slot.Category),
				"check the spelling of the user principal name")
		default:
			d.status = unchanged
		}
		return
	}

	inv := p.x.Number(w.Number.String())
	typ := w.Type
	if inv == nil && w.Number.Ext != "" {
		// An extension of an inventory number: on a Direct Routing base it
		// is a Direct Routing number of its own; on any other base the
		// extension is what is wrong (R2), so check the row as that number.
		if base := p.x.Number(w.Number.E164); base != nil {
			if base.Type != numsync.DirectRouting {
				inv = base
			} else if typ == "" {
				typ = numsync.DirectRouting
			}
		}
	}
	if typ == "" {
		switch {
		case inv != nil:
			typ = inv.Type
		case cur != nil && cur.Number == w.Number:
			typ = cur.Type
		}
	}
	loc, ok := p.location(d, inv, cur)
	if !ok {
		return
	}
	if err := numsync.CheckQuotable(loc); err != nil {
		p.rejectRow(d, numsync.BadRow, fmt.Sprintf("the emergency location id %v; teams-apply.ps1 could not name the location", err),
			"correct the location id in the emergency locations file and load it again")
		return
	}
	d.after = &numsync.Holding{Number: w.Number, Type: typ, Location: loc}
	if cur != nil && *d.before == *d.after {
		d.status = unchanged
		return
	}
	if !p.checkRow(d, u, inv) {
		return
	}

	d.action = numsync.Assign
	if cur != nil {
		d.action = numsync.Change
	}
	if h, ok := p.x.holder[numberKey(d.after)]; ok && h.UPNKey == d.slot.UPNKey && h != d.slot && p.decs[h] == nil {
		d.release = &h
		p.releasedBy[h] = d
	}
	if (typ == numsync.CallingPlan || typ == numsync.OperatorConnect) && u.OnPremLine != "" {
		d.status = blocked
		d.issue = new(p.issueFor(d, numsync.OnPremLineSet,
			fmt.Sprintf("%s has msRTCSIP-Line %q set on premises; %s waits until it is cleared in AD and synchronised", u.UPN, u.OnPremLine, typ.ANumber()),
			"clear msRTCSIP-Line (see ad-cleanup.csv), let the directory synchronise, and run again"))
		return
	}
	if cur == nil || numberKey(d.after) != numberKey(d.before) {
		p.takers[numberKey(d.after)] = d
	}
}

// location resolves the emergency location of a row (R13): an id, or a
// description that matches exactly one location. An empty location keeps
// the number's. It reports false when the row was rejected.
func (p *planner) location(d *decision, inv *numsync.InventoryNumber, cur *numsync.Assignment) (string, bool) {
	want := strings.TrimSpace(d.w.LocationID)
	if want == "" {
		switch {
		case cur != nil && cur.Number == d.w.Number:
			return cur.LocationID, true
		case inv != nil:
			return inv.LocationID, true
		}
		return "", true
	}
	if l := p.x.locByID[strings.ToLower(want)]; l != nil {
		return l.ID, true
	}
	switch ls := p.x.locByDesc[descKey(want)]; len(ls) {
	case 1:
		return ls[0].ID, true
	case 0:
		p.rejectRow(d, numsync.UnknownLocation, fmt.Sprintf("emergency location %q is not known (neither an id nor a description)", want),
			"load the emergency locations file, or write the location id")
	default:
		p.rejectRow(d, numsync.UnknownLocation, fmt.Sprintf("emergency location %q matches %d locations by description", want, len(ls)),
			"write the location id instead of the description")
	}
	return "", false
}

// checkRow runs rules R2–R14 on a row that wants a number, in the order an
// administrator would fix them: the identity, then the number, then the
// identity's prerequisites. The first rule broken rejects the row.
func (p *planner) checkRow(d *decision, u *numsync.User, inv *numsync.InventoryNumber) bool {
	w, after := d.w, d.after
	typ := after.Type
	switch {
	case u == nil:
		p.rejectRow(d, numsync.UnknownUser, w.UPN+" is not in the directory",
			"check the spelling of the user principal name, or import the users again")
		return false
	case u.Absent:
		p.rejectRow(d, numsync.UnknownUser, w.UPN+" is no longer in the directory it was imported from",
			"remove the row, or import the users again if the account is back")
		return false
	case !u.Enabled:
		p.rejectRow(d, numsync.UserDisabled, w.UPN+" is disabled", "enable the account, or remove the row")
		return false
	}

	if inv == nil && typ != numsync.DirectRouting {
		if typ == "" {
			p.rejectRow(d, numsync.NotInInventory, "the number is not in the number inventory",
				"if it is a Direct Routing number, write DirectRouting in the type column; otherwise load a current inventory export")
		} else {
			p.rejectRow(d, numsync.NotInInventory, fmt.Sprintf("the number is not in the number inventory; %s numbers must be acquired by the organisation first", typ.Label()),
				"load a current inventory export, or check the number")
		}
		return false
	}
	if inv != nil && !inv.Outside.IsZero() {
		p.rejectRow(d, numsync.NumberTaken, fmt.Sprintf("the number is held by %s, which numsync does not know and cannot take it from", inv.Outside),
			"choose a free number; if that identity should give it up, remove the number from it in Teams and load a current inventory export")
		return false
	}
	if inv != nil && typ != inv.Type {
		p.rejectRow(d, numsync.TypeMismatch, fmt.Sprintf("the row says %s but the inventory has the number as %s", typ, inv.Type),
			"leave the type empty to take the inventory's")
		return false
	}
	if w.Number.Ext != "" && typ != numsync.DirectRouting {
		p.rejectRow(d, numsync.NoExtensionAllowed, fmt.Sprintf("%s cannot carry an extension (;ext=%s); only Direct Routing numbers can", typ.ANumber(), w.Number.Ext), "")
		return false
	}
	need, who := numsync.CapUser, "user"
	if u.Kind == numsync.KindResource {
		need, who = numsync.CapVoiceApp, "resource account"
	}
	if inv != nil && !inv.Can(need) {
		p.rejectRow(d, numsync.CapabilityMissing, fmt.Sprintf("the number lacks the %s capability a %s needs (it has %s)", need, who, capList(inv.Capabilities)),
			"choose a number acquired for "+who+"s")
		return false
	}

	country := ""
	if inv != nil {
		country = inv.Country
	}
	if country == "" {
		country = w.Number.Country()
	}
	if !strings.EqualFold(country, u.UsageLocation) {
		msg := fmt.Sprintf("the number is in %s but %s has usage location %s", orUnknown(country), u.UPN, orUnknown(u.UsageLocation))
		p.rejectRow(d, numsync.CountryMismatch, msg, "set the user's usage location to the number's country, or choose a number of that country")
		return false
	}
	if !p.checkLocation(d, inv, country) {
		return false
	}

	if typ == numsync.CallingPlan && !u.HasLicense(numsync.LicenseCallingPlan) {
		p.rejectRow(d, numsync.NoCallingPlan, u.UPN+" has no Calling Plan licence, which a Calling Plan number needs", "assign a Calling Plan licence first")
		return false
	}
	if inv != nil && inv.InQuarantine(p.in.Now, p.in.Policy.QuarantineDays) && !w.AllowQuarantined {
		if _, held := p.x.holder[w.Number.String()]; !held {
			until := inv.ReleasedAt.AddDate(0, 0, p.in.Policy.QuarantineDays)
			p.rejectRow(d, numsync.Quarantined, fmt.Sprintf("the number was released on %s and stays in quarantine until %s",
				inv.ReleasedAt.UTC().Format("2006-01-02"), until.UTC().Format("2006-01-02 15:04 MST")),
				"wait until then, or allow quarantined numbers on this row")
			return false
		}
	}
	if !u.HasLicense(numsync.LicenseTeamsPhone) {
		msg, hint := u.UPN+" has no Teams Phone licence; the number will not ring until it has one", "assign a Teams Phone licence"
		if p.in.Policy.RequirePhoneLicense {
			p.rejectRow(d, numsync.NoPhoneLicense, msg, hint)
			return false
		}
		d.warns = append(d.warns, p.issueFor(d, numsync.NoPhoneLicense, msg, hint))
	}
	return true
}

// checkLocation runs R13's country check and R14 on the resolved location.
func (p *planner) checkLocation(d *decision, inv *numsync.InventoryNumber, country string) bool {
	id := d.after.Location
	if id == "" {
		return true
	}
	if l := p.x.locByID[strings.ToLower(id)]; l != nil && !strings.EqualFold(l.Country, country) {
		p.rejectRow(d, numsync.LocationCountry, fmt.Sprintf("emergency location %s is in %s but the number is in %s", l.ID, orUnknown(l.Country), orUnknown(country)),
			"choose a location in the number's country")
		return false
	}
	if inv != nil && inv.Type == numsync.OperatorConnect && !inv.LocationUpdateSupported && !strings.EqualFold(id, inv.LocationID) {
		p.rejectRow(d, numsync.LocationFixed, fmt.Sprintf("the operator %s manages this number's emergency address (location %s); it cannot be set to %s",
			orUnknown(inv.Operator), orUnknown(inv.LocationID), id),
			"leave the location empty, or ask the operator to change the address")
		return false
	}
	return true
}

func capList(cs []numsync.Capability) string {
	if len(cs) == 0 {
		return "none"
	}
	s := make([]string, len(cs))
	for i, c := range cs {
		s[i] = string(c)
	}
	return strings.Join(s, ", ")
}

func orUnknown(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}
