package numsync

import "time"

// PushState is where one applied operation stands in Teams: numsync's store
// holds what runs applied (desired); an executor (the Graph client, or
// teams-apply.ps1 whose results are imported) carries each operation out in
// the tenant and records how far it got.
type PushState string

// Push states. An applied operation starts pending; it is submitted when
// Teams accepted it and is carrying it out, and ends succeeded, failed (with
// the tenant's error) or skipped (not attempted, because an operation it
// depends on failed or the tenant already matched).
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
