package numsync

import (
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

// InventoryRecord is one row of a number inventory export.
type InventoryRecord struct {
	InventoryNumber
	HolderID string // cloud object id of the holder; empty when the number is free
	// HolderType is the export's TargetType ("User", "ResourceAccount",
	// "ConferenceBridge"…), kept to name a holder numsync does not know.
	HolderType string
	Category   Category // of the holder's assignment
	Source     Source   // file and line, for problems
	// LocationUpdateUnstated says the row has no LocationUpdateSupported
	// value (Export-CsAcquiredPhoneNumber has no such column): the stored
	// value stays, and a new number gets true.
	LocationUpdateUnstated bool
}

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
