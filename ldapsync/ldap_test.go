package ldapsync_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/go-ldap/ldap/v3"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/numsync/numsync"
	"github.com/numsync/numsync/internal/testpki"
	"github.com/numsync/numsync/ldapsync"
)

// passwordFile writes the bind password where a config can point to it.
func passwordFile(t testing.TB, pw string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "bind-password")
	if err := os.WriteFile(p, []byte(pw+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// plainConfig reads the three user OUs of s over plain LDAP.
func plainConfig(t testing.TB, s *slapd) ldapsync.Config {
	return ldapsync.Config{
		URL:           s.url,
		InsecurePlain: true,
		BindDN:        bindDN,
		PasswordFile:  passwordFile(t, bindPassword),
		BaseDNs:       []string{staffOU, contractOU, resourcesOU},
		Mapping:       testMapping(),
	}
}

func newDirectory(t testing.TB, cfg ldapsync.Config) *ldapsync.Directory {
	t.Helper()
	d, err := ldapsync.New(cfg, zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func readRecords(t testing.TB, d *ldapsync.Directory) ([]ldapsync.Record, error) {
	t.Helper()
	var recs []ldapsync.Record
	err := d.Records(context.Background(), func(r ldapsync.Record) error {
		recs = append(recs, r)
		return nil
	})
	return recs, err
}

// checkRecords compares what was read with the generated users 0..n-1.
func checkRecords(t *testing.T, recs []ldapsync.Record, n int, source string) {
	t.Helper()
	if len(recs) != n {
		t.Errorf("read %d users, want %d", len(recs), n)
	}
	seen := map[string]bool{}
	bad := 0
	for _, got := range recs {
		var i int
		if _, err := fmt.Sscanf(got.User.UPN, "user%05d@example.com", &i); err != nil {
			t.Errorf("unexpected user %q (%s)", got.User.UPN, got.User.DN)
			continue
		}
		if seen[got.User.UPN] {
			t.Errorf("user %s read twice", got.User.UPN)
		}
		seen[got.User.UPN] = true
		want := makeUser(i).want
		want.User.Source = source
		if !strings.EqualFold(got.User.DN, want.User.DN) {
			t.Errorf("%s: DN %q, want %q", got.User.UPN, got.User.DN, want.User.DN)
		}
		got.User.DN = want.User.DN
		got.Problems = slices.Clone(got.Problems)
		for k := range got.Problems {
			p := &got.Problems[k]
			if p.Message == "" || p.Hint == "" {
				t.Errorf("%s: problem without message or hint: %+v", got.User.UPN, *p)
			}
			if p.File == "" {
				t.Errorf("%s: problem does not name its source: %+v", got.User.UPN, *p)
			}
			p.Message, p.Hint, p.File, p.Line = "", "", "", 0
		}
		if got.Place.File == "" {
			t.Errorf("%s: the record does not say where it was read", got.User.UPN)
		}
		got.Place = numsync.Source{}
		if !reflect.DeepEqual(got, want) {
			if bad++; bad <= 5 {
				t.Errorf("user %d:\n got %+v\nwant %+v", i, got, want)
			}
		}
	}
	if bad > 5 {
		t.Errorf("... %d users differ in all", bad)
	}
}

func TestReadEveryUser(t *testing.T) {
	s := sharedServer(t)
	recs, err := readRecords(t, newDirectory(t, plainConfig(t, s)))
	if err != nil {
		t.Fatal(err)
	}
	// Every user is read although the server returns at most 1000 entries
	// per search; computers, groups and the account without UPN are not.
	checkRecords(t, recs, sharedUsers, ldapsync.SourceLDAP)
}

// TestDecodersReadTheSameUsers reads the test directory with the fast
// decoder and with go-ldap's own (decoder: go-ldap), in the clear and over
// StartTLS: the records (users, GUIDs, roles, problems) are the same, in
// the same order. A go-ldap upgrade that breaks the fast path shows here,
// and decoder: go-ldap is a safe way round it meanwhile.
func TestDecodersReadTheSameUsers(t *testing.T) {
	s := sharedServer(t)
	for _, tc := range []struct {
		name     string
		startTLS bool
	}{{"Plain", false}, {"StartTLS", true}} {
		t.Run(tc.name, func(t *testing.T) {
			read := func(decoder string) []ldapsync.Record {
				t.Helper()
				cfg := plainConfig(t, s)
				cfg.Decoder = decoder
				if tc.startTLS {
					cfg.StartTLS, cfg.InsecurePlain, cfg.CAFile = true, false, s.caFile
				}
				recs, err := readRecords(t, newDirectory(t, cfg))
				if err != nil {
					t.Fatalf("decoder %s: %v", decoder, err)
				}
				return recs
			}
			fast, plain := read(ldapsync.DecoderFast), read(ldapsync.DecoderGoLDAP)
			checkRecords(t, plain, sharedUsers, ldapsync.SourceLDAP)
			if len(fast) != len(plain) {
				t.Fatalf("the fast decoder read %d users, go-ldap %d", len(fast), len(plain))
			}
			bad := 0
			for i := range fast {
				if !reflect.DeepEqual(fast[i], plain[i]) {
					if bad++; bad <= 3 {
						t.Errorf("user %d:\n fast   %+v\n go-ldap %+v", i, fast[i], plain[i])
					}
				}
			}
			if bad > 3 {
				t.Errorf("... %d users differ in all", bad)
			}
		})
	}
}

func TestUnknownDecoderIsRefused(t *testing.T) {
	cfg := ldapsync.Config{URL: "ldaps://dc.example.com", BindDN: "numsync", PasswordEnv: "X", BaseDNs: []string{"DC=example,DC=com"}, Decoder: "ber"}
	err := cfg.Validate()
	var ce *ldapsync.ConfigError
	if !errors.As(err, &ce) || ce.Key != "directory.decoder" || !strings.Contains(err.Error(), "go-ldap") {
		t.Fatalf("Validate = %v, want a directory.decoder error naming the choices", err)
	}
}

func TestUsersImplementsDirectory(t *testing.T) {
	s := sharedServer(t)
	core, logs := observer.New(zap.WarnLevel)
	d, err := ldapsync.New(plainConfig(t, s), zap.New(core))
	if err != nil {
		t.Fatal(err)
	}
	users, err := ldapsync.Collect(context.Background(), d)
	if err != nil {
		t.Fatal(err)
	}
	if len(users) != sharedUsers {
		t.Fatalf("collected %d users, want %d", len(users), sharedUsers)
	}
	// The unreadable msRTCSIP-Line values are logged, naming the user.
	var bad []string
	for _, e := range logs.FilterMessage("directory value not usable").All() {
		bad = append(bad, e.ContextMap()["upn"].(string))
	}
	var want []string
	for i := range sharedUsers {
		if len(makeUser(i).want.Problems) > 0 {
			want = append(want, makeUser(i).want.User.UPN)
		}
	}
	if !reflect.DeepEqual(bad, want) {
		t.Errorf("warnings logged for %v, want %v", bad, want)
	}
	if logs.FilterMessageSnippet("clear text").Len() != 1 {
		t.Errorf("insecure_plain was not warned about once: %v", logs.All())
	}
}

func TestCheck(t *testing.T) {
	s := sharedServer(t)
	cfg := plainConfig(t, s)
	cfg.PageSize = 300
	rep, err := newDirectory(t, cfg).Check(context.Background(), 3)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Source != s.url || len(rep.Samples) != 3 || rep.Samples[0].User.UPN == "" {
		t.Errorf("report %+v", rep)
	}
	want := map[string]ldapsync.BaseStats{}
	for i := range sharedUsers {
		u := makeUser(i).want
		st := want[userOU(i)]
		st.Base = userOU(i)
		st.Entries++
		st.Users++
		st.Problems += len(u.Problems)
		if !u.User.Enabled {
			st.Disabled++
		}
		if u.User.Kind == numsync.KindResource {
			st.Resources++
		}
		if u.User.OnPremLine != "" {
			st.WithLine++
		}
		want[userOU(i)] = st
	}
	staff := want[staffOU]
	staff.Entries++ // svc-backup, a user without UPN
	staff.Skipped++
	staff.References = len(referralRefs)
	want[staffOU] = staff
	for _, got := range rep.Bases {
		if got != want[got.Base] {
			t.Errorf("base %s:\n got %+v\nwant %+v", got.Base, got, want[got.Base])
		}
	}
}

func TestReferralsFromTheRootAreSkipped(t *testing.T) {
	s := sharedServer(t)
	cfg := plainConfig(t, s)
	cfg.BaseDNs = []string{"DC=example,DC=com"}
	core, logs := observer.New(zap.DebugLevel)
	d, err := ldapsync.New(cfg, zap.New(core))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	if err := d.Users(context.Background(), func(numsync.User) error { n++; return nil }); err != nil {
		t.Fatal(err)
	}
	if n != sharedUsers {
		t.Errorf("read %d users, want %d", n, sharedUsers)
	}
	// slapd rewrites the URLs (scope, case), so compare their DNs only.
	refs := logs.FilterMessage("continuation reference skipped").All()
	if len(refs) != len(referralRefs) {
		t.Fatalf("%d references logged, want %d: %v", len(refs), len(referralRefs), refs)
	}
	for i, e := range refs {
		got, _ := e.ContextMap()["ref"].(string)
		want := strings.SplitN(referralRefs[i], "/", 4)[3]
		if !strings.Contains(strings.ToLower(got), strings.ToLower(want)) {
			t.Errorf("reference %q logged, want one to %s", got, want)
		}
	}
}

func TestServerSizeLimitIsEnforcedWithoutPaging(t *testing.T) {
	// The harness must behave as AD does, or the paging tests prove nothing.
	s := sharedServer(t)
	conn, err := ldap.DialURL(s.url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if err := conn.Bind(bindDN, bindPassword); err != nil {
		t.Fatal(err)
	}
	_, err = conn.Search(ldap.NewSearchRequest(staffOU, ldap.ScopeWholeSubtree, ldap.NeverDerefAliases, 0, 0, false, "(objectClass=user)", []string{"1.1"}, nil))
	if !ldap.IsErrorWithCode(err, ldap.LDAPResultSizeLimitExceeded) {
		t.Fatalf("unpaged search of %d entries: %v, want size limit exceeded", sharedUsers, err)
	}
}

func TestWrongPassword(t *testing.T) {
	s := sharedServer(t)
	cfg := plainConfig(t, s)
	cfg.PasswordFile = ""
	cfg.PasswordEnv = "NUMSYNC_TEST_LDAP_PASSWORD"
	t.Setenv(cfg.PasswordEnv, "Tr0ub4dor&3")
	_, err := readRecords(t, newDirectory(t, cfg))
	var le *ldapsync.Error
	if !errors.As(err, &le) {
		t.Fatalf("error %v, want an *ldapsync.Error", err)
	}
	for _, want := range []string{s.url, "bind rejected", "bind_dn", "$NUMSYNC_TEST_LDAP_PASSWORD"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
	if strings.Contains(err.Error(), "Tr0ub4dor") {
		t.Errorf("error %q shows the password", err)
	}
}

func TestMissingPassword(t *testing.T) {
	s := sharedServer(t)
	cfg := plainConfig(t, s)
	cfg.PasswordFile = ""
	cfg.PasswordEnv = "NUMSYNC_TEST_UNSET_PASSWORD"
	_, err := readRecords(t, newDirectory(t, cfg))
	if err == nil || !strings.Contains(err.Error(), "NUMSYNC_TEST_UNSET_PASSWORD") {
		t.Fatalf("error %v, want one naming the unset variable", err)
	}
}

func TestBindNeedsTLS(t *testing.T) {
	s := sharedServer(t)
	cfg := plainConfig(t, s)
	cfg.BindDN = secureBindDN
	cfg.BaseDNs = []string{"dc=secure,dc=test"}
	_, err := readRecords(t, newDirectory(t, cfg))
	if err == nil || !strings.Contains(err.Error(), "use ldaps:// or start_tls: true") {
		t.Fatalf("plain bind to an account that needs TLS: %v, want advice to use TLS", err)
	}

	cfg.InsecurePlain = false
	cfg.StartTLS = true
	cfg.CAFile = s.caFile
	recs, err := readRecords(t, newDirectory(t, cfg))
	if err != nil {
		t.Fatalf("the same bind over StartTLS: %v", err)
	}
	if len(recs) != 1 || recs[0].User.UPN != "tls@secure.test" {
		t.Errorf("read %+v, want the one user of dc=secure,dc=test", recs)
	}
}

func TestServerDownAtConnect(t *testing.T) {
	cfg := plainConfig(t, sharedServer(t))
	cfg.URL = "ldap://127.0.0.1:" + strconv.Itoa(freePort())
	_, err := readRecords(t, newDirectory(t, cfg))
	if err == nil || !strings.Contains(err.Error(), cfg.URL) || !strings.Contains(err.Error(), "connection refused") {
		t.Fatalf("error %v, want connection refused naming %s", err, cfg.URL)
	}
}

func TestConnectTimeout(t *testing.T) {
	// A listener that never answers the TLS handshake.
	cfg := plainConfig(t, sharedServer(t))
	l := testpki.SilentListener(t)
	cfg.URL = "ldaps://" + l
	cfg.InsecurePlain = false
	cfg.ConnectTimeout = 300 * time.Millisecond
	_, err := readRecords(t, newDirectory(t, cfg))
	if err == nil || !strings.Contains(err.Error(), "connect_timeout") || !strings.Contains(err.Error(), cfg.URL) {
		t.Fatalf("error %v, want a connect timeout naming %s", err, cfg.URL)
	}
}

func TestServerKilledWhilePaging(t *testing.T) {
	s := ownServer(t, 3000)
	cfg := plainConfig(t, s)
	cfg.PageSize = 200
	d := newDirectory(t, cfg)
	// Collect is what a sync runs: it must give no users at all.
	n := 0
	users, err := ldapsync.Collect(context.Background(), countingDirectory{d, func() {
		if n++; n == 700 {
			s.kill()
		}
	}})
	if err == nil {
		t.Fatalf("a read cut by the server's death succeeded with %d users", len(users))
	}
	if users != nil {
		t.Errorf("Collect returned %d users with its error", len(users))
	}
	for _, want := range []string{s.url, "not read completely"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
	if n >= 3000 {
		t.Errorf("read %d users before failing: the kill came too late to test paging", n)
	}
}

func TestServerHangsWhilePaging(t *testing.T) {
	s := ownServer(t, 1500)
	cfg := plainConfig(t, s)
	cfg.PageSize = 200
	cfg.Timeout = 500 * time.Millisecond
	n := 0
	_, err := ldapsync.Collect(context.Background(), countingDirectory{newDirectory(t, cfg), func() {
		if n++; n == 300 {
			// Frozen, not dead: the connection stays open and silent.
			if err := s.cmd.Process.Signal(syscall.SIGSTOP); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = s.cmd.Process.Signal(syscall.SIGCONT) })
		}
	}})
	if err == nil || !strings.Contains(err.Error(), "directory.timeout") || !strings.Contains(err.Error(), "not read completely") {
		t.Fatalf("error %v, want a timeout saying the directory was not read completely", err)
	}
}

// countingDirectory calls tick before passing each user on.
type countingDirectory struct {
	d    numsync.Directory
	tick func()
}

func (c countingDirectory) Users(ctx context.Context, fn func(numsync.User) error) error {
	return c.d.Users(ctx, func(u numsync.User) error {
		c.tick()
		return fn(u)
	})
}

func TestCallbackErrorStopsTheWalk(t *testing.T) {
	d := newDirectory(t, plainConfig(t, sharedServer(t)))
	stop := errors.New("enough")
	n := 0
	err := d.Users(context.Background(), func(numsync.User) error {
		if n++; n == 10 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || n != 10 {
		t.Fatalf("Users returned %v after %d users, want the callback's error after 10", err, n)
	}
}

func TestCancelledContext(t *testing.T) {
	d := newDirectory(t, plainConfig(t, sharedServer(t)))
	ctx, cancel := context.WithCancel(context.Background())
	n := 0
	err := d.Users(ctx, func(numsync.User) error {
		if n++; n == 1200 {
			cancel()
		}
		return nil
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Users returned %v after cancel, want context.Canceled", err)
	}
}

func TestTLS(t *testing.T) {
	s := sharedServer(t)
	base := plainConfig(t, s)
	base.InsecurePlain = false
	for _, tc := range []struct {
		name     string
		url      string
		startTLS bool
		caFile   string
		wantErr  string
	}{
		{"LDAPSUntrustedRefused", s.ldapsURL, false, "", "not signed by a trusted CA"},
		{"StartTLSUntrustedRefused", s.url, true, "", "not signed by a trusted CA"},
		{"LDAPSWithCAFile", s.ldapsURL, false, s.caFile, ""},
		{"StartTLSWithCAFile", s.url, true, s.caFile, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := base
			cfg.URL, cfg.StartTLS, cfg.CAFile = tc.url, tc.startTLS, tc.caFile
			cfg.BaseDNs = []string{resourcesOU}
			recs, err := readRecords(t, newDirectory(t, cfg))
			if tc.wantErr == "" {
				if err != nil || len(recs) != sharedUsers/10 {
					t.Fatalf("read %d users, err %v; want %d", len(recs), err, sharedUsers/10)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !strings.Contains(err.Error(), "ca_file") {
				t.Fatalf("error %v, want %q with advice to set ca_file", err, tc.wantErr)
			}
		})
	}
}
