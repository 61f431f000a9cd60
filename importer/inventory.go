package importer

import (
	"errors"
	"fmt"
	"strings"

	"github.com/numsync/numsync"
)

// Columns of the two Microsoft exports a number inventory can come from.
// The names differ between Export-CsAcquiredPhoneNumber (first name) and
// Get-CsPhoneNumberAssignment | Export-Csv (alias); the meaning does not.
const (
	invNumber = iota
	invType
	invCountry
	invCaps
	invStatus
	invTarget
	invTargetType
	invCategory
	invLocation
	invLocUpdate
	invPartner
	invSource
	invActivation
)

var inventorySchema = append([]Column{
	invNumber:     {Name: "TelephoneNumber", Aliases: []string{"PhoneNumber", "Number"}, Required: true},
	invType:       {Name: "NumberType", Required: true},
	invCountry:    {Name: "IsoCountryCode", Aliases: []string{"CountryCode"}},
	invCaps:       {Name: "AcquiredCapabilities", Aliases: []string{"Capability", "Capabilities"}},
	invStatus:     {Name: "AssignmentStatus", Aliases: []string{"PstnAssignmentStatus"}},
	invTarget:     {Name: "TargetId", Aliases: []string{"AssignedPstnTargetId"}},
	invTargetType: {Name: "TargetType"},
	invCategory:   {Name: "AssignmentCategory"},
	invLocation:   {Name: "LocationId"},
	invLocUpdate:  {Name: "LocationUpdateSupported"},
	invPartner:    {Name: "PartnerName", Aliases: []string{"PstnPartnerName"}},
	invSource:     {Name: "NumberSource"},
	invActivation: {Name: "ActivationState"},
},
	// Read and not used: known, so that a tenant's export loads without
	// an unknown-column warning.
	known("OperatorId", "CivicAddressId", "NetworkSiteId", "AvailableCapabilities", "PlaceName",
		"PortInOrderStatus", "CapabilityUpdateSupported", "AcquisitionDate", "CallingProfileId",
		"IsoSubdivisionCode", "IsoSubdivision", "City", "PstnPartnerId", "SupportedCustomerActions",
		"ReverseNumberLookup", "RoutingOptions", "Tag", "AssignmentBlockedState", "AssignmentBlockedUntil")...)

// dotNetList is what Export-Csv writes for a list-valued property such as
// Capability unless the admin flattens it first.
const dotNetList = "System.Collections.Generic.List"

