package ldapsync_test

import (
	"context"
	"errors"
	"io"
	"net"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-ldap/ldap/v3"

	"github.com/numsync/numsync/ldapsync"
)

// clearUsers is the size of the directories the clean-up tests write to.
const clearUsers = 60

// writerConfig binds as the account that may write msRTCSIP-Line.
func writerConfig(t testing.TB, s *slapd) ldapsync.Config {
	cfg := plainConfig(t, s)
	cfg.BindDN = writerDN
	return cfg
}

// lineOf reads the raw msRTCSIP-Line of dn as the read-only account.
func lineOf(t testing.TB, s *slapd, dn string) string {
	t.Helper()
	conn, err := ldap.DialURL(s.url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if err := conn.Bind(bindDN, bindPassword); err != nil {
		t.Fatal(err)
	}
	res, err := conn.Search(ldap.NewSearchRequest(dn, ldap.ScopeBaseObject, ldap.NeverDerefAliases, 1, 0, false, "(objectClass=*)", []string{"msRTCSIP-Line"}, nil))
	if err != nil {
		t.Fatalf("reading %s: %v", dn, err)
	}
	return res.Entries[0].GetAttributeValue("msRTCSIP-Line")
}

// cleanupOf is the clean-up entry a report writes for user i, whose line
// the directory holds as makeUser says.
func cleanupOf(i int) ldapsync.CleanupEntry {
	u := makeUser(i).want.User
	return ldapsync.CleanupEntry{DN: u.DN, UPN: u.UPN, CurrentLine: u.OnPremLine}
}

// clearCases are entries for each outcome, in a directory of clearUsers.
// User 0's line is in national layout ("+44 20 7946 0000"), which the list
// holds normalised; users 5, 15, 20 hold tel: URIs with extensions.
func clearCases() (entries []ldapsync.CleanupEntry, want []ldapsync.ClearOutcome, dns []string) {
	add := func(e ldapsync.CleanupEntry, o ldapsync.ClearOutcome, dn string) {
		entries, want, dns = append(entries, e), append(want, o), append(dns, dn)
	}
	add(cleanupOf(0), ldapsync.Cleared, makeUser(0).want.User.DN)
	add(cleanupOf(5), ldapsync.Cleared, makeUser(5).want.User.DN)
	empty := cleanupOf(1)
	empty.CurrentLine = "+14255550001"
	add(empty, ldapsync.AlreadyEmpty, makeUser(1).want.User.DN)
	changed := cleanupOf(10)
	changed.CurrentLine = "+14255559999"
	add(changed, ldapsync.ChangedSince, makeUser(10).want.User.DN)
	add(ldapsync.CleanupEntry{DN: "CN=Nobody,OU=Staff,DC=example,DC=com", UPN: "nobody@example.com", CurrentLine: "+14255550000"}, ldapsync.NotFound, "")
	byUPN := cleanupOf(15)
	byUPN.DN = ""
	add(byUPN, ldapsync.Cleared, makeUser(15).want.User.DN)
	moved := cleanupOf(20)
	moved.DN = "CN=User 00020,OU=Contractors,DC=example,DC=com"
	add(moved, ldapsync.Cleared, makeUser(20).want.User.DN)
	return entries, want, dns
}

func checkOutcomes(t *testing.T, got []ldapsync.ClearResult, entries []ldapsync.CleanupEntry, want []ldapsync.ClearOutcome, dns []string) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d results for %d entries: %+v", len(got), len(want), got)
	}
	for i, r := range got {
		if r.Outcome != want[i] || !strings.EqualFold(r.DN, dns[i]) || r.Entry.UPN != entries[i].UPN || r.Detail == "" {
			t.Errorf("%s: %s at %q (%s), want %s at %q", entries[i].UPN, r.Outcome, r.DN, r.Detail, want[i], dns[i])
		}
	}
}

func TestClearLines(t *testing.T) {
	s := ownServer(t, clearUsers)
	d := newDirectory(t, writerConfig(t, s))
	entries, want, dns := clearCases()
	ctx := context.Background()
	before := map[string]string{}
	for _, dn := range dns {
		if dn != "" {
			before[dn] = lineOf(t, s, dn)
		}
	}

	t.Run("DryRunChangesNothing", func(t *testing.T) {
		got, err := d.ClearLines(ctx, entries, false)
		if err != nil {
			t.Fatal(err)
		}
		dry := make([]ldapsync.ClearOutcome, len(want))
		for i, o := range want {
			dry[i] = o
			if o == ldapsync.Cleared {
				dry[i] = ldapsync.WouldClear
			}
		}
		checkOutcomes(t, got, entries, dry, dns)
		for dn, line := range before {
			if now := lineOf(t, s, dn); now != line {
				t.Errorf("dry-run changed %s from %q to %q", dn, line, now)
			}
		}
	})

	t.Run("Apply", func(t *testing.T) {
		got, err := d.ClearLines(ctx, entries, true)
		if err != nil {
			t.Fatal(err)
		}
		checkOutcomes(t, got, entries, want, dns)
		for i, r := range got {
			if r.DN == "" {
				continue
			}
			now := lineOf(t, s, r.DN)
			switch r.Outcome {
			case ldapsync.Cleared:
				if now != "" {
					t.Errorf("%s: still holds %q", r.DN, now)
				}
				if r.Found != before[dns[i]] {
					t.Errorf("%s: found %q, the directory held %q", r.DN, r.Found, before[dns[i]])
				}
			case ldapsync.ChangedSince:
				if now != before[dns[i]] || now == "" {
					t.Errorf("%s: a line changed since the list was made became %q (was %q)", r.DN, now, before[dns[i]])
				}
			}
		}
	})

	t.Run("ApplyAgainFindsThemEmpty", func(t *testing.T) {
		got, err := d.ClearLines(ctx, entries[:2], true)
		if err != nil {
			t.Fatal(err)
		}
		checkOutcomes(t, got, entries[:2], []ldapsync.ClearOutcome{ldapsync.AlreadyEmpty, ldapsync.AlreadyEmpty}, dns[:2])
	})
}

