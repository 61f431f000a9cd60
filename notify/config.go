package notify

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/mail"
	"net/smtp"
	"os"
	"strconv"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/numsync/numsync/internal/secret"
)

// Defaults for the zero values of [Config].
const (
	DefaultPort    = 587 // message submission (RFC 6409)
	DefaultTimeout = 30 * time.Second
)

// Config is the mail server notifications go through: the `smtp:` section
// of numsync's configuration file.
//
// The password is never part of the configuration itself: it is read from
// the environment variable PasswordEnv or the file PasswordFile at send
// time, so that it appears neither in argv, nor in the config file, nor in
// any log.
type Config struct {
	Host string `yaml:"host"`
	// Port defaults to [DefaultPort].
	Port int `yaml:"port"`
	// From is the envelope sender (MAIL FROM), as an address or
	// "Name <address>". When empty, each message's own From header is used.
	From string `yaml:"from"`
	// Username turns on AUTH PLAIN; its password comes from exactly one of
	// PasswordEnv and PasswordFile.
	Username     string `yaml:"username"`
	PasswordEnv  string `yaml:"password_env"`
	PasswordFile string `yaml:"password_file"`
	// StartTLS is required unless set to false. Without it mail (and the
	// recipients' addresses) cross the network in clear, so false is meant
	// for a relay on the same host and always logs a warning; a password is
	// never sent over such a connection unless the host is a loopback one.
	StartTLS *bool `yaml:"starttls"`
	// CAFile is a PEM file of the certificates that the server's certificate
	// must chain to. When set it replaces the system's roots, so that a
	// private mail server can be trusted without trusting it for the whole
	// machine. The server's name is checked against Host either way.
	CAFile string `yaml:"ca_file"`
	// Timeout bounds connecting and each message's SMTP transaction;
	// defaults to [DefaultTimeout].
	Timeout time.Duration `yaml:"timeout"`
}

// Enabled says whether a mail server is configured. Without one the
// notifications stay in the outbox.
func (c Config) Enabled() bool { return c.Host != "" }

// Validate checks the settings that do not need the network or the
// password's source. The error names the offending key.
func (c Config) Validate() error {
	if c.Host == "" {
		return errors.New("smtp: host is not set")
	}
	if c.Port < 0 || c.Port > 65535 {
		return fmt.Errorf("smtp: port %d is not a TCP port", c.Port)
	}
	if c.Timeout < 0 {
		return fmt.Errorf("smtp: timeout %s is negative", c.Timeout)
	}
	if c.From != "" {
		if _, err := mail.ParseAddress(c.From); err != nil {
			return fmt.Errorf("smtp: from %q is not a mail address: %w", c.From, err)
		}
	}
	hasPassword := c.PasswordEnv != "" || c.PasswordFile != ""
	switch {
	case c.PasswordEnv != "" && c.PasswordFile != "":
		return errors.New("smtp: set only one of password_env and password_file")
	case c.Username != "" && !hasPassword:
		return errors.New("smtp: username is set but neither password_env nor password_file")
	case c.Username == "" && hasPassword:
		return errors.New("smtp: a password source is set but no username")
	}
	if c.Username != "" && !c.startTLS() && !loopback(c.Host) {
		return fmt.Errorf("smtp: starttls is false, so the password for %s would cross the network in clear; "+
			"turn starttls on or drop username for an unauthenticated relay", c.Host)
	}
	return nil
}

func (c Config) startTLS() bool { return c.StartTLS == nil || *c.StartTLS }

func (c Config) addr() string {
	port := c.Port
	if port == 0 {
		port = DefaultPort
	}
	return net.JoinHostPort(c.Host, strconv.Itoa(port))
}

func (c Config) timeout() time.Duration {
	if c.Timeout == 0 {
		return DefaultTimeout
	}
	return c.Timeout
}

// envelopeFrom is the configured sender's bare address, "" when unset.
// Validate has checked that it parses.
func (c Config) envelopeFrom() string {
	if a, err := mail.ParseAddress(c.From); err == nil {
		return a.Address
	}
	return ""
}

// loopback says whether host names this machine, where mail in clear does
// not cross a network.
func loopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// password reads the secret from its source. Errors name the source, never
// the value.
func (c Config) password(log *zap.Logger) (string, error) {
	if c.PasswordEnv == "" {
		if fi, err := os.Stat(c.PasswordFile); err == nil && fi.Mode().Perm()&0o077 != 0 {
			log.Warn("smtp password file can be read by other users; chmod 600 it",
				zap.String("file", c.PasswordFile), zap.Stringer("mode", fi.Mode().Perm()))
		}
	}
	return secret.Read("smtp.password", c.PasswordEnv, c.PasswordFile)
}

// auth returns the AUTH PLAIN credentials, nil when no username is set.
func (c Config) auth(log *zap.Logger) (smtp.Auth, error) {
	if c.Username == "" {
		return nil, nil
	}
	p, err := c.password(log)
	if err != nil {
		return nil, err
	}
	return smtp.PlainAuth("", c.Username, p, c.Host), nil
}

// tlsConfig is what the server's certificate is verified with.
func (c Config) tlsConfig() (*tls.Config, error) {
	tc := &tls.Config{ServerName: c.Host, MinVersion: tls.VersionTLS12}
	if c.CAFile == "" {
		return tc, nil
	}
	pem, err := os.ReadFile(c.CAFile)
	if err != nil {
		return nil, fmt.Errorf("smtp: ca_file: %w", err)
	}
	tc.RootCAs = x509.NewCertPool()
	if !tc.RootCAs.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("smtp: ca_file %s holds no PEM certificate", c.CAFile)
	}
	return tc, nil
}
