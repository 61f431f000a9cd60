package importer

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/numsync/numsync"
)

const (
	rngName = iota
	rngFirst
	rngLast
	rngPrefix
	rngType
	rngCountry
	rngSite
	rngLocation
	rngTag
	rngLowStock
)

var rangesSchema = []Column{
	rngName:     {Name: "Name", Aliases: []string{"Range"}, Required: true},
	rngFirst:    {Name: "First", Aliases: []string{"FirstNumber", "From"}},
	rngLast:     {Name: "Last", Aliases: []string{"LastNumber", "To"}},
	rngPrefix:   {Name: "Prefix"},
	rngType:     {Name: "Type", Aliases: []string{"NumberType", "PhoneNumberType"}},
	rngCountry:  {Name: "Country", Aliases: []string{"CountryOrRegion", "IsoCountryCode"}},
	rngSite:     {Name: "Site"},
	rngLocation: {Name: "LocationId", Aliases: []string{"EmergencyLocation"}},
	rngTag:      {Name: "Tag"},
	rngLowStock: {Name: "LowStock"},
}

// ReadRanges reads a ranges file: one named range a row (Name, First and
// Last or Prefix, Type, Country, Site, LocationId, Tag, LowStock). Ranges
// shape every plan, so unlike a sheet a bad row is not skipped: the first
// one is the error, with its line and column.
func ReadRanges(path string) ([]numsync.Range, error) {
	r, err := OpenFile(path, rangesSchema)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	var rs []numsync.Range
	seen := map[string]int{}
	for {
		rec, err := r.Next()
		if errors.Is(err, io.EOF) {
			return rs, nil
		}
		if err != nil {
			return nil, err
		}
		rg, err := readRange(rec)
		if err != nil {
			return nil, err
		}
		k := strings.ToLower(rg.Name)
		if first, ok := seen[k]; ok {
			return nil, rec.Error(rngName, numsync.BadRow, fmt.Errorf("range %s is listed again (first on line %d)", rg.Name, first), "")
		}
		seen[k] = rec.Line
		rs = append(rs, rg)
	}
}

func readRange(rec Record) (numsync.Range, error) {
	r := numsync.Range{
		Name: rec.Value(rngName), First: rec.Value(rngFirst), Last: rec.Value(rngLast), Prefix: rec.Value(rngPrefix),
		Country: rec.Value(rngCountry), Site: rec.Value(rngSite), LocationID: rec.Value(rngLocation), Tag: rec.Value(rngTag),
	}
	var err error
	if r.Type, err = numsync.ParseNumberType(rec.Value(rngType)); err != nil {
		return r, rec.Error(rngType, numsync.BadRow, err, "")
	}
	if s := rec.Value(rngLowStock); s != "" {
		t, err := numsync.ParseThreshold(s)
		if err != nil {
			return r, rec.Error(rngLowStock, numsync.BadRow, err, "")
		}
		r.LowStock = &t
	}
	if err := r.Validate(); err != nil {
		return r, rec.Error(-1, numsync.BadRow, err, "")
	}
	return r, nil
}
