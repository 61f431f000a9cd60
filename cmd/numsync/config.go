package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/numsync/numsync"
	"github.com/numsync/numsync/graph"
	"github.com/numsync/numsync/importer"
	"github.com/numsync/numsync/internal/secret"
	"github.com/numsync/numsync/ldapsync"
	"github.com/numsync/numsync/notify"
	"github.com/numsync/numsync/store"
)

// Config is the YAML configuration file. numsync.example.yaml documents
// every key. Relative paths are taken from the directory of the file.
type Config struct {
	Store     StoreConfig     `yaml:"store"`
	Tenant    TenantConfig    `yaml:"tenant"`
	Sheets    []string        `yaml:"sheets"`
	Directory ldapsync.Config `yaml:"directory"`
	Policy    PolicyConfig    `yaml:"policy"`
	Actor     string          `yaml:"actor"`
	Schedule  ScheduleConfig  `yaml:"schedule"`
	Reports   ReportsConfig   `yaml:"reports"`
	SMTP      notify.Config   `yaml:"smtp"`
	Log       LogConfig       `yaml:"log"`
	// Teams is Microsoft Graph: where numbers and cloud users are read
	// from, and where applied runs are carried out (issue 12).
	Teams graph.Config `yaml:"teams"`
	// Ranges are named number ranges sheets can ask the next free number
	// of; RangesFile names a CSV file of more of them.
	Ranges     []RangeConfig `yaml:"ranges"`
	RangesFile string        `yaml:"ranges_file"`

	path string // the file it was read from, "" for defaults
}

// StoreConfig says where the store is: a SQLite file (Path), or a
// PostgreSQL database (URL) that several hosts share.
type StoreConfig struct {
	Path string `yaml:"path"`
	// URL (postgres://user@host/db?sslmode=…) selects PostgreSQL, with the
	// password from PasswordEnv or PasswordFile (or PGPASSWORD / pgpass
	// when neither is set), never from the URL.
	URL          string `yaml:"url"`
	PasswordEnv  string `yaml:"password_env"`
	PasswordFile string `yaml:"password_file"`
	// LockTTL is how long the writer lock of a process that died outlives
	// it; a live holder renews it.
	LockTTL time.Duration `yaml:"lock_ttl"`
}

// TenantConfig names the exports loaded at the start of every run.
type TenantConfig struct {
	Inventory string `yaml:"inventory"`
	Users     string `yaml:"users"`
	Locations string `yaml:"locations"`
}

// PolicyConfig is [numsync.Policy] as written in YAML.
type PolicyConfig struct {
	Mode                string `yaml:"mode"`
	MaxRemoves          string `yaml:"max_removes"`
	QuarantineDays      int    `yaml:"quarantine_days"`
	RequirePhoneLicense bool   `yaml:"require_phone_license"`
	AssignmentBlock     bool   `yaml:"assignment_block"`
	Leavers             struct {
		// AfterDays is how long an account must have been disabled or
		// absent before its numbers are removed; unset: never.
		AfterDays *int `yaml:"after_days"`
	} `yaml:"leavers"`
}

// RangeConfig is a [numsync.Range] as written in YAML.
type RangeConfig struct {
	Name     string `yaml:"name"`
	First    string `yaml:"first"`
	Last     string `yaml:"last"`
	Prefix   string `yaml:"prefix"`
	Type     string `yaml:"type"`
	Country  string `yaml:"country"`
	Site     string `yaml:"site"`
	Location string `yaml:"location"`
	Tag      string `yaml:"tag"`
	LowStock string `yaml:"low_stock"`
}

// configRanges returns the ranges of the config file, validated.
func (c *Config) configRanges() ([]numsync.Range, error) {
	rs := make([]numsync.Range, len(c.Ranges))
	for i, rc := range c.Ranges {
		typ, err := numsync.ParseNumberType(rc.Type)
		if err != nil {
			return nil, fmt.Errorf("ranges[%d] (%s): type: %w", i, rc.Name, err)
		}
		rs[i] = numsync.Range{Name: rc.Name, First: rc.First, Last: rc.Last, Prefix: rc.Prefix, Type: typ,
			Country: rc.Country, Site: rc.Site, LocationID: rc.Location, Tag: rc.Tag}
		if rc.LowStock != "" {
			t, err := numsync.ParseThreshold(rc.LowStock)
			if err != nil {
				return nil, fmt.Errorf("ranges[%d] (%s): low_stock: %w", i, rc.Name, err)
			}
			rs[i].LowStock = &t
		}
	}
	if err := numsync.ValidateRanges(rs); err != nil {
		return nil, fmt.Errorf("ranges: %w", err)
	}
	return rs, nil
}

