// Package graphtest is a Microsoft Graph server for tests: TLS, with the
// Entra ID endpoints the real azidentity client uses (tenant discovery and
// the client-credentials token endpoint), and the Teams telephone number
// management endpoints numsync calls, in their documented shapes — OData
// paging, 202 + Location long-running operations that move through
// notStarted, running and succeeded or failed, Graph's error bodies. Tests
// make it misbehave as the service does (429 bursts with Retry-After, 5xx,
// expired tokens, numbers already assigned, latency, a throttle ceiling)
// and read back every request it got, so they can assert that nothing was
// sent twice. Only tests import it.
package graphtest

import (
	"crypto/x509"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/numsync/numsync/graph"
)

// Credentials the server accepts.
const (
	TenantID     = "0c2a3b4d-5e6f-4a1b-9c8d-7e6f5a4b3c2d"
	ClientID     = "7f1e2d3c-4b5a-4968-8776-5a4b3c2d1e0f"
	ClientSecret = "test-secret-value"
)

// Server is a running contract server.
type Server struct {
	srv *httptest.Server

	mu       sync.Mutex
	cond     *sync.Cond
	numbers  map[string]*graph.NumberAssignment
	users    []graph.User
	roles    []string
	tokens   map[string]bool // issued and still valid
	tokenSeq int
	ops      map[string]*operation
	opSeq    int
	requests []Request

	// Faults, set by the methods below.
	throttleBurst  int               // answer the next n Graph requests 429
	retryAfter     int               // seconds in Retry-After
	failAfter      int               // answer the next n actions 502 after carrying them out
	failNumbers    map[string]int    // number -> how many more assigns fail as already assigned
	failActivation map[string]bool   // numbers whose activation fails after an assign
	holdAfter      int               // block actions after this many (0: never)
	held           int               // actions waiting at the hold
	released       bool              // the hold was lifted
	latency        time.Duration     // added to every Graph request
	ceiling        int               // at most this many Graph requests per second (0: none)
	window         map[int64]int     // requests per second, for the ceiling
	pollsToFinish  int               // polls of an operation before it ends
	cert           *x509.Certificate // the application's certificate credential
}

// Request is one request the server answered (or refused).
type Request struct {
	Method string
	Path   string // the path without the /v1.0 root, query left out
	Number string // the telephoneNumber of an action
	Status int
}

type operation struct {
	id     string
	number string
	polls  int
	fail   string // statusDetail when it ends failed
}

// New starts a server with no numbers and no users, whose tokens grant
// both permissions numsync needs. It stops when Close is called.
func New() *Server {
	s := &Server{
		numbers: map[string]*graph.NumberAssignment{}, tokens: map[string]bool{}, ops: map[string]*operation{},
		roles: slices.Clone(graph.RequiredPermissions), retryAfter: 1, failNumbers: map[string]int{}, failActivation: map[string]bool{},
		window: map[int64]int{}, pollsToFinish: 2,
	}
	s.cond = sync.NewCond(&s.mu)
	s.srv = httptest.NewTLSServer(http.HandlerFunc(s.serve))
	return s
}

// Close stops the server, first letting any held request go.
func (s *Server) Close() {
	s.Release()
	s.srv.Close()
}

// URL is Graph's v1.0 root on this server; AuthorityHost is its Entra ID
// authority.
func (s *Server) URL() string           { return s.srv.URL + "/v1.0" }
func (s *Server) AuthorityHost() string { return s.srv.URL + "/" }

// CAPEM is the certificate clients must trust, PEM.
func (s *Server) CAPEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: s.srv.Certificate().Raw})
}

// CertPool is CAPEM as a pool.
func (s *Server) CertPool() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(s.srv.Certificate())
	return p
}

// AddNumber adds or replaces a number of the tenant.
func (s *Server) AddNumber(a graph.NumberAssignment) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if a.ID == "" {
		a.ID = strings.TrimPrefix(a.TelephoneNumber, "+")
	}
	s.numbers[a.TelephoneNumber] = &a
}

