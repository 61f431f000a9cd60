package numsync

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Store is numsync's system of record: the tenant (users, numbers,
// locations, assignments), the revision it is at, runs, the audit log, admin
// roles and the notification outbox. Every method that writes runs in one
// transaction and either commits whole or leaves the store as it was; the
// revision grows by one with every committed change.
type Store interface {
	// Revision returns the current store revision. An empty store is at 0.
	Revision(ctx context.Context) (int64, error)

	// ImportNumbers upserts inventory numbers. A record with a HolderID is
	// loaded as that holder's current assignment; a record without one
	// frees the number. A holder that matches no single user is reported
	// as a problem and its number loads held by an [OutsideHolder].
	// ImportUsers turns such holdings into assignments once a user with
	// that object id arrives.
	//
	// With file set, the records come from that export file: it is
	// recorded (see [Store.SourceDigest]) in the same transaction as its
	// records, and an export written before the last applied run is
	// refused with an [*OlderExportError] unless file.AllowOlder, because
	// loading it would take back what that run assigned.
	ImportNumbers(ctx context.Context, recs []InventoryRecord, file *ExportFile) (ImportResult, error)
	// ImportUsers upserts users. With opts.MarkAbsent, users of the same
	// source that are not in users are marked absent (never deleted).
	ImportUsers(ctx context.Context, users []User, opts UserImportOptions) (ImportResult, error)
	// ImportLocations upserts emergency locations; file, when set, is
	// recorded in the same transaction.
	ImportLocations(ctx context.Context, locs []EmergencyLocation, file *ExportFile) (ImportResult, error)

	// Tenant returns a consistent snapshot of the whole tenant.
	Tenant(ctx context.Context) (*Tenant, error)

	// Apply carries out ops in order in one transaction, if and only if the
	// store is still at req.Revision (else an error wrapping [ErrStale]).
	// It records the run, one audit entry per op, the EnterpriseVoice flags
	// and queues req.Messages() in the outbox.
	Apply(ctx context.Context, req ApplyRequest) (Run, error)
	// RecordRun records a run that changed nothing (held back, refused,
	// failed) so that it shows in the run history.
	RecordRun(ctx context.Context, run Run) (Run, error)
	// Run returns one run by id (an error wrapping [ErrNotFound] if none).
	Run(ctx context.Context, id string) (Run, error)
	// Runs returns the runs, newest first, at most limit of them.
	Runs(ctx context.Context, limit int) ([]Run, error)
	// Audit returns the audit entries of runs after the given sequence
	// number (0 for all), in order; with runID set, only that run's.
	Audit(ctx context.Context, runID string, afterSeq int64) ([]AuditEntry, error)

	// GrantRole, RevokeRole and RoleGrants manage the admin roles of rule R15.
	GrantRole(ctx context.Context, g RoleGrant) (changed bool, err error)
	RevokeRole(ctx context.Context, g RoleGrant) (changed bool, err error)
	// RoleGrants returns the grants made by hand and those of the directory.
	RoleGrants(ctx context.Context) ([]RoleGrant, error)
	// SetDirectoryRoles replaces the grants the directory makes (through
	// group membership) with grants, reporting whether that changed them.
	SetDirectoryRoles(ctx context.Context, grants []RoleGrant) (changed bool, err error)

	// Lock takes the single-writer lock for holder, failing fast with an
	// error wrapping [ErrLocked] when another live holder has it. A lock
	// whose holder stopped renewing it expires after ttl.
	Lock(ctx context.Context, holder string, ttl time.Duration) (Lock, error)

	// Outbox returns at most limit messages not yet sent (all of them when
	// limit <= 0) whose id is above after, oldest first, so that a large
	// outbox is read a page at a time; OutboxLen counts the messages not
	// yet sent; MarkSent records one as sent.
	Outbox(ctx context.Context, after int64, limit int) ([]Message, error)
	OutboxLen(ctx context.Context) (int, error)
	MarkSent(ctx context.Context, id int64, at time.Time) error

	// SourceDigest returns the content digest of the export of that name
	// (an [ExportFile]'s Name) last loaded, "" when none was, so that an
	// export unchanged since it was last loaded is not loaded again over
	// what numsync applied since.
	SourceDigest(ctx context.Context, name string) (string, error)

	// RecordOutcomes upserts what became of applied operations in Teams,
	// keyed by run id and step, in one transaction that also logs each
	// outcome with its actor. An outcome naming a run that was not applied
	// or a step the run does not have is an error wrapping [ErrNotFound],
	// and nothing is recorded. The revision does not change: Teams
	// catching up with the store makes no plan stale.
	RecordOutcomes(ctx context.Context, outs []OpOutcome) error
	// Outcomes returns the outcome of every operation of an applied run,
	// by step; an operation nothing was recorded for is pending.
	Outcomes(ctx context.Context, runID string) ([]OpOutcome, error)
	// UnfinishedOutcomes returns the pending, submitted and failed
	// outcomes of every applied run, oldest operation first: what the next
	// run must carry out or retry in Teams.
	UnfinishedOutcomes(ctx context.Context) ([]OpOutcome, error)

	Close() error
}

