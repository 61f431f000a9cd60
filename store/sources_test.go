package store

import (
	"context"
	"path/filepath"
	"testing"
)

func TestSourceDigestSurvivesReopenAndLeavesRevision(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "s.db")
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if d, err := s.SourceDigest(ctx, "inventory"); err != nil || d != "" {
		t.Fatalf("new store: digest %q, %v; want none", d, err)
	}
	for _, d := range []string{"sha256:aa", "sha256:bb"} {
		if err := s.SetSourceDigest(ctx, "inventory", d); err != nil {
			t.Fatal(err)
		}
	}
	if rev, _ := s.Revision(ctx); rev != 0 {
		t.Errorf("recording a digest moved the revision to %d", rev)
	}
	s.Close()
	if s, err = Open(ctx, path); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if d, _ := s.SourceDigest(ctx, "inventory"); d != "sha256:bb" {
		t.Errorf("after reopen: digest %q, want the last one recorded", d)
	}
	if d, _ := s.SourceDigest(ctx, "users"); d != "" {
		t.Errorf("digests leak between sources: users has %q", d)
	}
}
