package numsync

import "time"

// RunStatus is how a run ended.
type RunStatus string

// Run statuses.
const (
	RunApplied        RunStatus = "applied"
	RunNothingToDo    RunStatus = "nothing-to-do"
	RunHeldBack       RunStatus = "stopped-removal-threshold"
	RunStale          RunStatus = "stale"
	RunNotAuthorized  RunStatus = "not-authorized"
	RunFailed         RunStatus = "failed"
	RunDryRun         RunStatus = "dry-run"
	RunRolledBack     RunStatus = "rolled-back"
	RunDirectoryError RunStatus = "directory-error"
	// RunImported is an inventory import that took assignments away
	// (the export says so): its audit entries say which and why.
	RunImported RunStatus = "imported"
)

// Run is one apply (or attempted apply) with its outcome.
type Run struct {
	ID         string    `json:"id"`
	Actor      string    `json:"actor"`
	Started    time.Time `json:"started"`
	Ended      time.Time `json:"ended"`
	Status     RunStatus `json:"status"`
	Counts     Counts    `json:"counts"`
	PlanDigest string    `json:"plan_digest"`
	Revision   int64     `json:"revision"` // store revision after the run
	Message    string    `json:"message,omitempty"`
}

// AuditEntry is one applied operation.
type AuditEntry struct {
	Seq   int64     `json:"seq"`
	RunID string    `json:"run_id"`
	At    time.Time `json:"at"`
	Actor string    `json:"actor"`
	Op    Op        `json:"op"`
	// Reason says why an import changed the assignment (the export row,
	// or the problem with it); empty for applied plans, whose reason is
	// the plan.
	Reason string `json:"reason,omitempty"`
}
