package graph

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/numsync/numsync"
)

// OutcomeRecorder is where a push records what became of each operation:
// the store's [numsync.Store.RecordOutcomes].
type OutcomeRecorder interface {
	RecordOutcomes(ctx context.Context, outs []numsync.OpOutcome) error
}

// PushRequest is an applied run on its way into Teams.
type PushRequest struct {
	RunID string
	// Ops are the run's operations in the order they were applied; step
	// i+1 is Ops[i].
	Ops []numsync.Op
	// Outcomes are what earlier pushes recorded, by step (missing or
	// zero entries are pending).
	Outcomes []numsync.OpOutcome
	// ObjectID gives the cloud object id of an identity, which Graph names
	// assignment targets by.
	ObjectID func(upn string) (string, bool)
	Actor    string
	// DryRun writes the requests that would be sent to DryRunOut and
	// sends none.
	DryRun    bool
	DryRunOut io.Writer
	Recorder  OutcomeRecorder
	// Progress, when set, is told how many operations are finished.
	Progress func(done int)
}

// PushResult says what a push did.
type PushResult struct {
	Outcomes  []numsync.OpOutcome // every operation's outcome, by step
	Succeeded int
	Failed    int // failed in this push, or earlier and out of attempts
	Skipped   int // not sent: Teams already matched, or superseded
	Waiting   int // not attempted: an operation they depend on failed
	Drift     []Drift
	// Observed is what the read-back found for the numbers it read.
	Observed []numsync.ObservedNumber
}

// Drift is a number that did not reach the state its operation wanted.
type Drift struct {
	Step   int
	UPN    string
	Number string
	Reason string
}

// frees reports whether op must take its old number away before it can
// set its new one: a removal, or a change of number or type. A change of
// emergency location alone is an update of the same number.
func frees(op numsync.Op) bool {
	return op.Before != nil && (op.After == nil || op.Before.Number != op.After.Number || op.Before.Type != op.After.Type)
}

// action is one Graph request of an operation.
type action struct {
	path string
	body map[string]any
}

// EnumName writes one of numsync's enum values as Graph spells it:
// "CallingPlan" -> "callingPlan".
func EnumName(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}

// actions are the Graph requests of op: the unassign that frees its old
// number (phase 0) and the assign or update that sets its new one (phase 1).
func actions(op numsync.Op, target string) [2]*action {
	var a [2]*action
	if frees(op) {
		a[0] = &action{path: PathUnassign, body: map[string]any{
			"telephoneNumber": op.Before.Number.String(), "numberType": EnumName(string(op.Before.Type)),
			"assignmentCategory": EnumName(string(op.Category.OrPrimary())),
		}}
	}
	switch {
	case op.After == nil:
	case op.Before == nil || frees(op):
		body := map[string]any{
			"telephoneNumber": op.After.Number.String(), "assignmentTargetId": target,
			"numberType": EnumName(string(op.After.Type)), "assignmentCategory": EnumName(string(op.Category.OrPrimary())),
		}
		if op.After.Location != "" {
			body["locationId"] = op.After.Location
		}
		a[1] = &action{path: PathAssign, body: body}
	default:
		a[1] = &action{path: PathUpdate, body: map[string]any{"telephoneNumber": op.After.Number.String(), "locationId": op.After.Location}}
	}
	return a
}