// ranges returns the ranges of the config and of its ranges file, in
// that order. Names must be unique across both.
func (c *Config) ranges() ([]numsync.Range, error) {
	rs, err := c.configRanges()
	if err != nil || c.RangesFile == "" {
		return rs, err
	}
	more, err := importer.ReadRanges(c.resolve(c.RangesFile))
	if err != nil {
		return nil, usageErr(fmt.Errorf("ranges_file: %w", err), "fix the row, see the README's Ranges section for the columns")
	}
	rs = append(rs, more...)
	if err := numsync.ValidateRanges(rs); err != nil {
		return nil, usageErr(fmt.Errorf("ranges and ranges_file: %w", err), "give each range its own name")
	}
	return rs, nil
}

// ScheduleConfig is when `numsync schedule` runs the job.
type ScheduleConfig struct {
	Cron     string `yaml:"cron"`
	TimeZone string `yaml:"time_zone"`
}

// ReportsConfig says where reports go.
type ReportsConfig struct {
	Dir string `yaml:"dir"`
}

// LogConfig sets the log level ("debug", "info", "warn", "error").
type LogConfig struct {
	Level string `yaml:"level"`
}

// defaultConfig is the configuration when no file exists.
func defaultConfig() *Config {
	return &Config{
		Store:   StoreConfig{Path: "numsync.db", LockTTL: 2 * time.Minute},
		Reports: ReportsConfig{Dir: "reports"},
		Policy:  PolicyConfig{Mode: string(numsync.Merge), MaxRemoves: numsync.DefaultMaxRemoves.String()},
		Actor:   "",
	}
}

// loadConfig reads path. A missing file is fine when the path was not given
// explicitly: numsync then runs on defaults.
func loadConfig(path string, explicit bool) (*Config, error) {
	cfg := defaultConfig()
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) && !explicit {
		return cfg, nil
	}
	if err != nil {
		return nil, usageErr(fmt.Errorf("config: %w", err), "give the file with --config, or create one from numsync.example.yaml")
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(cfg); err != nil && !errors.Is(err, io.EOF) {
		return nil, usageErr(fmt.Errorf("config %s: %s", path, strings.TrimPrefix(err.Error(), "yaml: ")),
			"see numsync.example.yaml for every key and its meaning")
	}
	cfg.path = path
	if err := cfg.validate(); err != nil {
		return nil, usageErr(fmt.Errorf("config %s: %w", path, err), "see numsync.example.yaml")
	}
	return cfg, nil
}

func (c *Config) validate() error {
	if _, err := numsync.ParseMode(c.Policy.Mode); err != nil {
		return fmt.Errorf("policy.mode: %w", err)
	}
	if c.Policy.MaxRemoves != "" {
		if _, err := numsync.ParseThreshold(c.Policy.MaxRemoves); err != nil {
			return fmt.Errorf("policy.max_removes: %w", err)
		}
	}
	if c.Policy.QuarantineDays < 0 {
		return fmt.Errorf("policy.quarantine_days: must not be negative")
	}
	if d := c.Policy.Leavers.AfterDays; d != nil && *d < 0 {
		return fmt.Errorf("policy.leavers.after_days: must not be negative")
	}
	if c.Schedule.TimeZone != "" {
		if _, err := time.LoadLocation(c.Schedule.TimeZone); err != nil {
			return fmt.Errorf("schedule.time_zone: %w", err)
		}
	}
	if c.SMTP.Enabled() {
		if err := c.SMTP.Validate(); err != nil {
			return err
		}
	}
	if t, ok := c.teams(); ok {
		if err := t.Validate(); err != nil {
			return err
		}
	} else if c.Teams.Source || c.Teams.Push {
		return fmt.Errorf("teams.source and teams.push need teams.tenant_id and teams.client_id")
	}
	if c.Store.LockTTL < 0 {
		return fmt.Errorf("store.lock_ttl: must not be negative")
	}
	if c.Store.Path == "" {
		return fmt.Errorf("store.path: must not be empty")
	}
	if _, err := c.configRanges(); err != nil {
		return err
	}
	return c.Store.validate()
}

