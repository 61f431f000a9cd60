package store

import (
	"context"
	"slices"
	"testing"

	"github.com/numsync/numsync"
)

func TestSourceDigestSurvivesReopenAndLeavesRevision(t *testing.T) {
	bothEngines(t, testSourceDigestSurvivesReopenAndLeavesRevision)
}

func testSourceDigestSurvivesReopenAndLeavesRevision(t *testing.T, e *testEngine) {
	ctx := context.Background()
	path := e.target(t)
	s, err := open(ctx, path)
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
	if s, err = open(ctx, path); err != nil {
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

func TestDirectoryRolesAreReplacedWholeAndKeptApartFromGrantsByHand(t *testing.T) {
	bothEngines(t, testDirectoryRolesAreReplacedWholeAndKeptApartFromGrantsByHand)
}

func testDirectoryRolesAreReplacedWholeAndKeptApartFromGrantsByHand(t *testing.T, e *testEngine) {
	ctx := context.Background()
	s, _ := e.openTemp(t)
	if _, err := s.GrantRole(ctx, numsync.RoleGrant{Principal: "Ann@contoso.com", Role: numsync.RoleTeamsAdmin}); err != nil {
		t.Fatal(err)
	}
	dir := []numsync.RoleGrant{{Principal: "Bob@contoso.com", Role: numsync.RoleTeamsTelephonyAdmin}, {Principal: "ann@contoso.com", Role: numsync.RoleTeamsAdmin}}
	if changed, err := s.SetDirectoryRoles(ctx, dir); err != nil || !changed {
		t.Fatalf("first directory roles: changed %t, %v", changed, err)
	}
	rev, _ := s.Revision(ctx)
	if changed, err := s.SetDirectoryRoles(ctx, dir); err != nil || changed {
		t.Fatalf("same directory roles again: changed %t, %v", changed, err)
	}
	if r, _ := s.Revision(ctx); r != rev {
		t.Errorf("unchanged directory roles moved the revision %d -> %d", rev, r)
	}
	grants, _ := s.RoleGrants(ctx)
	want := []numsync.RoleGrant{
		{Principal: "Ann@contoso.com", Role: numsync.RoleTeamsAdmin},
		{Principal: "ann@contoso.com", Role: numsync.RoleTeamsAdmin, FromDirectory: true},
		{Principal: "Bob@contoso.com", Role: numsync.RoleTeamsTelephonyAdmin, FromDirectory: true},
	}
	if !slices.Equal(grants, want) {
		t.Fatalf("grants %+v, want %+v", grants, want)
	}
	// Bob leaves the group: his grant goes; Ann's grant by hand stays.
	if _, err := s.SetDirectoryRoles(ctx, nil); err != nil {
		t.Fatal(err)
	}
	grants, _ = s.RoleGrants(ctx)
	if !slices.Equal(grants, want[:1]) {
		t.Fatalf("after the group emptied: %+v", grants)
	}
}
