package store

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/numsync/numsync/internal/pgtest"
)

// TestOpenPostgres: the connection is verified TLS unless the URL says
// otherwise, the password comes from the argument (or libpq's
// PGPASSWORD), and no message shows a password.
func TestOpenPostgres(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a PostgreSQL server")
	}
	ctx := context.Background()
	target := pgServer.NewDatabase(t) // verify-full with the test CA
	with := func(t *testing.T, set map[string]string, del ...string) string {
		u, err := url.Parse(target)
		if err != nil {
			t.Fatal(err)
		}
		q := u.Query()
		for k, v := range set {
			q.Set(k, v)
		}
		for _, k := range del {
			q.Del(k)
		}
		u.RawQuery = q.Encode()
		return u.String()
	}
	open := func(t *testing.T, target, password string) error {
		t.Helper()
		s, err := OpenPostgres(ctx, target, password, true)
		if err == nil {
			s.Close()
		}
		return err
	}
	t.Setenv("PGPASSWORD", "")
	t.Run("VerifiedTLS", func(t *testing.T) {
		if err := open(t, target, pgtest.Password); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("NoSSLModeMeansVerifyFull", func(t *testing.T) {
		// Without sslmode and without the test CA the server's certificate
		// is not trusted: libpq's default (prefer) would have taken it.
		err := open(t, with(t, nil, "sslmode", "sslrootcert"), pgtest.Password)
		if err == nil || !strings.Contains(err.Error(), "certificate") {
			t.Fatalf("open without sslmode and CA = %v; want a certificate error", err)
		}
		if err := open(t, with(t, nil, "sslmode"), pgtest.Password); err != nil {
			t.Fatalf("open without sslmode, with the CA: %v", err)
		}
	})
	t.Run("SSLModeIsRespected", func(t *testing.T) {
		// require: encrypted, certificate not checked.
		if err := open(t, with(t, map[string]string{"sslmode": "require"}, "sslrootcert"), pgtest.Password); err != nil {
			t.Fatalf("sslmode=require: %v", err)
		}
		// disable: in clear, which this server accepts on loopback.
		if err := open(t, with(t, map[string]string{"sslmode": "disable"}, "sslrootcert"), pgtest.Password); err != nil {
			t.Fatalf("sslmode=disable: %v", err)
		}
	})
	t.Run("PasswordFromArgumentOrPGPASSWORD", func(t *testing.T) {
		err := open(t, target, "wrong horse")
		if err == nil || strings.Contains(err.Error(), "wrong horse") {
			t.Fatalf("open with a wrong password = %v; want refused, without the password in the message", err)
		}
		if err := open(t, target, ""); err == nil {
			t.Fatal("open without any password succeeded")
		}
		t.Setenv("PGPASSWORD", pgtest.Password)
		if err := open(t, target, ""); err != nil {
			t.Fatalf("open with PGPASSWORD: %v", err)
		}
	})
	t.Run("URLPasswordNotShown", func(t *testing.T) {
		u, _ := url.Parse(target)
		u.User = url.UserPassword(pgtest.User, "not-the-password")
		err := open(t, u.String(), "")
		if err == nil || strings.Contains(err.Error(), "not-the-password") {
			t.Fatalf("open = %v; want refused without the password in the message", err)
		}
	})
}

// TestRebind turns the store's SQLite parameters into PostgreSQL's and
// leaves question marks in quotes alone.
func TestRebind(t *testing.T) {
	for in, want := range map[string]string{
		"SELECT 1":                         "SELECT 1",
		"a = ? AND b = ?":                  "a = $1 AND b = $2",
		"UPDATE t SET a = ?2 WHERE k = ?1": "UPDATE t SET a = $2 WHERE k = $1",
		"x = '?' AND y = ? AND \"q?\" = ?": "x = '?' AND y = $1 AND \"q?\" = $2",
		"VALUES (?, ?), (?, ?)":            "VALUES ($1, $2), ($3, $4)",
		"a = 'it''s ?' AND b = ?":          "a = 'it''s ?' AND b = $1",
	} {
		if got := rebind(in); got != want {
			t.Errorf("rebind(%q) = %q, want %q", in, got, want)
		}
	}
}
