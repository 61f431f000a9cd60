package graph

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"

	"github.com/numsync/numsync/internal/secret"
)

// Client is a Microsoft Graph client with its credential. It is safe for
// concurrent use.
type Client struct {
	cfg   Config
	http  *http.Client
	scope string

	mu   sync.Mutex
	cred azcore.TokenCredential
	gen  int // how often cred was made; a 401 replaces it once per generation

	// backoff is the first wait after a 5xx or a Retry-After-less 429; it
	// doubles per try, with jitter.
	backoff time.Duration
	// Stats counts what the client sent, for the summary and the tests.
	stats Stats
	// notBefore is when the service said to come back after throttling:
	// every request waits for it, not only the one that was told, so that
	// concurrent workers do not each run into the throttle.
	notBefore time.Time
}

// Stats counts a client's requests.
type Stats struct {
	Requests  int64
	Throttled int64 // 429 and 503 answers
	Retried   int64
}

// New makes a client for cfg (validated), with its credential.
func New(cfg Config) (*Client, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	tlsCfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if cfg.CAFile != "" {
		pool, err := x509.SystemCertPool()
		if err != nil {
			pool = x509.NewCertPool()
		}
		b, err := os.ReadFile(cfg.CAFile)
		if err != nil {
			return nil, fmt.Errorf("teams.ca_file: %w", err)
		}
		if !pool.AppendCertsFromPEM(b) {
			return nil, fmt.Errorf("teams.ca_file: %s holds no PEM certificate", cfg.CAFile)
		}
		tlsCfg.RootCAs = pool
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = tlsCfg
	tr.MaxIdleConnsPerHost = cfg.Concurrency * 2
	u, _ := url.Parse(cfg.GraphURL)
	c := &Client{
		cfg:     cfg,
		http:    &http.Client{Transport: tr, Timeout: cfg.Timeout},
		scope:   u.Scheme + "://" + u.Host + "/.default",
		backoff: 500 * time.Millisecond,
	}
	cred, err := c.newCredential()
	if err != nil {
		return nil, err
	}
	c.cred, c.gen = cred, 1
	return c, nil
}

// newCredential makes the configured azidentity credential. A new one has
// an empty token cache, which is how a 401 gets a fresh token.
func (c *Client) newCredential() (azcore.TokenCredential, error) {
	opts := azcore.ClientOptions{
		Cloud:     cloud.Configuration{ActiveDirectoryAuthorityHost: c.cfg.AuthorityHost},
		Transport: c.http,
		// A token request that fails twice fails: a wrong host or an
		// untrusted certificate does not heal in the SDK's default minute.
		Retry: policy.RetryOptions{MaxRetries: 2, RetryDelay: 200 * time.Millisecond},
	}
	// Instance discovery asks the public cloud which authorities exist;
	// a national cloud or a private authority is not in its list.
	discovery := !strings.EqualFold(strings.TrimRight(c.cfg.AuthorityHost, "/"), strings.TrimRight(DefaultAuthorityHost, "/"))
	switch {
	case c.cfg.ManagedIdentity:
		o := &azidentity.ManagedIdentityCredentialOptions{ClientOptions: opts}
		if c.cfg.ClientID != "" {
			o.ID = azidentity.ClientID(c.cfg.ClientID)
		}
		return azidentity.NewManagedIdentityCredential(o)
	case c.cfg.CertificateFile != "":
		b, err := os.ReadFile(c.cfg.CertificateFile)
		if err != nil {
			return nil, fmt.Errorf("teams.certificate_file: %w", err)
		}
		var pass []byte
		if c.cfg.CertificatePasswordEnv != "" {
			pass = []byte(os.Getenv(c.cfg.CertificatePasswordEnv))
		}
		certs, key, err := azidentity.ParseCertificates(b, pass)
		if err != nil {
			return nil, fmt.Errorf("teams.certificate_file %s: %w (want PEM with the certificate and its private key, or PFX/PKCS#12; a PFX password comes from certificate_password_env)", c.cfg.CertificateFile, err)
		}
		return azidentity.NewClientCertificateCredential(c.cfg.TenantID, c.cfg.ClientID, certs, key,
			&azidentity.ClientCertificateCredentialOptions{ClientOptions: opts, DisableInstanceDiscovery: discovery})
	}
	env := c.cfg.ClientSecretEnv
	if c.cfg.ClientSecretFile != "" {
		env = "" // the file was chosen over the default variable
	}
	clientSecret, err := secret.Read("teams.client_secret", env, c.cfg.ClientSecretFile)
	if err != nil {
		return nil, err
	}
	return azidentity.NewClientSecretCredential(c.cfg.TenantID, c.cfg.ClientID, clientSecret,
		&azidentity.ClientSecretCredentialOptions{ClientOptions: opts, DisableInstanceDiscovery: discovery})
}

// token returns an access token and the credential generation it came from.
func (c *Client) token(ctx context.Context) (string, int, error) {
	c.mu.Lock()
	cred, gen := c.cred, c.gen
	c.mu.Unlock()
	tok, err := cred.GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{c.scope}})
	if err != nil {
		return "", gen, &TokenError{Kind: c.cfg.credentialKind(), Err: err}
	}
	return tok.Token, gen, nil
}

