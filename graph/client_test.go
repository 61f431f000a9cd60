package graph_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/numsync/numsync"
	"github.com/numsync/numsync/graph"
	"github.com/numsync/numsync/graph/graphtest"
)

// newServer starts a contract server for the test and returns it with a
// client configuration that reaches it with the client secret.
func newServer(t *testing.T) (*graphtest.Server, graph.Config) {
	t.Helper()
	s := graphtest.New()
	t.Cleanup(s.Close)
	ca := filepath.Join(t.TempDir(), "graph-ca.pem")
	if err := os.WriteFile(ca, s.CAPEM(), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("TEST_GRAPH_SECRET", graphtest.ClientSecret)
	return s, graph.Config{
		TenantID: graphtest.TenantID, ClientID: graphtest.ClientID, ClientSecretEnv: "TEST_GRAPH_SECRET",
		GraphURL: s.URL(), AuthorityHost: s.AuthorityHost(), CAFile: ca, PollInterval: 1,
	}
}

func newClient(t *testing.T, cfg graph.Config) *graph.Client {
	t.Helper()
	c, err := graph.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestCheck(t *testing.T) {
	ctx := context.Background()
	t.Run("AllGranted", func(t *testing.T) {
		s, cfg := newServer(t)
		s.AddNumber(graph.NumberAssignment{TelephoneNumber: "+14255550101", NumberType: "callingPlan", AssignmentStatus: "unassigned", IsoCountryCode: "US"})
		res, err := newClient(t, cfg).Check(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Missing) != 0 || res.Numbers != 1 {
			t.Errorf("check = %+v, want nothing missing and one number read", res)
		}
		if s.TokensIssued() != 1 {
			t.Errorf("%d tokens issued, want 1 (azidentity caches it)", s.TokensIssued())
		}
	})
	t.Run("MissingPermissionIsNamed", func(t *testing.T) {
		s, cfg := newServer(t)
		s.GrantOnly(graph.PermUsers)
		res, err := newClient(t, cfg).Check(ctx)
		var ge *graph.Error
		if !errors.As(err, &ge) || ge.Status != 403 || !strings.Contains(ge.Hint(), "TeamsTelephoneNumber.ReadWrite.All") {
			t.Errorf("check error = %v, want a 403 whose hint names the permission", err)
		}
		if fmt.Sprint(res.Missing) != "[TeamsTelephoneNumber.ReadWrite.All]" {
			t.Errorf("missing = %v", res.Missing)
		}
	})
	t.Run("WrongSecret", func(t *testing.T) {
		_, cfg := newServer(t)
		t.Setenv("TEST_GRAPH_SECRET", "not-the-secret")
		_, err := newClient(t, cfg).Check(ctx)
		var te *graph.TokenError
		if !errors.As(err, &te) || !strings.Contains(err.Error(), "AADSTS7000215") {
			t.Errorf("check error = %v, want a token error with the authority's reason", err)
		}
		if strings.Contains(err.Error(), "not-the-secret") {
			t.Errorf("the error shows the secret: %v", err)
		}
	})
	t.Run("UntrustedCertificateIsRefused", func(t *testing.T) {
		_, cfg := newServer(t)
		cfg.CAFile = ""
		_, err := newClient(t, cfg).Check(ctx)
		if err == nil || !strings.Contains(err.Error(), "certificate") {
			t.Errorf("check error = %v, want a certificate error: TLS is always verified", err)
		}
	})
}

func TestNumbersFollowsPaging(t *testing.T) {
	s, cfg := newServer(t)
	for i := range 2500 {
		a := graph.NumberAssignment{TelephoneNumber: fmt.Sprintf("+1425555%04d", i), NumberType: "directRouting",
			AssignmentStatus: "unassigned", Capabilities: []string{"userAssignment"}, IsoCountryCode: "US", NumberSource: "onPremises"}
		if i == 7 {
			a.AssignmentTargetID, a.AssignmentStatus, a.AssignmentCategory = "holder-7", "userAssigned", "private"
		}
		s.AddNumber(a)
	}
	s.AddNumber(graph.NumberAssignment{TelephoneNumber: "+1425", NumberType: "callingPlan", AssignmentStatus: "unassigned"})
	var got []numsync.InventoryRecord
	problems, err := newClient(t, cfg).Numbers(context.Background(), func(r numsync.InventoryRecord) error {
		got = append(got, r)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2500 || len(problems) != 1 || problems[0].Number != "+1425" {
		t.Fatalf("read %d numbers and problems %v, want 2500 and the bad one", len(got), problems)
	}
	pages := 0
	for _, r := range s.Requests() {
		if r.Path == graph.PathNumbers {
			pages++
		}
	}
	if pages != 3 {
		t.Errorf("%d pages read, want 3 of up to 1000", pages)
	}
	h := got[7]
	if h.HolderID != "holder-7" || h.Category != numsync.Private || h.Type != numsync.DirectRouting || !h.Can(numsync.CapUser) || h.InventoryNumber.Source != numsync.SourceOnPremises {
		t.Errorf("record 7 = %+v", h)
	}
}

func TestUsersMapsLicencesAndResourceAccounts(t *testing.T) {
	s, cfg := newServer(t)
	yes := true
	s.AddUser(graph.User{ID: "u1", UserPrincipalName: "ann@contoso.com", UsageLocation: "us", AccountEnabled: true, OnPremisesSyncEnabled: &yes,
		AssignedPlans: []graph.AssignedPlan{{ServicePlanID: graph.PlanTeamsPhone, CapabilityStatus: "Enabled"}, {ServicePlanID: graph.PlanCallingPlan, CapabilityStatus: "Deleted"}}})
	s.AddUser(graph.User{ID: "r1", UserPrincipalName: "aa-main@contoso.com", AccountEnabled: false,
		AssignedPlans: []graph.AssignedPlan{{ServicePlanID: graph.PlanResourceAccount, CapabilityStatus: "Enabled"}}})
	var got []numsync.User
	var synced []bool
	err := newClient(t, cfg).Users(context.Background(), func(u graph.User) error {
		got = append(got, u.Domain())
		synced = append(synced, u.Synced())
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("read %d users", len(got))
	}
	if a := got[0]; a.UsageLocation != "US" || fmt.Sprint(a.Licenses) != "[TeamsPhone]" || a.Kind != numsync.KindUser || !synced[0] {
		t.Errorf("ann = %+v (a deleted plan grants nothing)", a)
	}
	if r := got[1]; r.Kind != numsync.KindResource || !r.Enabled || synced[1] {
		t.Errorf("resource account = %+v, want an enabled resource account (its sign-in is blocked by design)", r)
	}
}

func TestRequestsSurvive(t *testing.T) {
	ctx := context.Background()
	t.Run("ExpiredTokenIsRenewedOnce", func(t *testing.T) {
		s, cfg := newServer(t)
		c := newClient(t, cfg)
		if _, err := c.Check(ctx); err != nil {
			t.Fatal(err)
		}
		s.ExpireTokens()
		if _, err := c.Check(ctx); err != nil {
			t.Fatalf("after the token expired: %v", err)
		}
		if s.TokensIssued() != 2 {
			t.Errorf("%d tokens issued, want 2", s.TokensIssued())
		}
	})
	t.Run("ThrottlingIsWaitedOut", func(t *testing.T) {
		if testing.Short() {
			t.Skip("waits out Retry-After; skipped with -short")
		}
		s, cfg := newServer(t)
		c := newClient(t, cfg)
		s.Throttle(2, 1)
		if _, err := c.Check(ctx); err != nil {
			t.Fatal(err)
		}
		if st := c.Stats(); st.Throttled != 2 {
			t.Errorf("stats = %+v, want 2 throttled answers", st)
		}
	})
}

func writeFile(t testing.TB, path string, b []byte) {
	t.Helper()
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}
