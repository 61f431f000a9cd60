package importer

import (
	"errors"
	"fmt"

	"github.com/numsync/numsync"
)

const (
	locID = iota
	locDescription
	locCompany
	locHouse
	locStreet
	locCity
	locState
	locPostal
	locCountry
)

var locationsSchema = append([]Column{
	locID:          {Name: "LocationId", Required: true},
	locDescription: {Name: "Description"},
	locCompany:     {Name: "CompanyName"},
	locHouse:       {Name: "HouseNumber"},
	locStreet:      {Name: "StreetName"},
	locCity:        {Name: "City"},
	locState:       {Name: "StateOrProvince", Aliases: []string{"State"}},
	locPostal:      {Name: "PostalCode"},
	locCountry:     {Name: "CountryOrRegion", Aliases: []string{"Country", "IsoCountryCode"}, Required: true},
},
	// Further columns of Get-CsOnlineLisLocation | Export-Csv.
	known("CivicAddressId", "Location", "Latitude", "Longitude", "Elin", "ValidationStatus",
		"NumberOfVoiceUsers", "NumberOfTelephoneNumbers", "IsDefault", "HouseNumberSuffix",
		"PreDirectional", "StreetSuffix", "PostDirectional", "CountyOrDistrict", "PartnerId", "TenantId")...)

// ReadLocations reads emergency locations (as Get-CsOnlineLisLocation |
// Export-Csv writes them, or by hand). Rows without an id or a valid
// country, and ids listed twice, are left out and reported.
func ReadLocations(path string) ([]numsync.EmergencyLocation, []numsync.Issue, error) {
	var locs []numsync.EmergencyLocation
	seen := make(map[string]int)
	problems, err := eachRow(path, locationsSchema, func(_ *Reader, rec Record) error {
		id := rec.Value(locID)
		if id == "" {
			return rec.Error(locID, numsync.BadRow, errors.New("empty location id"), "")
		}
		if first, ok := seen[id]; ok {
			return rec.Error(locID, numsync.BadRow, fmt.Errorf("location %s is listed again (first on line %d); this row was skipped", id, first), "")
		}
		cc, err := country(rec.Value(locCountry))
		if err != nil {
			return rec.Error(locCountry, numsync.BadRow, err, "")
		}
		seen[id] = rec.Line
		locs = append(locs, numsync.EmergencyLocation{
			ID:          id,
			Description: rec.Value(locDescription),
			Country:     cc,
			CompanyName: rec.Value(locCompany),
			HouseNumber: rec.Value(locHouse),
			StreetName:  rec.Value(locStreet),
			City:        rec.Value(locCity),
			StateOrProv: rec.Value(locState),
			PostalCode:  rec.Value(locPostal),
		})
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	return locs, problems, nil
}