// renew replaces the credential that made generation gen, so the next
// token is fetched anew; concurrent callers rejected with the same token
// renew it once.
func (c *Client) renew(gen int) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen != gen {
		return nil
	}
	cred, err := c.newCredential()
	if err != nil {
		return err
	}
	c.cred, c.gen = cred, c.gen+1
	return nil
}

// TokenError is a token that could not be had: a wrong secret, an unknown
// app, an unreachable authority.
type TokenError struct {
	Kind string
	Err  error
}

func (e *TokenError) Error() string {
	return fmt.Sprintf("getting a Graph token with the %s: %v", e.Kind, e.Err)
}
func (e *TokenError) Unwrap() error { return e.Err }

// Hint says what to check.
func (e *TokenError) Hint() string {
	return "check teams.tenant_id, teams.client_id and the credential in the app registration (Entra ID > App registrations > Certificates & secrets)"
}

// Error is an error answer of Graph, with its documented error code.
type Error struct {
	Method, URL string
	Status      int
	Code        string
	Message     string
}

func (e *Error) Error() string {
	return fmt.Sprintf("graph %s %s: %d %s: %s", e.Method, e.URL, e.Status, e.Code, e.Message)
}

// Hint says what to do about the errors an admin can fix.
func (e *Error) Hint() string {
	switch e.Status {
	case http.StatusForbidden:
		return "grant the app registration the application permissions TeamsTelephoneNumber.ReadWrite.All and User.Read.All, and have an admin grant consent (numsync teams check lists what is missing)"
	case http.StatusUnauthorized:
		return "the token was refused: check teams.tenant_id and that the app registration belongs to that tenant"
	}
	return ""
}

// errUnknownFate is a request whose answer was lost (a 5xx or a broken
// connection after it was sent): the action may or may not have happened.
var errUnknownFate = errors.New("the request's fate is unknown")

// response is a Graph answer that was not an error.
type response struct {
	status int
	header http.Header
	body   []byte
}

// maxTries bounds the tries of one request through throttling and 5xx.
const maxTries = 8