// Lock is a held single-writer lock.
type Lock interface {
	// Renew extends the lock; long runs call it periodically.
	Renew(ctx context.Context) error
	// Release gives the lock up.
	Release(ctx context.Context) error
}

// Errors the store returns, to be tested with errors.Is.
var (
	ErrStale    = errors.New("plan is stale: the store changed since it was made")
	ErrLocked   = errors.New("store is locked by another writer")
	ErrNotFound = errors.New("not found")
)

// LockedError names the holder of a lock someone else wanted.
type LockedError struct {
	Holder string
	Since  time.Time
	// Expires is when the lock ends unless its holder renews it; zero for
	// a lock that lasts exactly as long as its holder's database session.
	Expires time.Time
}

func (e *LockedError) Error() string {
	if e.Expires.IsZero() {
		return fmt.Sprintf("store is locked by %s since %s (until it finishes or its database connection ends)",
			e.Holder, e.Since.UTC().Format(time.RFC3339))
	}
	return fmt.Sprintf("store is locked by %s since %s (expires %s unless renewed)",
		e.Holder, e.Since.UTC().Format(time.RFC3339), e.Expires.UTC().Format(time.RFC3339))
}

// Unwrap makes errors.Is(err, ErrLocked) true.
func (e *LockedError) Unwrap() error { return ErrLocked }

// ExportFile is an export file an import loads, recorded with its rows in
// one transaction: a failed import leaves neither, so an export is never
// thought loaded when it was not, nor loaded again because its record was
// lost.
type ExportFile struct {
	Name     string    // what it is: "inventory", "users", "locations"
	Digest   string    // of its content
	Modified time.Time // when it was written (its modification time); zero when unknown
	// AllowOlder loads it even when it was written before the last
	// applied run (see [OlderExportError]).
	AllowOlder bool
}

// OlderExportError refuses an export written before a run applied
// assignments: it does not show them, so loading it as the tenant's truth
// would take them back. Nothing was loaded.
type OlderExportError struct {
	Name     string
	Modified time.Time // of the export
	RunID    string    // the last applied run
	Applied  time.Time // when that run ended
}

func (e *OlderExportError) Error() string {
	return fmt.Sprintf("the %s export was written at %s, before run %s applied its changes at %s: loading it would take them back",
		e.Name, e.Modified.UTC().Format(time.RFC3339), e.RunID, e.Applied.UTC().Format(time.RFC3339))
}

// Hint says what to do instead.
func (e *OlderExportError) Hint() string {
	return "export the " + e.Name + " again once the applied changes are in Teams, or load this file anyway with --allow-older-export"
}

// UserImportOptions tunes [Store.ImportUsers].
type UserImportOptions struct {
	// File, when set, is the export the users come from, recorded in the
	// same transaction (see [ExportFile]).
	File *ExportFile
	// Source names where the users come from ("csv", "ldap", "ldif").
	Source string
	// MarkAbsent marks users of Source that are not in the import as absent.
	MarkAbsent bool
}

// ImportResult says what an import did.
type ImportResult struct {
	Added     int
	Updated   int
	Unchanged int
	Absent    int // users newly marked absent
	// Adopted counts the numbers held by an identity outside the
	// directory that a users import turned into assignments of the users
	// that now carry those identities' object ids.
	Adopted  int
	Problems []Issue // rows loaded differently from what they asked, or not at all
	Revision int64   // store revision after the import
}

// ApplyRequest is a plan on its way into the store.
type ApplyRequest struct {
	Revision   int64 // the revision the plan was made against
	Actor      string
	PlanDigest string
	Ops        []Op
	// Messages, when set, is called once, after the operations are
	// written, for the notifications to queue in the same transaction: a
	// caller can write them while the store works.
	Messages func() []Message
	Started  time.Time
	Counts   Counts
	// Progress, when set, is told after each operation how many of the
	// operations are done.
	Progress func(done int)
}
