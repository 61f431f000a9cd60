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
	// Pair links the two steps of one change that the plan carries out as
	// a remove and a later assign (a swap, a rotation, a move between
	// categories): on each it is the step of the other (its position in
	// the plan's operations, from 1). It is 0 on an operation that is the
	// whole outcome of its row. Counts, summaries and the removal guard
	// count a pair as the one change it is.
	Pair int `json:"pair,omitempty"`
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

// RowAction is what the operation does for its row: its action, except
// that both steps of a [Op.Pair] are the row's change.
func (op Op) RowAction() Action {
	if op.Pair != 0 {
		return Change
	}
	return op.Action
}

// Add counts one operation as the outcome of its row: an assign, change
// or remove, except that of the two steps of a [Op.Pair] the remove is not
// counted and the other counts as the change, so that counting a plan's
// operations gives its rows' counts.
func (c *Counts) Add(op Op) {
	if op.Pair != 0 && op.Action == Remove {
		return
	}
	switch op.RowAction() {
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

// Removals counts the numbers the plan leaves with nobody: its removes,
// except those whose number another operation gives to someone (the first
// step of a swap, a rotation or a move between categories, and a number
// one row frees for another row to take). This is what the max_removes
// guard compares with its limit: a reviewer asked to allow "7 removals"
// must see seven numbers go, not the halves of moves.
func (p *Plan) Removals() int {
	taken := make(map[Number]bool)
	for _, op := range p.Ops {
		if op.After != nil {
			taken[op.After.Number] = true
		}
	}
	n := 0
	for _, op := range p.Ops {
		if op.Action == Remove && op.Before != nil && !taken[op.Before.Number] {
			n++
		}
	}
	return n
}