// do sends one request and returns its answer. Throttling (429, and 503
// with Retry-After) is waited out as the answer says; a 401 gets a fresh
// token once; 5xx answers and broken connections are retried with
// exponential backoff for reads, and reported as [errUnknownFate] for
// actions, whose caller checks the tenant before sending them again.
func (c *Client) do(ctx context.Context, method, u string, in any) (*response, error) {
	var body []byte
	if in != nil {
		var err error
		if body, err = json.Marshal(in); err != nil {
			return nil, err
		}
	}
	renewed := false
	for try := 0; ; try++ {
		if err := c.throttled(ctx); err != nil {
			return nil, err
		}
		tok, gen, err := c.token(ctx)
		if err != nil {
			return nil, err
		}
		req, err := http.NewRequestWithContext(ctx, method, u, bytes.NewReader(body))
		if err != nil {
			return nil, err
		}
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Accept", "application/json")
		if in != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		c.count(func(s *Stats) { s.Requests++ })
		resp, err := c.http.Do(req)
		var wait time.Duration
		switch {
		case err != nil:
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			if method != http.MethodGet {
				return nil, fmt.Errorf("graph %s %s: %w: %v", method, u, errUnknownFate, err)
			}
			wait = c.backoffFor(try)
		default:
			b, rerr := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
			resp.Body.Close()
			if rerr != nil && method == http.MethodGet {
				wait = c.backoffFor(try)
				break
			}
			switch st := resp.StatusCode; {
			case st < 300:
				return &response{status: st, header: resp.Header, body: b}, nil
			case st == http.StatusUnauthorized && !renewed:
				renewed = true
				if err := c.renew(gen); err != nil {
					return nil, err
				}
				continue
			case st == http.StatusTooManyRequests || (st == http.StatusServiceUnavailable && resp.Header.Get("Retry-After") != ""):
				wait = retryAfter(resp.Header.Get("Retry-After"))
				if wait == 0 {
					wait = c.backoffFor(try)
				}
				until := time.Now().Add(wait)
				c.count(func(s *Stats) {
					s.Throttled++
					if until.After(c.notBefore) {
						c.notBefore = until
					}
				})
				wait = 0 // the next try waits for notBefore
			case st >= 500:
				if method != http.MethodGet {
					return nil, fmt.Errorf("graph %s %s: %w: %d %s", method, u, errUnknownFate, st, errorOf(method, u, st, b).Message)
				}
				wait = c.backoffFor(try)
			default:
				return nil, errorOf(method, u, st, b)
			}
		}
		if try+1 >= maxTries {
			return nil, fmt.Errorf("graph %s %s: gave up after %d tries (throttled or failing)", method, u, maxTries)
		}
		c.count(func(s *Stats) { s.Retried++ })
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		case <-t.C:
		}
	}
}

// throttled waits until the service's last Retry-After has passed.
func (c *Client) throttled(ctx context.Context) error {
	c.mu.Lock()
	d := time.Until(c.notBefore)
	c.mu.Unlock()
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func (c *Client) count(f func(*Stats)) {
	c.mu.Lock()
	f(&c.stats)
	c.mu.Unlock()
}

// Stats returns what the client sent so far.
func (c *Client) Stats() Stats {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.stats
}

// backoffFor is the wait before try+1: exponential from c.backoff, capped
// at 30 s, with full jitter so that concurrent workers spread out.
func (c *Client) backoffFor(try int) time.Duration {
	d := c.backoff << min(try, 6)
	d = min(d, 30*time.Second)
	return d/2 + rand.N(d/2+1)
}

// retryAfter reads a Retry-After header: seconds, or an HTTP date.
func retryAfter(h string) time.Duration {
	if h == "" {
		return 0
	}
	if s, err := strconv.Atoi(strings.TrimSpace(h)); err == nil && s >= 0 {
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(h); err == nil {
		return max(time.Until(t), 0)
	}
	return 0
}

// errorOf reads Graph's error body {"error":{"code","message"}}.
func errorOf(method, u string, status int, b []byte) *Error {
	var e struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	ge := &Error{Method: method, URL: u, Status: status}
	if json.Unmarshal(b, &e) == nil && e.Error.Code != "" {
		ge.Code, ge.Message = e.Error.Code, e.Error.Message
	} else {
		ge.Code, ge.Message = http.StatusText(status), strings.TrimSpace(string(b[:min(len(b), 200)]))
	}
	return ge
}

// getJSON reads u into out.
func (c *Client) getJSON(ctx context.Context, u string, out any) error {
	r, err := c.do(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(r.body, out); err != nil {
		return fmt.Errorf("graph GET %s: reading the answer: %w", u, err)
	}
	return nil
}

// page is one page of an OData collection.
type page[T any] struct {
	Value    []T    `json:"value"`
	NextLink string `json:"@odata.nextLink"`
}

// list reads every page of the collection at u, handing each item to fn,
// following @odata.nextLink as the service gives it.
func list[T any](ctx context.Context, c *Client, u string, fn func(T) error) error {
	for u != "" {
		var p page[T]
		if err := c.getJSON(ctx, u, &p); err != nil {
			return err
		}
		for _, v := range p.Value {
			if err := fn(v); err != nil {
				return err
			}
		}
		u = p.NextLink
	}
	return nil
}

// url joins Graph's root and a path with its query.
func (c *Client) url(path string, q url.Values) string {
	u := c.cfg.GraphURL + path
	if len(q) > 0 {
		u += "?" + strings.ReplaceAll(q.Encode(), "+", "%20")
	}
	return u
}