// Push carries out the run's operations that are not done yet in Teams:
// every number they free first, then every number they set, each phase
// with up to Concurrency requests at once, so that swaps never hold a
// number twice. Each action is answered 202 with a long-running operation
// that is polled until it ends. Outcomes are recorded as they happen: an
// operation is marked pending (with one more attempt) before anything is
// sent, submitted with its operation's URL once accepted, then succeeded
// or failed; one that takes a number whose freeing failed is not sent
// and stays pending, with the reason. A push stopped at any point resumes
// without sending an action twice: a submitted operation is polled, and
// one whose fate is unknown is checked against the number's live
// assignment first. An operation that failed is tried again by the next
// push until it has had MaxAttempts attempts; then it stays failed and is
// reported.
func (c *Client) Push(ctx context.Context, req PushRequest) (PushResult, error) {
	outs := make([]numsync.OpOutcome, len(req.Ops))
	for i := range outs {
		outs[i] = numsync.OpOutcome{RunID: req.RunID, Step: i + 1, State: numsync.PushPending, Via: numsync.ViaGraph, Actor: req.Actor}
	}
	for _, o := range req.Outcomes {
		if o.Step >= 1 && o.Step <= len(outs) && o.State != "" {
			outs[o.Step-1] = o
			outs[o.Step-1].Via, outs[o.Step-1].Actor = numsync.ViaGraph, req.Actor
		}
	}
	p := &pusher{c: c, req: req, outs: outs, check: make([]bool, len(outs)), failed: make([]bool, len(outs))}
	var todo []int
	var start []numsync.OpOutcome
	for i, o := range outs {
		switch {
		case o.State == numsync.PushSucceeded || o.State == numsync.PushSkipped:
			continue
		case o.State == numsync.PushFailed && o.Attempts >= c.cfg.MaxAttempts:
			p.failed[i] = true
			continue
		}
		// An operation marked before a push that did not finish may have
		// been sent: Teams is asked before it is sent again.
		p.check[i] = o.State == numsync.PushSubmitted || (o.State == numsync.PushPending && o.Attempts > 0)
		todo = append(todo, i)
		if o.State != numsync.PushSubmitted {
			o.State, o.Attempts, o.ErrorCode, o.Error, o.At = numsync.PushPending, o.Attempts+1, "", "", time.Now()
			outs[i] = o
		}
		start = append(start, outs[i])
	}
	if req.DryRun {
		p.dryRun(todo)
		return p.result(), nil
	}
	if err := req.Recorder.RecordOutcomes(ctx, start); err != nil {
		return p.result(), fmt.Errorf("recording the push of run %s: %w", req.RunID, err)
	}
	rec := newBatcher(req.Recorder)
	defer rec.stop()
	p.rec = rec
	// freedBy names the step that frees a number, so that a take of that
	// number is not sent when the freeing failed.
	p.freedBy = map[string]int{}
	for _, i := range todo {
		if op := req.Ops[i]; frees(op) {
			p.freedBy[op.Before.Number.String()] = i
		}
	}
	for phase := range 2 {
		p.phase(ctx, phase, todo)
		if err := ctx.Err(); err != nil {
			return p.result(), err
		}
	}
	if err := rec.flush(ctx); err != nil {
		return p.result(), err
	}
	res := p.result()
	var err error
	res.Drift, res.Observed, err = c.verify(ctx, req, todo, outs)
	return res, err
}

// pusher is one push under way.
type pusher struct {
	c       *Client
	req     PushRequest
	rec     *batcher
	freedBy map[string]int

	mu     sync.Mutex
	outs   []numsync.OpOutcome
	check  []bool // ask Teams before sending
	failed []bool
	done   int
}

func (p *pusher) result() PushResult {
	r := PushResult{Outcomes: p.outs}
	for _, o := range p.outs {
		switch o.State {
		case numsync.PushSucceeded:
			r.Succeeded++
		case numsync.PushFailed:
			r.Failed++
		case numsync.PushSkipped:
			r.Skipped++
		case numsync.PushPending:
			r.Waiting++
		}
	}
	return r
}

// dryRun prints the requests of the operations left to do.
func (p *pusher) dryRun(todo []int) {
	for phase := range 2 {
		for _, i := range todo {
			op := p.req.Ops[i]
			target, _ := p.req.ObjectID(op.UPN)
			if a := actions(op, target)[phase]; a != nil {
				b, _ := json.Marshal(a.body)
				fmt.Fprintf(p.req.DryRunOut, "step %d %s: POST %s %s\n", i+1, op.UPN, p.c.url(a.path, nil), b)
			}
		}
	}
}

