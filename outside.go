package numsync

import (
	"fmt"
	"strings"
)

// OutsideHolder is an identity outside the directory: a holder that
// Microsoft's number export names by its cloud object id (TargetId) and
// type (TargetType) but that matches no user numsync knows. Cloud-only
// users, the resource accounts of auto attendants and call queues, and
// conference bridges are such holders. Their numbers are taken all the
// same: no sheet row may have them (NUMBER_TAKEN), authoritative mode
// never removes them (numsync cannot act on an identity it does not know),
// and status counts them assigned. When a users import (or any later
// source of users) brings an identity with that object id, the store makes
// the number an ordinary holding of it.
type OutsideHolder struct {
	ID       string   // the export's TargetId / AssignedPstnTargetId
	Type     string   // the export's TargetType (User, ResourceAccount, ConferenceBridge…); may be empty
	Category Category // the category the export gives the holding
}

// IsZero reports whether h names no holder.
func (h OutsideHolder) IsZero() bool { return h.ID == "" }

// String names the holder for messages and reports:
// "an identity outside the directory (ResourceAccount 6f1c…)".
func (h OutsideHolder) String() string {
	if h.Type == "" {
		return fmt.Sprintf("an identity outside the directory (id %s)", h.ID)
	}
	return fmt.Sprintf("an identity outside the directory (%s %s)", h.Type, h.ID)
}

// Taken reports whether the number is held: by a known identity (an
// assignment of the tenant) or by an identity outside the directory. A
// number allocator must never hand out a taken number.
func (x *TenantIndex) Taken(key string) bool {
	if x.holders[key] != nil {
		return true
	}
	n := x.numbers[key]
	return n != nil && !n.Outside.IsZero()
}

// HolderType names the kind of identity holding a number for
// [OutsideHolder.Type]: the export's TargetType when it has one, else what
// the assignment status says (Get-CsPhoneNumberAssignment and Graph's
// number assignments have a status but no target type): "User",
// "ResourceAccount", "ConferenceBridge", or "" when neither says.
func HolderType(targetType, status string) string {
	if t := strings.TrimSpace(targetType); t != "" {
		return t
	}
	switch strings.ToLower(strings.TrimSpace(status)) {
	case "userassigned":
		return "User"
	case "voiceapplicationassigned":
		return "ResourceAccount"
	case "conferenceassigned":
		return "ConferenceBridge"
	}
	return ""
}
