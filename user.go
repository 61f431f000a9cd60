package numsync

import (
	"fmt"
	"slices"
	"strings"
)

// UserKind tells a person's account from a resource account (auto attendant,
// call queue), which needs numbers with a different capability (rule R7).
type UserKind string

// The kinds of identity.
const (
	KindUser     UserKind = "user"
	KindResource UserKind = "resource"
)

// License is a licence that matters to telephony.
type License string

// Licences checked by rule R11.
const (
	LicenseCallingPlan License = "CallingPlan"
	LicenseTeamsPhone  License = "TeamsPhone"
)

// ParseLicense reads a licence name as exports and admins write it
// ("Calling Plan", "MCOPSTN1", "Teams Phone", "MCOEV"…).
func ParseLicense(s string) (License, error) {
	switch squash(s) {
	case "callingplan", "teamscallingplan", "mcopstn1", "mcopstn2", "mcopstn5", "mcopstnc", "domesticcallingplan", "internationalcallingplan":
		return LicenseCallingPlan, nil
	case "teamsphone", "phonesystem", "mcoev", "teamsphonestandard", "teamsphonewithcallingplan":
		return LicenseTeamsPhone, nil
	}
	return "", fmt.Errorf("unknown licence %q (want CallingPlan or TeamsPhone)", s)
}

// User is an identity that can hold phone numbers: a person or a resource
// account. The user principal name is its key; it is compared without case.
type User struct {
	UPN           string
	DisplayName   string
	Mail          string
	ObjectID      string // cloud object id, as Microsoft's number exports name the holder
	DN            string // distinguished name in the on-premises directory, when known
	Kind          UserKind
	UsageLocation string // ISO 3166 alpha-2, upper case
	Enabled       bool
	Licenses      []License // sorted, without repeats
	// OnPremLine is msRTCSIP-Line exactly as the directory holds it
	// ("tel:+14255550101;ext=12"), which is what an admin looks for and
	// clears; empty when the attribute is not set.
	OnPremLine string
	Source     string // where the user came from: "csv", "ldap", "ldif"
	Absent     bool   // no longer in the directory it came from
	// EnterpriseVoice is set by applying: true while the user holds a number.
	EnterpriseVoice bool
}

// ObjectKey is how cloud object ids are matched: without case and without
// the "User_" prefix that AD's msDS-ExternalDirectoryObjectId carries.
func ObjectKey(id string) string {
	id = strings.TrimSpace(id)
	if len(id) > 5 && strings.EqualFold(id[:5], "User_") {
		id = id[5:]
	}
	return strings.ToLower(id)
}

// DuplicateObjectIDs finds the users whose cloud object id (as [ObjectKey]
// compares them) another user of users carries too. An object id is the
// one key Microsoft's number exports name a holder by: two users with one
// id would make an export's holder a guess. It returns their indexes and
// one DUPLICATE_ID issue for each, placed at places[i], naming where the
// others are and ending with what the caller does about it (consequence).
func DuplicateObjectIDs(users []User, places []Source, consequence string) (map[int]bool, []Issue) {
	byKey := map[string][]int{}
	for i, u := range users {
		if k := ObjectKey(u.ObjectID); k != "" {
			byKey[k] = append(byKey[k], i)
		}
	}
	dup := map[int]bool{}
	var issues []Issue
	for i, u := range users {
		same := byKey[ObjectKey(u.ObjectID)]
		if len(same) < 2 {
			continue
		}
		dup[i] = true
		var others []string
		for _, j := range same {
			if j != i {
				others = append(others, fmt.Sprintf("%s at %s", users[j].UPN, places[j]))
			}
		}
		issues = append(issues, Issue{
			Code: DuplicateID, UPN: u.UPN, File: places[i].File, Line: places[i].Line,
			Message: fmt.Sprintf("object id %s is also the id of %s; %s", u.ObjectID, strings.Join(others, ", "), consequence),
			Hint:    "an object id belongs to one user: correct the export (or the directory) so that each user has its own",
		})
	}
	return dup, issues
}

// Key is the normalised form of the UPN used to match identities.
func (u User) Key() string { return UPNKey(u.UPN) }

// UPNKey normalises a user principal name for comparison.
func UPNKey(upn string) string { return strings.ToLower(strings.TrimSpace(upn)) }

// HasLicense reports whether the user holds l.
func (u User) HasLicense(l License) bool { return slices.Contains(u.Licenses, l) }

// Role is one of the admin roles allowed to change phone numbers (rule R15).
type Role string

// The roles of rule R15.
const (
	RoleTeamsAdmin          Role = "TeamsAdministrator"
	RoleTeamsCommsAdmin     Role = "TeamsCommunicationsAdministrator"
	RoleTeamsTelephonyAdmin Role = "TeamsTelephonyAdministrator"
)

// Roles lists the roles of rule R15.
var Roles = []Role{RoleTeamsAdmin, RoleTeamsCommsAdmin, RoleTeamsTelephonyAdmin}

// ParseRole reads a role name with or without spaces ("Teams Telephony
// Administrator").
func ParseRole(s string) (Role, error) {
	for _, r := range Roles {
		if squash(s) == squash(string(r)) {
			return r, nil
		}
	}
	return "", fmt.Errorf("unknown role %q (want one of %s, %s, %s)", s, RoleTeamsAdmin, RoleTeamsCommsAdmin, RoleTeamsTelephonyAdmin)
}

// RoleGrant records that a principal (an actor name, usually a UPN) holds a role.
type RoleGrant struct {
	Principal string
	Role      Role
	// FromDirectory marks a grant that comes from membership of a group
	// of directory.role_groups, not from `numsync roles grant`.
	FromDirectory bool
}

// squash lowers s and drops spaces, dashes and underscores, so that the
// spellings admins use for one enum value compare equal.
func squash(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(strings.TrimSpace(s)) {
		switch r {
		case ' ', '-', '_', '.':
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// WithOnPremises returns the cloud's view of a user synced from on-premises
// AD, with what only AD knows taken from ad: its DN, its msRTCSIP-Line and
// the directory it is read from (which keeps marking it absent).
func (u User) WithOnPremises(ad User) User {
	u.DN, u.OnPremLine, u.Source = ad.DN, ad.OnPremLine, ad.Source
	return u
}