func TestClearLinesWithoutWriteAccess(t *testing.T) {
	s := ownServer(t, clearUsers)
	d := newDirectory(t, plainConfig(t, s)) // the read-only account
	got, err := d.ClearLines(context.Background(), []ldapsync.CleanupEntry{cleanupOf(5)}, true)
	if err != nil {
		t.Fatal(err)
	}
	r := got[0]
	if r.Outcome != ldapsync.Failed || !ldap.IsErrorWithCode(r.Err, ldap.LDAPResultInsufficientAccessRights) || !strings.Contains(r.Detail, "directory.bind_dn") {
		t.Errorf("result %+v, want an error with insufficientAccessRights naming directory.bind_dn", r)
	}
	if now := lineOf(t, s, r.DN); now == "" {
		t.Error("the line was cleared by an account that may not write it")
	}
}

func TestClearLinesDeclinesAnotherUsersEntry(t *testing.T) {
	s := ownServer(t, clearUsers)
	d := newDirectory(t, writerConfig(t, s))
	e := cleanupOf(5)
	e.DN = makeUser(10).want.User.DN // the DN now names someone else
	e.CurrentLine = makeUser(10).want.User.OnPremLine
	got, err := d.ClearLines(context.Background(), []ldapsync.CleanupEntry{e}, true)
	if err != nil {
		t.Fatal(err)
	}
	if r := got[0]; r.Outcome != ldapsync.Failed || r.Err != nil || !strings.Contains(r.Detail, "now belongs to") {
		t.Errorf("result %+v", r)
	}
	if lineOf(t, s, e.DN) == "" {
		t.Error("another user's line was cleared")
	}
}

func TestClearLinesWrongPassword(t *testing.T) {
	s := sharedServer(t)
	cfg := writerConfig(t, s)
	cfg.PasswordFile = passwordFile(t, "wrong")
	got, err := newDirectory(t, cfg).ClearLines(context.Background(), []ldapsync.CleanupEntry{cleanupOf(5)}, true)
	var le *ldapsync.Error
	if !errors.As(err, &le) || !strings.Contains(err.Error(), "invalid credentials") || len(got) != 0 {
		t.Fatalf("got %v, %v; want a bind error and no results", got, err)
	}
}

func TestClearLinesConnectionLost(t *testing.T) {
	s := ownServer(t, clearUsers)
	cfg := writerConfig(t, s)
	// The bind, then the read and the modify of the first user pass; the
	// read of the second user is where the connection dies.
	cfg.URL = "ldap://" + cuttingProxy(t, strings.TrimPrefix(s.url, "ldap://"), 4)
	entries, _, _ := clearCases()
	got, err := newDirectory(t, cfg).ClearLines(context.Background(), entries, true)
	if err == nil || !strings.Contains(err.Error(), "connection was lost") || !strings.Contains(err.Error(), "after 1 of 7 users") {
		t.Fatalf("error %v, want the lost connection after 1 user; results %+v", err, got)
	}
	if len(got) != 1 || got[0].Outcome != ldapsync.Cleared {
		t.Errorf("results %+v, want the first user's only", got)
	}
}

// cuttingProxy forwards one connection to target and closes it, both ways,
// when the client sends its nth request (go-ldap writes each request in
// one piece and waits for the answer before the next one).
func cuttingProxy(t *testing.T, target string, n int) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		c, err := l.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		up, err := net.Dial("tcp", target)
		if err != nil {
			return
		}
		defer up.Close()
		go func() { _, _ = io.Copy(c, up) }()
		buf := make([]byte, 64<<10)
		for i := 1; i < n; i++ {
			k, err := c.Read(buf)
			if err != nil {
				return
			}
			if _, err := up.Write(buf[:k]); err != nil {
				return
			}
		}
		_, _ = c.Read(buf)
	}()
	return l.Addr().String()
}

func TestClearLinesRefusesLDIF(t *testing.T) {
	d, err := ldapsync.NewLDIF(filepath.Join(t.TempDir(), "users.ldif"), testMapping(), nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = d.ClearLines(context.Background(), []ldapsync.CleanupEntry{cleanupOf(5)}, false)
	if err == nil || !strings.Contains(err.Error(), "ldapmodify") {
		t.Errorf("error %v, want a refusal pointing at ad-cleanup.ldif", err)
	}
}
