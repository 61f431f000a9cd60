package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/numsync/numsync"
	"github.com/numsync/numsync/graph"
	"github.com/numsync/numsync/ldapsync"
	"github.com/numsync/numsync/notify"
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

	path string // the file it was read from, "" for defaults
}

// StoreConfig says where the store is.
type StoreConfig struct {
	Path string `yaml:"path"`
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
	return nil
}

// policy returns the configured [numsync.Policy].
func (c *Config) policy() numsync.Policy {
	mode, _ := numsync.ParseMode(c.Policy.Mode)
	max := numsync.DefaultMaxRemoves
	if c.Policy.MaxRemoves != "" {
		max, _ = numsync.ParseThreshold(c.Policy.MaxRemoves)
	}
	return numsync.Policy{Mode: mode, MaxRemoves: max, QuarantineDays: c.Policy.QuarantineDays, RequirePhoneLicense: c.Policy.RequirePhoneLicense}
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