// AddUser adds a user or resource account.
func (s *Server) AddUser(u graph.User) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.users = append(s.users, u)
}

// Number returns the tenant's number as it is now.
func (s *Server) Number(n string) (graph.NumberAssignment, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.numbers[n]
	if !ok {
		return graph.NumberAssignment{}, false
	}
	return *a, true
}

// SetAssignment sets who holds a number, as an admin would in the Teams
// admin center (an empty target frees it).
func (s *Server) SetAssignment(n, target, category string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if a, ok := s.numbers[n]; ok {
		assign(a, target, category)
	}
}

// RegisterCertificate uploads a certificate to the application: client
// assertions signed with its key get tokens.
func (s *Server) RegisterCertificate(c *x509.Certificate) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cert = c
}

// GrantOnly makes new tokens carry only these application permissions.
func (s *Server) GrantOnly(roles ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.roles = roles
}

// ExpireTokens makes every token issued so far invalid, as when a token
// outlives its lifetime on the service's side.
func (s *Server) ExpireTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.tokens)
}

// Throttle answers the next n Graph requests 429 with Retry-After seconds.
func (s *Server) Throttle(n, retryAfter int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.throttleBurst, s.retryAfter = n, retryAfter
}

// FailAfterDoing answers the next n actions 502 after carrying them out:
// the client cannot know whether they happened.
func (s *Server) FailAfterDoing(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failAfter = n
}

// FailAssign makes the next n assigns of number fail as already assigned.
func (s *Server) FailAssign(number string, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failNumbers[number] = n
}

// FailActivation makes assigns of number succeed as operations but leave
// the number's activationState assignmentFailed.
func (s *Server) FailActivation(number string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failActivation[number] = true
}

// HoldAfter blocks every action after the first n until [Server.Release];
// a held action is carried out when released.
func (s *Server) HoldAfter(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.holdAfter, s.released = n, false
}

// WaitHeld blocks until n actions wait at the hold.
func (s *Server) WaitHeld(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for s.held < n {
		s.cond.Wait()
	}
}

// WaitActions blocks until n actions were answered.
func (s *Server) WaitActions(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for s.actionsAnswered() < n {
		s.cond.Wait()
	}
}

// WaitPolls blocks until n different long-running operations were read.
func (s *Server) WaitPolls(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for {
		polled := map[string]bool{}
		for _, r := range s.requests {
			if r.Method == http.MethodGet && strings.HasPrefix(r.Path, graph.PathOperations) {
				polled[r.Path] = true
			}
		}
		if len(polled) >= n {
			return
		}
		s.cond.Wait()
	}
}

// Release lets held actions go on.
func (s *Server) Release() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.released = true
	s.cond.Broadcast()
}

// SetLatency adds d to every Graph request, and caps Graph requests at
// perSecond a second (0: no cap), answering 429 above it.
func (s *Server) SetLatency(d time.Duration, perSecond int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.latency, s.ceiling = d, perSecond
}

// FinishAfterPolls makes every operation end on its nth read (2 unless
// set: notStarted on the first, then succeeded or failed).
func (s *Server) FinishAfterPolls(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pollsToFinish = n
}

// Requests returns every request so far, in the order they came.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.requests)
}

// Actions counts the accepted (202) actions per "action number", e.g.
// "assignNumber +14255550101": more than 1 means an action was sent twice.
func (s *Server) Actions() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := map[string]int{}
	for _, r := range s.requests {
		if r.Method == http.MethodPost && r.Number != "" && (r.Status == http.StatusAccepted || r.Status == http.StatusBadGateway) {
			m[r.Path[strings.LastIndex(r.Path, "/")+1:]+" "+r.Number]++
		}
	}
	return m
}

// TokensIssued counts the tokens the token endpoint gave out.
func (s *Server) TokensIssued() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tokenSeq
}
