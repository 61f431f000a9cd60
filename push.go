package numsync

import (
	"fmt"
	"strings"
	"time"
)

// PushState is where one applied operation stands in Teams: numsync's store
// holds what runs applied (desired); an executor (the Graph client, or
// teams-apply.ps1 whose results are imported) carries each operation out in
// the tenant and records how far it got.
type PushState string

// Push states. An applied operation starts pending; it is submitted when
// Teams accepted it and is carrying it out, and ends succeeded, failed (with
// the tenant's error) or skipped (not sent, because the tenant already
// matched). Succeeded and skipped have landed; pending, submitted and
// failed are what [Store.UnfinishedOutcomes] hands to the next run, so an
// operation not attempted because one it depends on failed stays pending
// (with the reason as its error) rather than skipped.
const (
	PushPending   PushState = "pending"
	PushSubmitted PushState = "submitted"
	PushSucceeded PushState = "succeeded"
	PushFailed    PushState = "failed"
	PushSkipped   PushState = "skipped"
)

// Executors that record outcomes.
const (
	ViaGraph      = "graph"
	ViaPowerShell = "powershell"
)

// OpOutcome is what became of one applied operation in Teams.
type OpOutcome struct {
	RunID string
	// Step is the operation's position in its run, from 1, as in plan.csv
	// and teams-apply.ps1.
	Step  int
	State PushState
	// OperationURL is the tenant's long-running operation to poll while the
	// state is submitted, so that a resumed push polls instead of resending.
	OperationURL string
	ErrorCode    string
	Error        string
	Attempts     int
	Via          string // ViaGraph or ViaPowerShell
	// At is when the executor saw the outcome (zero for an operation
	// nothing was recorded for).
	At time.Time
	// Actor is who recorded the outcome (the admin importing a results
	// file, or the identity the executor runs as), for the outcome log.
	Actor string
}

// PushOp is an applied operation that has not (as far as numsync knows)
// landed in Teams: the operation as its run applied it, the digest of that
// run's plan (which, with the step, names it in teams-apply.ps1 and its
// results), and its outcome so far.
type PushOp struct {
	Outcome    OpOutcome
	PlanDigest string
	Op         Op
}

// Landed reports whether the operation is in Teams as its run left it:
// carried out, or found already done.
func (s PushState) Landed() bool { return s == PushSucceeded || s == PushSkipped }

// ScriptOutcome is what teams-apply.ps1 did with one step, as its results
// file (teams-apply.results.csv) says.
type ScriptOutcome string

// Outcomes of a teams-apply.ps1 step.
const (
	// ScriptDone: the step's call succeeded.
	ScriptDone ScriptOutcome = "done"
	// ScriptAlreadyDone: Teams already matched the step, which was not sent.
	ScriptAlreadyDone ScriptOutcome = "already-done"
	// ScriptFailed: the call failed, with its error, after its retries.
	ScriptFailed ScriptOutcome = "failed"
	// ScriptSkipped: not attempted, because the step freeing its number
	// did not land ("waiting on step N").
	ScriptSkipped ScriptOutcome = "skipped"
)

// ParseScriptOutcome reads an outcome as the script writes it.
func ParseScriptOutcome(s string) (ScriptOutcome, error) {
	switch o := ScriptOutcome(strings.ToLower(strings.TrimSpace(s))); o {
	case ScriptDone, ScriptAlreadyDone, ScriptFailed, ScriptSkipped:
		return o, nil
	}
	return "", fmt.Errorf("unknown outcome %q (want done, already-done, failed or skipped)", s)
}

// PushState is the state the store records for the outcome. A step the
// script skipped was never attempted: it stays pending (with the reason
// as its error), so that the next run carries it out.
func (o ScriptOutcome) PushState() PushState {
	switch o {
	case ScriptDone:
		return PushSucceeded
	case ScriptAlreadyDone:
		return PushSkipped
	case ScriptFailed:
		return PushFailed
	}
	return PushPending
}

// StepResult is one row of teams-apply.ps1's results: what became of one
// step, named by its plan's digest and its step number.
type StepResult struct {
	PlanDigest string
	Step       int
	Operation  string // the step as the script describes it
	Outcome    ScriptOutcome
	Attempts   int
	Error      string // the tenant's error, or why the step was skipped
	At         time.Time
	Source     Source // file and line of the row
}
