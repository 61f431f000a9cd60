package planner

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/numsync/numsync"
)

// ApplyOptions says who applies a plan and how the guards are set.
type ApplyOptions struct {
	// Actor is who applies; they must hold one of [numsync.Roles] (R15).
	Actor string
	// MaxRemoves holds the plan back when it leaves more numbers with
	// nobody ([numsync.Plan.Removals]). The
	// zero value allows no removal at all ("max_removes: 0" is how an
	// unattended job says so); a caller without a configured limit passes
	// [numsync.DefaultMaxRemoves].
	MaxRemoves numsync.Threshold
	// Wait makes a locked store a reason to wait (polling every
	// PollInterval, default 1s, until ctx is done) instead of failing;
	// Waiting, when set, is told who holds the lock each time it is found
	// taken.
	Wait         bool
	PollInterval time.Duration
	Waiting      func(*numsync.LockedError)
	// LockHolder names this process in the lock, for whoever finds it
	// locked (user, host, pid); default: the actor.
	LockHolder string
	// LockTTL is how long the lock outlives a crashed holder; default 2
	// minutes. The lock is renewed while the apply runs.
	LockTTL time.Duration
	// Held says the caller already holds the store lock (taken with
	// [Hold] for a whole run): Apply then neither takes nor releases it.
	Held bool
	// Progress is passed to the store: told after each applied operation.
	Progress func(done int)
	// Clock times the run, the lock wait and the lock's renewal (default
	// [numsync.SystemClock]).
	Clock numsync.Clock
	// MailFrom is the From address of notification emails (default
	// "numsync@localhost").
	MailFrom string
	// PlanDigest is the plan's digest when the caller has it, as
	// [ReadPlanDigest] returns it with the plan; empty means Apply
	// computes [Digest], which encodes the whole plan again.
	PlanDigest string
	// Tenant is a snapshot the caller already read (for planning or for
	// its reports). Apply uses it for the removal guard and the emails
	// when it is at the store's revision once the lock is held, instead
	// of reading a second full snapshot; otherwise it reads its own.
	Tenant *numsync.Tenant
}

// NotAuthorizedError is returned when the actor holds no role allowed to
// change numbers (R15). Nothing was applied.
type NotAuthorizedError struct {
	Actor string
	Run   numsync.Run // the recorded refusal
}

func (e *NotAuthorizedError) Error() string {
	names := make([]string, len(numsync.Roles))
	for i, r := range numsync.Roles {
		names[i] = string(r)
	}
	if e.Actor == "" {
		return "not authorised: no actor given; applying needs an actor holding one of " + strings.Join(names, ", ")
	}
	return fmt.Sprintf("not authorised: %s holds none of the roles %s; nothing was applied", e.Actor, strings.Join(names, ", "))
}

// Reason returns [numsync.NotAuthorized].
func (e *NotAuthorizedError) Reason() numsync.Reason { return numsync.NotAuthorized }

// HeldBackError is returned when a plan leaves more numbers with nobody
// than the guard allows (see [numsync.Plan.Removals]). Nothing was applied.
type HeldBackError struct {
	Removes   int
	Limit     int
	Threshold numsync.Threshold
	Run       numsync.Run // the recorded hold-back
}

func (e *HeldBackError) Error() string {
	return fmt.Sprintf("held back: the plan removes %d numbers that no one else takes, more than the limit of %d (max_removes %s); nothing was applied",
		e.Removes, e.Limit, e.Threshold)
}

// StaleError is returned when the store moved on since the plan was made.
// Nothing was applied. errors.Is(err, numsync.ErrStale) is true.
type StaleError struct {
	PlanRevision  int64
	StoreRevision int64
	Run           numsync.Run // the recorded refusal
}

func (e *StaleError) Error() string {
	return fmt.Sprintf("stale plan: it was made at store revision %d but the store is at %d; nothing was applied",
		e.PlanRevision, e.StoreRevision)
}

// Unwrap makes errors.Is(err, numsync.ErrStale) true.
func (e *StaleError) Unwrap() error { return numsync.ErrStale }

