package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/numsync/numsync"
	"github.com/numsync/numsync/graph"
	"github.com/numsync/numsync/store"
)

func init() {
	register(&command{name: "teams check", summary: "get a Graph token, check the granted permissions and read one page of numbers and users", run: runTeamsCheck})
	register(&command{name: "teams import", summary: "read numbers and users (cloud-only and resource accounts included) from Graph into the store", run: runTeamsImport})
}

var errNoTeams = usageErr(errors.New("no Teams tenant is configured"),
	"set teams.tenant_id, teams.client_id and a credential in the config (see the README's Microsoft Graph section)")

// graphClient returns a Graph client for the configured tenant.
func (e *env) graphClient() (*graph.Client, error) {
	cfg, ok := e.cfg.teams()
	if !ok {
		return nil, errNoTeams
	}
	c, err := graph.New(cfg)
	if err != nil {
		return nil, usageErr(err, "see the teams: section of numsync.example.yaml")
	}
	return c, nil
}

func runTeamsCheck(ctx context.Context, e *env, args []string) error {
	fs := e.flags("teams check", "")
	if err := parse(fs, args, 0, 0); err != nil {
		return err
	}
	return checkTeams(ctx, e, e.stdout)
}

// checkTeams gets a token, says on w which permissions it grants and
// which are missing, and reads a page of numbers and of users.
func checkTeams(ctx context.Context, e *env, w io.Writer) error {
	c, err := e.graphClient()
	if err != nil {
		return err
	}
	res, err := c.Check(ctx)
	var te *graph.TokenError
	if errors.As(err, &te) {
		return err
	}
	fmt.Fprintln(w, "token: ok")
	fmt.Fprintf(w, "application permissions granted: %s\n", orNone(strings.Join(res.Granted, ", ")))
	for _, p := range res.Missing {
		fmt.Fprintf(w, "missing: %s (Microsoft Graph, application permission, with admin consent)\n", p)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "numbers: readable (%d on the first page)\nusers: readable (%d on the first page)\n", res.Numbers, res.Users)
	if len(res.Missing) > 0 {
		return withCode(ExitFailed, fmt.Errorf("the app registration lacks %s", strings.Join(res.Missing, ", ")),
			"in Entra ID > App registrations > the app > API permissions, add the Microsoft Graph application permissions above, then press 'Grant admin consent' (a Global or Privileged Role Administrator must)")
	}
	fmt.Fprintln(w, "teams: ok")
	return nil
}

func runTeamsImport(ctx context.Context, e *env, args []string) error {
	fs := e.flags("teams import", "")
	if err := parse(fs, args, 0, 0); err != nil {
		return err
	}
	st, err := e.writableStore(ctx)
	if err != nil {
		return err
	}
	return importTeams(ctx, e, st)
}

// importTeams reads users and numbers from Graph into the store. Users
// synced from on-premises AD keep what only AD knows (their DN and
// msRTCSIP-Line) when the directory step already loaded them; cloud-only
// users and resource accounts become users of source "graph", marked
// absent when they leave the tenant. Numbers then load as the inventory,
// with their holders.
func importTeams(ctx context.Context, e *env, st *store.Store) error {
	c, err := e.graphClient()
	if err != nil {
		return err
	}
	t, err := st.Tenant(ctx)
	if err != nil {
		return err
	}
	onPrem := map[string]numsync.User{}
	for _, u := range t.Users {
		if u.ObjectID != "" && u.Source != graph.SourceGraph && u.Source != "" {
			onPrem[strings.ToLower(u.ObjectID)] = u
		}
	}
	var synced, cloud []numsync.User
	err = c.Users(ctx, func(gu graph.User) error {
		u := gu.Domain()
		if ad, ok := onPrem[strings.ToLower(u.ObjectID)]; ok && gu.Synced() {
			synced = append(synced, u.WithOnPremises(ad))
			return nil
		}
		cloud = append(cloud, u)
		return nil
	})
	if err != nil {
		return fmt.Errorf("reading users from Graph: %w", err)
	}
	if len(cloud)+len(synced) == 0 {
		return errors.New("no users listed by Graph; importing none would mark every cloud user absent")
	}
	if _, err := st.ImportUsers(ctx, synced, numsync.UserImportOptions{}); err != nil {
		return fmt.Errorf("importing synced users from Graph: %w", err)
	}
	ures, err := st.ImportUsers(ctx, cloud, numsync.UserImportOptions{Source: graph.SourceGraph, MarkAbsent: true})
	if err != nil {
		return fmt.Errorf("importing cloud users from Graph: %w", err)
	}
	var recs []numsync.InventoryRecord
	problems, err := c.Numbers(ctx, func(r numsync.InventoryRecord) error {
		recs = append(recs, r)
		return nil
	})
	if err != nil {
		return fmt.Errorf("reading numbers from Graph: %w", err)
	}
	nres, err := st.ImportNumbers(ctx, recs, nil)
	if err != nil {
		return fmt.Errorf("importing numbers from Graph: %w", err)
	}
	now := time.Now()
	obs := make([]numsync.ObservedNumber, len(recs))
	for i, r := range recs {
		obs[i] = r.Observed(now)
	}
	if err := st.RecordObserved(ctx, obs, true); err != nil {
		return err
	}
	for _, p := range append(problems, append(ures.Problems, nres.Problems...)...) {
		printIssue(e.stderr, "", p)
	}
	e.log.Info("read from Graph", zap.Int("synced_users", len(synced)), zap.Int("cloud_users", len(cloud)),
		zap.Int("users_absent", ures.Absent), zap.Int("numbers", len(recs)), zap.Int("numbers_added", nres.Added),
		zap.Int("numbers_updated", nres.Updated), zap.Int("problems", len(problems)+len(ures.Problems)+len(nres.Problems)))
	fmt.Fprintf(e.stdout, "graph: %d users (%d synced from AD, %d cloud-only), %d numbers\n", len(synced)+len(cloud), len(synced), len(cloud), len(recs))
	return nil
}
