package graph

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"time"
)

// Defaults applied by [Config.Validate] to fields left empty.
const (
	DefaultGraphURL      = "https://graph.microsoft.com/v1.0"
	DefaultAuthorityHost = "https://login.microsoftonline.com/"
	DefaultSecretEnv     = "NUMSYNC_GRAPH_CLIENT_SECRET"
	DefaultConcurrency   = 4
	DefaultMaxAttempts   = 3
	DefaultTimeout       = 60 * time.Second
	// DefaultPollInterval is how often a long-running operation is read
	// while Graph gives no Retry-After.
	DefaultPollInterval = 2 * time.Second
	// maxPageSize is the largest $top numberAssignments accepts.
	maxPageSize = 1000
)

// Config is the `teams:` section of numsync's configuration: which tenant,
// which app registration and which credential, where Graph and the
// authority are, and how pushes run.
type Config struct {
	TenantID string `yaml:"tenant_id"`
	ClientID string `yaml:"client_id"`

	// One credential: a client secret (from ClientSecretEnv or
	// ClientSecretFile), a certificate (CertificateFile, PEM or PFX, with
	// an optional password from CertificatePasswordEnv), or the managed
	// identity of the machine numsync runs on.
	ClientSecretEnv        string `yaml:"client_secret_env"`
	ClientSecretFile       string `yaml:"client_secret_file"`
	CertificateFile        string `yaml:"certificate_file"`
	CertificatePasswordEnv string `yaml:"certificate_password_env"`
	ManagedIdentity        bool   `yaml:"managed_identity"`

	// GraphURL is Graph's v1.0 root; AuthorityHost is the Entra ID
	// authority. Both change for national clouds.
	GraphURL      string `yaml:"graph_url"`
	AuthorityHost string `yaml:"authority_host"`
	// CAFile is a PEM bundle trusted besides the system pool (a TLS
	// inspecting proxy). Certificates are always verified.
	CAFile string `yaml:"ca_file"`

	// Source reads numbers and users from Graph at the start of a run.
	Source bool `yaml:"source"`
	// Push carries every applied run out in Teams at the end of a run.
	Push bool `yaml:"push"`
	// Concurrency is how many operations are in flight at once.
	Concurrency int `yaml:"concurrency"`
	// MaxAttempts bounds how often one operation is tried over runs
	// before it stays failed.
	MaxAttempts int `yaml:"max_attempts"`
	// Timeout bounds one HTTP request.
	Timeout time.Duration `yaml:"timeout"`
	// PollInterval is the wait between reads of a long-running operation
	// when Graph gives no Retry-After.
	PollInterval time.Duration `yaml:"poll_interval"`
}

// Enabled reports whether a tenant is configured at all.
func (c *Config) Enabled() bool { return c.TenantID != "" || c.ClientID != "" }

// Validate fills defaults and reports every bad key, naming it as
// teams.KEY.
func (c *Config) Validate() error {
	var errs []error
	bad := func(key, format string, a ...any) {
		errs = append(errs, fmt.Errorf("teams.%s: %s", key, fmt.Sprintf(format, a...)))
	}
	if c.GraphURL == "" {
		c.GraphURL = DefaultGraphURL
	}
	c.GraphURL = strings.TrimRight(c.GraphURL, "/")
	if c.AuthorityHost == "" {
		c.AuthorityHost = DefaultAuthorityHost
	}
	if c.Concurrency == 0 {
		c.Concurrency = DefaultConcurrency
	}
	if c.MaxAttempts == 0 {
		c.MaxAttempts = DefaultMaxAttempts
	}
	if c.Timeout == 0 {
		c.Timeout = DefaultTimeout
	}
	if c.PollInterval == 0 {
		c.PollInterval = DefaultPollInterval
	}
	if c.TenantID == "" {
		bad("tenant_id", "missing: the directory (tenant) id of the app registration")
	}
	if c.ClientID == "" && !c.ManagedIdentity {
		bad("client_id", "missing: the application (client) id of the app registration")
	}
	for key, u := range map[string]string{"graph_url": c.GraphURL, "authority_host": c.AuthorityHost} {
		p, err := url.Parse(u)
		if err != nil || p.Host == "" {
			bad(key, "%q is not a URL", u)
		} else if p.Scheme != "https" {
			bad(key, "%q must be https: tokens are never sent in clear text", u)
		}
	}
	creds := 0
	// The default variable name (as numsync.example.yaml writes it) does
	// not count as a choice of credential.
	if c.ClientSecretFile != "" || (c.ClientSecretEnv != "" && c.ClientSecretEnv != DefaultSecretEnv) {
		creds++
	}
	if c.CertificateFile != "" {
		creds++
	}
	if c.ManagedIdentity {
		creds++
	}
	switch {
	case creds == 0:
		c.ClientSecretEnv = DefaultSecretEnv
	case creds > 1:
		bad("client_secret_env", "give one credential: a client secret (client_secret_env or client_secret_file), certificate_file, or managed_identity")
	}
	if c.ClientSecretEnv != "" && c.ClientSecretEnv != DefaultSecretEnv && c.ClientSecretFile != "" {
		bad("client_secret_file", "set client_secret_env or client_secret_file, not both")
	}
	for key, f := range map[string]string{"client_secret_file": c.ClientSecretFile, "certificate_file": c.CertificateFile, "ca_file": c.CAFile} {
		if f == "" {
			continue
		}
		if _, err := os.Stat(f); err != nil {
			bad(key, "%v", err)
		}
	}
	if c.Concurrency < 1 || c.Concurrency > 64 {
		bad("concurrency", "%d is out of range: use 1 to 64", c.Concurrency)
	}
	if c.MaxAttempts < 1 {
		bad("max_attempts", "must be at least 1")
	}
	if c.Timeout < 0 || c.PollInterval < 0 {
		bad("timeout", "durations must be positive")
	}
	return errors.Join(errs...)
}

// credentialKind names the configured credential for messages.
func (c *Config) credentialKind() string {
	switch {
	case c.ManagedIdentity:
		return "managed identity"
	case c.CertificateFile != "":
		return "certificate " + c.CertificateFile
	case c.ClientSecretFile != "":
		return "client secret from " + c.ClientSecretFile
	}
	return "client secret from $" + c.ClientSecretEnv
}