const (
	defaultLockTTL = 2 * time.Minute
	defaultPoll    = time.Second
)

// Apply carries out p on st, guarded in this order: the actor must hold an
// admin role; the single-writer lock is taken (or waited for); a plan that
// removes more than opts.MaxRemoves is held back; an empty plan records a
// nothing-to-do run; otherwise the store applies every operation and
// queues the notification emails in one transaction, refusing a stale
// plan. Every refusal is recorded as a run and returned as an error that
// [errors.As] tells apart: [*NotAuthorizedError], [*numsync.LockedError],
// [*HeldBackError], [*StaleError].
func Apply(ctx context.Context, st numsync.Store, p *numsync.Plan, opts ApplyOptions) (numsync.Run, error) {
	if p == nil {
		return numsync.Run{}, errors.New("apply: no plan")
	}
	clock := opts.clock()
	started := clock.Now()
	digest := opts.PlanDigest
	if digest == "" {
		digest = Digest(p)
	}
	refuse := func(status numsync.RunStatus, cause error) (numsync.Run, error) {
		run, err := st.RecordRun(context.WithoutCancel(ctx), numsync.Run{
			Actor: opts.Actor, Started: started, Ended: clock.Now(), Status: status,
			Counts: p.Counts, PlanDigest: digest, Message: cause.Error(),
		})
		if err != nil {
			return run, errors.Join(cause, fmt.Errorf("recording the refused run: %w", err))
		}
		return run, cause
	}

	if ok, err := authorized(ctx, st, opts.Actor); err != nil {
		return numsync.Run{}, fmt.Errorf("apply: reading admin roles: %w", err)
	} else if !ok {
		e := &NotAuthorizedError{Actor: opts.Actor}
		run, err := refuse(numsync.RunNotAuthorized, e)
		e.Run = run
		return run, err
	}

	if !opts.Held {
		release, err := Hold(ctx, st, opts)
		if err != nil {
			return numsync.Run{}, fmt.Errorf("apply: %w", err)
		}
		defer release()
	}

	threshold := opts.MaxRemoves
	var tenant *numsync.Tenant
	loadTenant := func() error {
		if tenant == nil && opts.Tenant != nil {
			// Under the lock the store moves only with this apply, so a
			// snapshot at its revision is as good as a new one.
			rev, err := st.Revision(ctx)
			if err != nil {
				return fmt.Errorf("apply: %w", err)
			}
			if rev == opts.Tenant.Revision {
				tenant = opts.Tenant
			}
		}
		if tenant == nil {
			t, err := st.Tenant(ctx)
			if err != nil {
				return fmt.Errorf("apply: reading the tenant: %w", err)
			}
			tenant = t
		}
		return nil
	}
	if removes := p.Removals(); removes > threshold.Count || (threshold.Percent > 0 && removes > 0) {
		current := 0
		if threshold.Percent > 0 {
			if err := loadTenant(); err != nil {
				return numsync.Run{}, err
			}
			current = len(tenant.Assignments)
		}
		if limit := threshold.Limit(current); removes > limit {
			e := &HeldBackError{Removes: removes, Limit: limit, Threshold: threshold}
			run, err := refuse(numsync.RunHeldBack, e)
			e.Run = run
			return run, err
		}
	}

	stale := func() (numsync.Run, error) {
		e := &StaleError{PlanRevision: p.Revision, StoreRevision: -1}
		if rev, err := st.Revision(context.WithoutCancel(ctx)); err == nil {
			e.StoreRevision = rev
		}
		run, err := refuse(numsync.RunStale, e)
		e.Run = run
		return run, err
	}

	if len(p.Ops) == 0 {
		// Nothing to change, but a plan made against an older store still
		// says so with outdated rejects: refuse it like any stale plan.
		if rev, err := st.Revision(ctx); err != nil {
			return numsync.Run{}, fmt.Errorf("apply: %w", err)
		} else if rev != p.Revision {
			return stale()
		}
		run, err := st.RecordRun(ctx, numsync.Run{
			Actor: opts.Actor, Started: started, Ended: clock.Now(), Status: numsync.RunNothingToDo,
			Counts: p.Counts, PlanDigest: digest,
		})
		if err != nil {
			return run, fmt.Errorf("apply: %w", err)
		}
		return run, nil
	}

	var msgs func() []numsync.Message
	if needsMail(p) {
		if err := loadTenant(); err != nil {
			return numsync.Run{}, err
		}
		// The mails are written while the store applies the operations.
		ready := make(chan []numsync.Message, 1)
		go func() { ready <- messages(p, tenant, opts.MailFrom, started, digest) }()
		msgs = sync.OnceValue(func() []numsync.Message { return <-ready })
	}
	run, err := st.Apply(ctx, numsync.ApplyRequest{
		Revision: p.Revision, Actor: opts.Actor, PlanDigest: digest,
		Ops: p.Ops, Messages: msgs, Started: started, Counts: p.Counts, Progress: opts.Progress,
	})
	if errors.Is(err, numsync.ErrStale) {
		return stale()
	}
	if err != nil {
		return refuse(numsync.RunFailed, err)
	}
	return run, nil
}