// task is the next thing to do for one operation in a phase: send its
// action (url empty), or read the long-running operation at url.
type task struct {
	i   int
	url string
	// resumed marks an operation a stopped push left behind: once its
	// operation ends, Teams is asked what is left instead of trusting it.
	resumed bool
}

// phase runs the given phase of every operation of todo. Concurrency
// workers send requests; an accepted action's operation is read again
// after PollInterval without holding a worker, so many operations can be
// under way while only Concurrency requests are in flight.
func (p *pusher) phase(ctx context.Context, phase int, todo []int) {
	// Each operation has at most one task queued at a time.
	queue := make(chan task, len(todo))
	var open sync.WaitGroup // operations not finished in this phase
	for _, i := range todo {
		open.Add(1)
		p.mu.Lock()
		t := task{i: i}
		if p.check[i] && p.outs[i].OperationURL != "" {
			t.url, t.resumed = p.outs[i].OperationURL, true
		}
		p.mu.Unlock()
		queue <- t
	}
	later := func(t task) {
		time.AfterFunc(p.c.cfg.PollInterval, func() {
			if ctx.Err() != nil {
				open.Done()
				return
			}
			queue <- t
		})
	}
	var workers sync.WaitGroup
	for range p.c.cfg.Concurrency {
		workers.Go(func() {
			for t := range queue {
				if ctx.Err() != nil || p.run(ctx, phase, t, later) {
					open.Done()
				}
			}
		})
	}
	open.Wait()
	close(queue)
	workers.Wait()
}

// run does task t of the given phase and reports whether the operation is
// finished with this phase; when it is not, it has handed a next task to
// later.
func (p *pusher) run(ctx context.Context, phase int, t task, later func(task)) bool {
	i := t.i
	op := p.req.Ops[i]
	p.mu.Lock()
	failed, check := p.failed[i], p.check[i]
	p.mu.Unlock()
	if failed {
		return true
	}
	target, known := p.req.ObjectID(op.UPN)
	acts := actions(op, target)
	a, last := acts[phase], phase == 1 || acts[1] == nil
	done := func() bool {
		if last {
			p.set(i, numsync.PushSucceeded, "", "", "")
		}
		return true
	}
	if t.url != "" {
		finished, code, msg, err := p.c.poll(ctx, t.url)
		switch {
		case err != nil:
			return true // still submitted: the next push reads it again
		case !finished:
			later(t)
			return false
		case t.resumed:
			// Fall through to ask Teams what the stopped push achieved.
		case code != "":
			p.fail(i, numsync.PushFailed, code, msg)
			return true
		default:
			return done()
		}
	}
	if a == nil {
		return true
	}
	if phase == 1 && op.After != nil {
		if j, ok := p.freedBy[op.After.Number.String()]; ok && j != i {
			p.mu.Lock()
			blocked := p.failed[j] && p.outs[j].State == numsync.PushFailed
			p.mu.Unlock()
			if blocked {
				// Not attempted: it stays pending, with the reason, for
				// the next push.
				p.fail(i, numsync.PushPending, "WaitingOnStep", fmt.Sprintf("waiting on step %d, which frees %s and failed", j+1, op.After.Number))
				return true
			}
		}
	}
	if !known && a.path == PathAssign {
		p.fail(i, numsync.PushFailed, "UnknownTarget", op.UPN+" has no cloud object id; sync the directory or read users from Graph (teams.source)")
		return true
	}
	if check {
		// A push that stopped may have sent this already: ask Teams first.
		reached, err := p.c.reached(ctx, op, target, phase)
		if err != nil {
			return true
		}
		if reached {
			return done()
		}
	}
	for try := 0; ; try++ {
		r, err := p.c.do(ctx, http.MethodPost, p.c.url(a.path, nil), a.body)
		if errors.Is(err, errUnknownFate) && try < 2 {
			reached, cerr := p.c.reached(ctx, op, target, phase)
			if cerr != nil {
				return true
			}
			if reached {
				return done()
			}
			continue
		}
		var ge *Error
		switch {
		case errors.As(err, &ge):
			p.fail(i, numsync.PushFailed, ge.Code, ge.Message)
			return true
		case ctx.Err() != nil:
			return true
		case err != nil:
			p.fail(i, numsync.PushFailed, "RequestFailed", err.Error())
			return true
		}
		loc := r.header.Get("Location")
		if loc == "" {
			return done()
		}
		p.set(i, numsync.PushSubmitted, loc, "", "")
		later(task{i: i, url: loc})
		return false
	}
}