// ReadInventory reads a number inventory from the file of
// Export-CsAcquiredPhoneNumber or of Get-CsPhoneNumberAssignment |
// Export-Csv, as the tenant wrote it. A number whose export names a holder
// (an assignment status other than Unassigned, or a target id) becomes a
// record with HolderID set, which the store loads as a current assignment.
//
// Rows that cannot be loaded are left out and reported as problems (with
// file and line); so are numbers listed twice. The error is for files that
// cannot be read at all (missing column, I/O) and is a [*RowError] when it
// is the file's fault.
func ReadInventory(path string) ([]numsync.InventoryRecord, []numsync.Issue, error) {
	var recs []numsync.InventoryRecord
	seen := make(map[string]int)
	capsWarned := false
	problems, err := eachRow(path, inventorySchema, func(r *Reader, rec Record) error {
		ir, err := inventoryRecord(rec)
		if err != nil {
			return err
		}
		if !capsWarned && strings.HasPrefix(rec.Value(invCaps), dotNetList) {
			capsWarned = true
			r.warn(numsync.UnknownValue, rec.Line, fmt.Sprintf("column %s holds %q instead of capability names; capabilities were left empty", rec.ColumnName(invCaps), rec.Value(invCaps)),
				`export with Select-Object *, @{n='Capability';e={$_.Capability -join ','}} -ExcludeProperty Capability | Export-Csv, or use the file of Export-CsAcquiredPhoneNumber`)
		}
		key := ir.Number.String()
		if first, ok := seen[key]; ok {
			return rec.Error(invNumber, numsync.DuplicateNumber, fmt.Errorf("%s is listed again (first on line %d); this row was skipped", key, first), "")
		}
		seen[key] = rec.Line
		recs = append(recs, ir)
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	return recs, problems, nil
}

func inventoryRecord(rec Record) (numsync.InventoryRecord, error) {
	var ir numsync.InventoryRecord
	raw := rec.Value(invNumber)
	fail := func(col int, code numsync.Reason, err error) error {
		e := rec.Error(col, code, err, "")
		e.Number = raw
		return e
	}
	typ, err := numsync.ParseNumberType(rec.Value(invType))
	if err != nil {
		return ir, fail(invType, numsync.BadRow, err)
	}
	if typ == "" {
		return ir, fail(invType, numsync.BadRow, errors.New("empty number type"))
	}
	var cc string
	if v := rec.Value(invCountry); v != "" {
		if cc, err = country(v); err != nil {
			return ir, fail(invCountry, numsync.BadRow, err)
		}
	}
	n, err := numsync.ParseNumber(raw, cc)
	if err != nil {
		return ir, fail(invNumber, numsync.BadNumber, err)
	}
	if n.Ext != "" && typ != numsync.DirectRouting {
		return ir, fail(invNumber, numsync.NoExtensionAllowed, fmt.Errorf("%s number %s carries an extension; only Direct Routing numbers may", typ, n))
	}
	if cc == "" {
		cc = n.Country()
	}
	locUpdate, err := parseBool(rec.Value(invLocUpdate), true)
	if err != nil {
		return ir, fail(invLocUpdate, numsync.BadRow, err)
	}
	source, err := numberSource(rec.Value(invSource), typ)
	if err != nil {
		return ir, fail(invSource, numsync.BadRow, err)
	}
	var caps []numsync.Capability
	if v := rec.Value(invCaps); !strings.HasPrefix(v, dotNetList) {
		// ParseCapabilities splits on spaces but not on line breaks, which a
		// hand-edited multi-line cell holds.
		caps = numsync.ParseCapabilities(v)
	}
	ir = numsync.InventoryRecord{
		InventoryNumber: numsync.InventoryNumber{
			Number:                  n,
			Type:                    typ,
			Country:                 cc,
			Capabilities:            caps,
			LocationID:              rec.Value(invLocation),
			LocationUpdateSupported: locUpdate,
			Operator:                rec.Value(invPartner),
			Source:                  source,
			ActivationState:         rec.Value(invActivation),
		},
		Source:                 numsync.Source{File: rec.r.file, Line: rec.Line},
		LocationUpdateUnstated: strings.TrimSpace(rec.Value(invLocUpdate)) == "",
	}
	status := rec.Value(invStatus)
	target := rec.Value(invTarget)
	if target == "" && status != "" && !strings.EqualFold(status, "Unassigned") {
		return ir, fail(invTarget, numsync.UnknownHolder, fmt.Errorf("the number is %s but the row names no holder (%s is empty); it was skipped", status, rec.ColumnName(invTarget)))
	}
	if target != "" {
		cat, err := numsync.ParseCategory(rec.Value(invCategory))
		if err != nil {
			return ir, fail(invCategory, numsync.BadRow, err)
		}
		ir.HolderID = target
		ir.HolderType = numsync.HolderType(rec.Value(invTargetType), status)
		ir.Category = cat
	}
	return ir, nil
}

// numberSource reads NumberSource; without one, Direct Routing numbers
// come from on-premises and all others from Microsoft.
func numberSource(s string, typ numsync.NumberType) (string, error) {
	switch strings.ToLower(s) {
	case "":
		if typ == numsync.DirectRouting {
			return numsync.SourceOnPremises, nil
		}
		return numsync.SourceOnline, nil
	case "online":
		return numsync.SourceOnline, nil
	case "onpremises", "onprem":
		return numsync.SourceOnPremises, nil
	}
	return "", fmt.Errorf("unknown number source %q (want Online or OnPremises)", s)
}