// authorized reports whether actor holds one of the roles of R15.
func authorized(ctx context.Context, st numsync.Store, actor string) (bool, error) {
	key := numsync.UPNKey(actor)
	if key == "" {
		return false, nil
	}
	grants, err := st.RoleGrants(ctx)
	if err != nil {
		return false, err
	}
	for _, g := range grants {
		if numsync.UPNKey(g.Principal) != key {
			continue
		}
		for _, r := range numsync.Roles {
			if g.Role == r {
				return true, nil
			}
		}
	}
	return false, nil
}

// Hold takes the single-writer lock for opts.LockHolder (waiting for it
// with opts.Wait, until ctx is done) and keeps it renewed until the
// returned release is called, which may be called more than once. A run
// that reads, plans and applies holds it throughout, so that no other
// writer slips in between its plan and its apply. The renewal goes on
// after ctx is done: a transaction that a first signal lets finish still
// holds the lock.
func Hold(ctx context.Context, st numsync.Store, opts ApplyOptions) (release func(), err error) {
	lock, err := takeLock(ctx, st, opts)
	if err != nil {
		return nil, err
	}
	stopRenew := renew(context.WithoutCancel(ctx), opts.clock(), lock, opts.LockTTL)
	return sync.OnceFunc(func() {
		stopRenew()
		_ = lock.Release(context.WithoutCancel(ctx))
	}), nil
}

func (o ApplyOptions) clock() numsync.Clock {
	if o.Clock == nil {
		return numsync.SystemClock
	}
	return o.Clock
}

// takeLock takes the single-writer lock, waiting for it with opts.Wait.
func takeLock(ctx context.Context, st numsync.Store, opts ApplyOptions) (numsync.Lock, error) {
	holder := opts.LockHolder
	if holder == "" {
		holder = opts.Actor
	}
	ttl := opts.LockTTL
	if ttl <= 0 {
		ttl = defaultLockTTL
	}
	poll := opts.PollInterval
	if poll <= 0 {
		poll = defaultPoll
	}
	for {
		l, err := st.Lock(ctx, holder, ttl)
		if err == nil || !opts.Wait || !errors.Is(err, numsync.ErrLocked) {
			return l, err
		}
		if locked := (*numsync.LockedError)(nil); opts.Waiting != nil && errors.As(err, &locked) {
			opts.Waiting(locked)
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("gave up waiting for the lock (%w): %w", ctx.Err(), err)
		case <-opts.clock().After(poll):
		}
	}
}

// renew keeps the lock alive while a long apply runs, so that it expires
// only when this process dies. It returns the function that stops it.
func renew(ctx context.Context, clock numsync.Clock, l numsync.Lock, ttl time.Duration) func() {
	if ttl <= 0 {
		ttl = defaultLockTTL
	}
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case <-clock.After(ttl / 3):
				// A failed renewal is not fatal: the revision check still
				// refuses a plan that someone else's apply overtook.
				_ = l.Renew(ctx)
			}
		}
	}()
	return func() { close(done); <-stopped }
}