// set records a new outcome of step i.
func (p *pusher) set(i int, state numsync.PushState, url, code, msg string) {
	p.mu.Lock()
	o := &p.outs[i]
	o.State, o.OperationURL, o.ErrorCode, o.Error, o.At = state, url, code, msg, time.Now()
	out := *o
	if state != numsync.PushSubmitted {
		p.done++
		if p.req.Progress != nil {
			p.req.Progress(p.done)
		}
	}
	p.mu.Unlock()
	p.rec.add(out)
}

// fail ends operation i for this push: failed, or pending when it was not
// attempted.
func (p *pusher) fail(i int, state numsync.PushState, code, msg string) {
	p.mu.Lock()
	p.failed[i] = true
	p.mu.Unlock()
	p.set(i, state, "", code, msg)
}

// operationStatus is the part of a telephoneNumberLongRunningOperation
// numsync reads.
type operationStatus struct {
	Status  string `json:"status"`
	Numbers []struct {
		Status       string `json:"status"`
		StatusDetail string `json:"statusDetail"`
	} `json:"numbers"`
}

// poll reads the long-running operation at u once: whether it ended, and
// the failure code and detail when it failed.
func (c *Client) poll(ctx context.Context, u string) (finished bool, code, msg string, err error) {
	var st operationStatus
	if err := c.getJSON(ctx, u, &st); err != nil {
		return false, "", "", err
	}
	switch st.Status {
	case "succeeded", "skipped":
		return true, "", "", nil
	case "failed":
		for _, n := range st.Numbers {
			if n.StatusDetail != "" {
				msg = n.StatusDetail
			}
		}
		return true, "OperationFailed", msg, nil
	}
	return false, "", "", nil
}

// reached reports whether Teams already shows the given phase of op done:
// its old number no longer on the identity (phase 0), or its new number
// on the identity with the wanted emergency location (phase 1).
func (c *Client) reached(ctx context.Context, op numsync.Op, target string, phase int) (bool, error) {
	if phase == 0 {
		a, found, err := c.Number(ctx, op.Before.Number)
		return err == nil && (!found || a.AssignmentTargetID != target), err
	}
	a, found, err := c.Number(ctx, op.After.Number)
	return err == nil && found && holds(a, op, target), err
}

// holds reports whether a shows the number as op wants it after.
func holds(a NumberAssignment, op numsync.Op, target string) bool {
	return a.AssignmentTargetID == target && a.ActivationState != ActivationAssignmentFailed &&
		strings.EqualFold(a.AssignmentCategory, string(op.Category.OrPrimary())) && a.LocationID == op.After.Location
}

