package importer

import (
	"fmt"
	"slices"
	"strings"

	"github.com/numsync/numsync"
)

const (
	usrUPN = iota
	usrName
	usrObjectID
	usrUsage
	usrEnabled
	usrLicenses
	usrResource
	usrAccountType
	usrLine
	usrMail
)

var usersSchema = []Column{
	usrUPN:         {Name: "UserPrincipalName", Aliases: []string{"UPN", "Identity"}, Required: true},
	usrName:        {Name: "DisplayName"},
	usrObjectID:    {Name: "ObjectId", Aliases: []string{"Id"}},
	usrUsage:       {Name: "UsageLocation"},
	usrEnabled:     {Name: "AccountEnabled", Aliases: []string{"Enabled"}},
	usrLicenses:    {Name: "Licenses", Aliases: []string{"License", "Licences"}},
	usrResource:    {Name: "IsResourceAccount"},
	usrAccountType: {Name: "AccountType"},
	usrLine:        {Name: "OnPremLineURI", Aliases: []string{"LineUri", "msRTCSIP-Line"}},
	usrMail:        {Name: "Mail", Aliases: []string{"Email"}},
}

// ReadUsers reads a CSV user export. Licence names that do not matter to
// telephony (most of a tenant's SKUs) are ignored with one warning per file
// listing them. An on-premises line URI that is not a valid number is a
// problem, but the user still loads with the line as written: what counts
// for rule R12 is that the attribute is set. Rows without a usable UPN,
// UPNs listed twice and every user whose object id another row repeats
// (DUPLICATE_ID) are left out and reported.
func ReadUsers(path string) ([]numsync.User, []numsync.Issue, error) {
	var users []numsync.User
	var places []numsync.Source
	seen := make(map[string]int)
	unknownLic := make(map[string]bool)
	var unknownOrder []string
	problems, err := eachRow(path, usersSchema, func(r *Reader, rec Record) error {
		u, err := userRecord(rec, func(l string) {
			if !unknownLic[l] {
				unknownLic[l] = true
				unknownOrder = append(unknownOrder, l)
			}
		})
		if err != nil {
			return err
		}
		if first, ok := seen[u.Key()]; ok {
			return rec.Error(usrUPN, numsync.BadRow, fmt.Errorf("%s is listed again (first on line %d); this row was skipped", u.UPN, first), "")
		}
		seen[u.Key()] = rec.Line
		users = append(users, u)
		places = append(places, numsync.Source{File: path, Line: rec.Line})
		if u.OnPremLine != "" {
			// Reported, yet the user loads: what rule R12 needs is that the attribute is set.
			if _, err := numsync.ParseNumber(u.OnPremLine, u.UsageLocation); err != nil {
				e := rec.Error(usrLine, numsync.BadNumber, fmt.Errorf("%w; the user was loaded with the line as written", err),
					"fix msRTCSIP-Line in Active Directory (tel:+E.164 form)")
				e.UPN, e.Number = u.UPN, u.OnPremLine
				return e
			}
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	dup, dups := numsync.DuplicateObjectIDs(users, places, "none of these rows was loaded")
	problems = append(problems, dups...)
	kept := users[:0]
	for i, u := range users {
		if !dup[i] {
			kept = append(kept, u)
		}
	}
	users = kept
	if len(unknownOrder) > 0 {
		problems = append(problems, numsync.Issue{Code: numsync.UnknownValue, File: path,
			Message: "ignored licence(s) that do not matter to telephony: " + strings.Join(unknownOrder, ", "),
			Hint:    "telephony licences are Calling Plan (MCOPSTN1, MCOPSTN2…) and Teams Phone (MCOEV)"})
	}
	return users, problems, nil
}

func userRecord(rec Record, unknownLicense func(string)) (numsync.User, error) {
	upn := rec.Value(usrUPN)
	fail := func(col int, err error) error {
		e := rec.Error(col, numsync.BadRow, err, "")
		e.UPN = upn
		return e
	}
	if upn == "" {
		return numsync.User{}, fail(usrUPN, fmt.Errorf("empty user principal name"))
	}
	u := numsync.User{
		UPN:         upn,
		DisplayName: rec.Value(usrName),
		Mail:        rec.Value(usrMail),
		ObjectID:    rec.Value(usrObjectID),
		Kind:        numsync.KindUser,
		OnPremLine:  rec.Value(usrLine),
		Source:      "csv",
	}
	var err error
	if v := rec.Value(usrUsage); v != "" {
		if u.UsageLocation, err = country(v); err != nil {
			return u, fail(usrUsage, err)
		}
	}
	if u.Enabled, err = parseBool(rec.Value(usrEnabled), true); err != nil {
		return u, fail(usrEnabled, err)
	}
	resource, err := parseBool(rec.Value(usrResource), false)
	if err != nil {
		return u, fail(usrResource, err)
	}
	switch strings.ToLower(strings.ReplaceAll(rec.Value(usrAccountType), " ", "")) {
	case "", "user":
	case "resourceaccount", "resource":
		resource = true
	default:
		return u, fail(usrAccountType, fmt.Errorf("unknown account type %q (want User or ResourceAccount)", rec.Value(usrAccountType)))
	}
	if resource {
		u.Kind = numsync.KindResource
	}
	for _, name := range splitList(rec.Value(usrLicenses)) {
		l, err := numsync.ParseLicense(name)
		if err != nil {
			unknownLicense(name)
			continue
		}
		if !slices.Contains(u.Licenses, l) {
			u.Licenses = append(u.Licenses, l)
		}
	}
	slices.Sort(u.Licenses)
	return u, nil
}
