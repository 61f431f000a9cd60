package numsync

import (
	"cmp"
	"strings"
)

// Assignment is a number held by an identity in one category.
type Assignment struct {
	UPN        string
	Category   Category
	Number     Number
	Type       NumberType
	LocationID string
}

// Slot is one place a number can be held: an identity, by [UPNKey], and an
// assignment category. Every operation of a plan acts on exactly one slot.
type Slot struct {
	UPNKey   string
	Category Category
}

// SlotOf returns the slot of upn in category c (empty meaning [Primary]).
func SlotOf(upn string, c Category) Slot { return Slot{UPNKey(upn), c.OrPrimary()} }

// Compare orders slots by UPN key, then category: the order plans list
// their operations in and the store writes its assignment rows in.
func (s Slot) Compare(o Slot) int {
	return cmp.Or(strings.Compare(s.UPNKey, o.UPNKey), strings.Compare(string(s.Category), string(o.Category)))
}