// verify reads back every number the pushed operations touched, returns
// those whose operation succeeded but that did not reach the planned
// state, and what Teams showed. A few numbers are
// read one by one; more than a page's worth are read by listing the
// tenant's numbers once.
func (c *Client) verify(ctx context.Context, req PushRequest, todo []int, outs []numsync.OpOutcome) ([]Drift, []numsync.ObservedNumber, error) {
	var steps []int
	want := map[string]numsync.Number{}
	for _, i := range todo {
		// Failed operations are reported already; their numbers are read
		// for what Teams shows all the same.
		if outs[i].State == numsync.PushSucceeded {
			steps = append(steps, i)
		}
		n := verifiedNumber(req.Ops[i])
		want[n.String()] = n
	}
	live := make(map[string]NumberAssignment, len(want))
	if len(want) > maxPageSize {
		err := c.numberAssignments(ctx, url.Values{"$top": {strconv.Itoa(maxPageSize)}}, func(a NumberAssignment) error {
			if _, ok := want[a.TelephoneNumber]; ok {
				live[a.TelephoneNumber] = a
			}
			return nil
		})
		if err != nil {
			return nil, nil, fmt.Errorf("verifying the push: %w", err)
		}
	} else {
		for n, num := range want {
			a, found, err := c.Number(ctx, num)
			if err != nil {
				return nil, nil, fmt.Errorf("verifying the push: %w", err)
			}
			if found {
				live[n] = a
			}
		}
	}
	var drift []Drift
	for _, i := range steps {
		op := req.Ops[i]
		target, _ := req.ObjectID(op.UPN)
		n := verifiedNumber(op)
		a, found := live[n.String()]
		var reason string
		switch {
		case op.After == nil:
			if found && a.AssignmentTargetID == target {
				reason = "still assigned to the identity"
			}
		case !found:
			reason = "the tenant does not have the number"
		case a.ActivationState == ActivationAssignmentFailed:
			reason = "activationState is assignmentFailed"
		case a.AssignmentTargetID != target:
			reason = fmt.Sprintf("held by %q, not by the identity (%s)", a.AssignmentTargetID, target)
		case a.LocationID != op.After.Location:
			reason = fmt.Sprintf("emergency location is %q, not %q", a.LocationID, op.After.Location)
		case !strings.EqualFold(a.AssignmentCategory, string(op.Category.OrPrimary())):
			reason = fmt.Sprintf("assignment category is %q, not %s", a.AssignmentCategory, op.Category.OrPrimary())
		}
		if reason != "" {
			drift = append(drift, Drift{Step: i + 1, UPN: op.UPN, Number: n.String(), Reason: reason})
		}
	}
	now := time.Now()
	observed := make([]numsync.ObservedNumber, 0, len(live))
	for _, a := range live {
		if r, err := a.Record(); err == nil {
			observed = append(observed, r.Observed(now))
		}
	}
	return drift, observed, nil
}

// verifiedNumber is the number whose state shows whether op happened: the
// one it sets, or the one a removal frees.
func verifiedNumber(op numsync.Op) numsync.Number {
	if op.After != nil {
		return op.After.Number
	}
	return op.Before.Number
}

// batcher records outcomes a batch at a time, so that a large push does
// not pay one store transaction per operation. A batch is written when it
// is large or old; what a crash loses is found again by asking Teams.
// Workers only append: a batch is written outside the lock they take.
type batcher struct {
	r     OutcomeRecorder
	mu    sync.Mutex // guards buf and err
	buf   []numsync.OpOutcome
	err   error
	write sync.Mutex // one write at a time, in order
	tick  *time.Ticker
	quit  chan struct{}
	wg    sync.WaitGroup
}

const batchSize = 256

func newBatcher(r OutcomeRecorder) *batcher {
	b := &batcher{r: r, tick: time.NewTicker(200 * time.Millisecond), quit: make(chan struct{})}
	b.wg.Go(func() {
		for {
			select {
			case <-b.quit:
				return
			case <-b.tick.C:
				_ = b.flush(context.Background())
			}
		}
	})
	return b
}

func (b *batcher) add(o numsync.OpOutcome) {
	b.mu.Lock()
	b.buf = append(b.buf, o)
	full := len(b.buf) >= batchSize
	b.mu.Unlock()
	if full {
		b.wg.Go(func() { _ = b.flush(context.Background()) })
	}
}

// flush writes what is queued, and returns the first error any write had.
func (b *batcher) flush(ctx context.Context) error {
	b.write.Lock()
	defer b.write.Unlock()
	b.mu.Lock()
	batch := b.buf
	b.buf = nil
	err := b.err
	b.mu.Unlock()
	if len(batch) == 0 || err != nil {
		return err
	}
	err = b.r.RecordOutcomes(ctx, batch)
	b.mu.Lock()
	if b.err == nil {
		b.err = err
	}
	err = b.err
	b.mu.Unlock()
	return err
}

func (b *batcher) stop() {
	close(b.quit)
	b.tick.Stop()
	b.wg.Wait()
	_ = b.flush(context.Background())
}
