package numsync

import (
	"fmt"
	"slices"
	"time"
)

// NumberSource says where a number comes from.
const (
	SourceOnline     = "Online"
	SourceOnPremises = "OnPremises"
)

// InventoryNumber is a number the organisation owns (or, for Direct
// Routing, uses), as Microsoft's exports describe it.
type InventoryNumber struct {
	Number
	Type         NumberType
	Country      string // ISO 3166 alpha-2
	Capabilities []Capability
	LocationID   string // emergency location of the number, when set
	// LocationUpdateSupported is false when the operator manages the
	// emergency address (rule R14).
	LocationUpdateSupported bool
	Operator                string // PartnerName / PstnPartnerName
	Source                  string // SourceOnline or SourceOnPremises
	ActivationState         string
	// ReleasedAt is when the number was last removed from a holder; rule R9
	// keeps it in quarantine for the configured days after that.
	ReleasedAt time.Time
	// Outside is the holder of a number the export says is assigned to an
	// identity numsync does not know; zero when no such holder holds it.
	Outside OutsideHolder
}

// Can reports whether the number has capability c.
func (n InventoryNumber) Can(c Capability) bool { return slices.Contains(n.Capabilities, c) }

// EmergencyLocation is an emergency address numbers can be tied to.
type EmergencyLocation struct {
	ID          string
	Description string
	Country     string // ISO 3166 alpha-2
	CompanyName string
	HouseNumber string
	StreetName  string
	City        string
	StateOrProv string
	PostalCode  string
}

// Category is the assignment category of a number on an identity.
type Category string

// Categories: a Private number takes incoming calls only.
const (
	Primary Category = "Primary"
	Private Category = "Private"
)

// ParseCategory reads an assignment category; empty means [Primary].
func ParseCategory(s string) (Category, error) {
	switch squash(s) {
	case "", "primary":
		return Primary, nil
	case "private":
		return Private, nil
	}
	return "", fmt.Errorf("unknown assignment category %q (want Primary or Private)", s)
}

// Assignment is a number held by an identity in one category.
type Assignment struct {
	UPN        string
	Category   Category
	Number     Number
	Type       NumberType
	LocationID string
}