func (s StoreConfig) validate() error {
	if s.URL == "" {
		if s.PasswordEnv != "" || s.PasswordFile != "" {
			return fmt.Errorf("store: password_env and password_file are for a PostgreSQL store (store.url)")
		}
		return nil
	}
	u, err := url.Parse(s.URL)
	if err != nil || !store.IsURL(s.URL) {
		return fmt.Errorf("store.url: want postgres://user@host:port/database, not %q", store.RedactURL(s.URL))
	}
	if _, set := u.User.Password(); set {
		return fmt.Errorf("store.url: %s carries a password; put it in store.password_env or store.password_file instead", u.Redacted())
	}
	if s.PasswordEnv != "" && s.PasswordFile != "" {
		return fmt.Errorf("store: set password_env or password_file, not both")
	}
	return nil
}

// policy returns the configured [numsync.Policy].
func (c *Config) policy() numsync.Policy {
	mode, _ := numsync.ParseMode(c.Policy.Mode)
	max := numsync.DefaultMaxRemoves
	if c.Policy.MaxRemoves != "" {
		max, _ = numsync.ParseThreshold(c.Policy.MaxRemoves)
	}
	p := numsync.Policy{Mode: mode, MaxRemoves: max, QuarantineDays: c.Policy.QuarantineDays,
		RequirePhoneLicense: c.Policy.RequirePhoneLicense, AssignmentBlock: c.Policy.AssignmentBlock}
	if d := c.Policy.Leavers.AfterDays; d != nil {
		p.Leavers = &numsync.LeaversPolicy{AfterDays: *d}
	}
	return p
}

// storeName is where the store is, for people: the file or the URL.
func (c *Config) storeName() string {
	if c.Store.URL != "" {
		return store.RedactURL(c.Store.URL)
	}
	return c.resolve(c.Store.Path)
}

// openStore opens the configured store: the PostgreSQL database of
// store.url with its password, or else the SQLite file of store.path.
// Only with create does it make a store that is not there yet (numsync
// init); otherwise that is a [*store.MissingError].
func (c *Config) openStore(ctx context.Context, create bool) (*store.Store, error) {
	s := c.Store
	if s.URL == "" {
		if create {
			return store.Open(ctx, c.resolve(s.Path))
		}
		return store.OpenExisting(ctx, c.resolve(s.Path))
	}
	var pw string
	if s.PasswordEnv != "" || s.PasswordFile != "" {
		var err error
		if pw, err = secret.Read("store.password", s.PasswordEnv, c.resolve(s.PasswordFile)); err != nil {
			return nil, err
		}
	}
	return store.OpenPostgres(ctx, s.URL, pw, create)
}

// resolve makes a path from the config file relative to the file's
// directory; paths given on the command line are used as they are.
func (c *Config) resolve(p string) string {
	if p == "" || filepath.IsAbs(p) || c.path == "" {
		return p
	}
	return filepath.Join(filepath.Dir(c.path), p)
}

// directory returns the directory section with its paths resolved, and
// whether a directory is configured at all.
func (c *Config) directory() (ldapsync.Config, bool) {
	d := c.Directory
	d.LDIFFile = c.resolve(d.LDIFFile)
	d.CAFile = c.resolve(d.CAFile)
	d.PasswordFile = c.resolve(d.PasswordFile)
	return d, d.LDIFFile != "" || d.URL != ""
}

// smtp returns the mail section with its paths resolved.
func (c *Config) smtp() notify.Config {
	m := c.SMTP
	m.CAFile = c.resolve(m.CAFile)
	m.PasswordFile = c.resolve(m.PasswordFile)
	return m
}

// teams returns the Graph section with its paths resolved, and whether a
// tenant is configured.
func (c *Config) teams() (graph.Config, bool) {
	t := c.Teams
	t.ClientSecretFile = c.resolve(t.ClientSecretFile)
	t.CertificateFile = c.resolve(t.CertificateFile)
	t.CAFile = c.resolve(t.CAFile)
	return t, t.Enabled()
}
