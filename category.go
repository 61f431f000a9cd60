package numsync

import "fmt"

// Category is the assignment category of a number on an identity. An
// identity holds at most one number per category.
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

// OrPrimary returns c, or [Primary] when c is empty: operations, audit
// entries and exports that state no category mean the Primary one.
func (c Category) OrPrimary() Category {
	if c == "" {
		return Primary
	}
	return c
}
