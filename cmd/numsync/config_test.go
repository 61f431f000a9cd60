package main

import (
	"testing"
)

// The example config is the documentation of every key: it must load under
// the same strict rules as a user's file.
func TestExampleConfigLoads(t *testing.T) {
	cfg, err := loadConfig("../../numsync.example.yaml", true)
	if err != nil {
		t.Fatalf("numsync.example.yaml does not load: %v", err)
	}
	if cfg.Store.Path != "numsync.db" || cfg.Policy.MaxRemoves != "500" || cfg.Schedule.TimeZone != "UTC" {
		t.Errorf("example config defaults drifted: %+v", cfg)
	}
	if got := cfg.resolve(cfg.Store.Path); got != "../../numsync.db" {
		t.Errorf("store path resolves to %q, want it relative to the config file", got)
	}
}
