package numsync

import (
	"fmt"
	"strings"
)

// PlanVersion is the version of the plan.json schema written by this build.
const PlanVersion = 1

// Action is what an operation does to an identity's number in one category.
type Action string

// The actions of a plan.
const (
	Assign Action = "assign"
	Change Action = "change"
	Remove Action = "remove"
)

// Symbol returns the one-character mark of the action in plan listings:
// "+" assign, "~" change, "-" remove.
func (a Action) Symbol() string {
	switch a {
	case Assign:
		return "+"
	case Change:
		return "~"
	case Remove:
		return "-"
	}
	return "?"
}

// Mode decides which identities a plan touches.
type Mode string

// Modes: merge touches only identities named in the sheets; authoritative
// also removes the numbers of identities no sheet names.
const (
	Merge         Mode = "merge"
	Authoritative Mode = "authoritative"
)

// ParseMode reads a mode name; empty means [Merge].
func ParseMode(s string) (Mode, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "merge":
		return Merge, nil
	case "authoritative":
		return Authoritative, nil
	}
	return "", fmt.Errorf("unknown mode %q (want merge or authoritative)", s)
}

// Holding is a number as held by an identity: the state before or after an
// operation.
type Holding struct {
	Number   Number     `json:"number"`
	Type     NumberType `json:"type"`
	Location string     `json:"location"`
}

// Source is the place in a sheet a wish or problem comes from.
type Source struct {
	File string `json:"file"`
	Line int    `json:"line"`
}

func (s Source) String() string {
	if s.File == "" {
		return ""
	}
	return fmt.Sprintf("%s:%d", s.File, s.Line)
}

// Op is one operation of a plan. Before is nil for an assign, After is nil
// for a remove.
type Op struct {
	Action   Action   `json:"action"`
	UPN      string   `json:"upn"`
	Category Category `json:"category"`
	Before   *Holding `json:"before"`
	After    *Holding `json:"after"`
	Notify   bool     `json:"notify"`
	Source   *Source  `json:"source"` // nil for removals made by authoritative mode
}

// Issue is a rejected row, a blocked operation or a warning: what, where and
// why, with a hint for the person who fixes it.
type Issue struct {
	Code    Reason `json:"code"`
	UPN     string `json:"upn"`
	Number  string `json:"number"`
	File    string `json:"file"`
	Line    int    `json:"line"`
	Column  string `json:"column,omitempty"`
	Message string `json:"message"`
	Hint    string `json:"hint,omitempty"`
}

// Counts sums up a plan or a run.
type Counts struct {
	Assign    int `json:"assign"`
	Change    int `json:"change"`
	Remove    int `json:"remove"`
	Unchanged int `json:"unchanged"`
	Rejected  int `json:"rejected"`
	Blocked   int `json:"blocked"`
	Warnings  int `json:"warnings"`
	RowsRead  int `json:"rows_read"`
	Sheets    int `json:"sheets"`
}

// Add counts one operation of action a as an assign, change or remove.
func (c *Counts) Add(a Action) {
	switch a {
	case Assign:
		c.Assign++
	case Change:
		c.Change++
	case Remove:
		c.Remove++
	}
}

// Plan is the validated difference between what the sheets want and what
// the store holds, computed against one store revision. It is built once,
// printed, saved as plan.json, reviewed and applied as it is.
type Plan struct {
	Version      int     `json:"version"`
	Revision     int64   `json:"revision"`
	InputsDigest string  `json:"inputs_digest"`
	Mode         Mode    `json:"mode"`
	Ops          []Op    `json:"ops"`
	Rejects      []Issue `json:"rejects"`
	Blocked      []Issue `json:"blocked"`
	Warnings     []Issue `json:"warnings"`
	Counts       Counts  `json:"counts"`
	// Digest is the SHA-256 (hex) of the plan file's bytes before this
	// field: the plan file carries it so that apply can tell a plan that
	// was edited after it was made from the one that was reviewed.
	Digest string `json:"digest"`
}
