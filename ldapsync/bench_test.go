package ldapsync_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/go-ldap/ldap/v3"

	"github.com/numsync/numsync"
	"github.com/numsync/numsync/ldapsync"
)

// benchUsers is the directory size of the benchmarks: 20,000 users, or
// NUMSYNC_BENCH_LDAP_USERS (docs/design.md states its target at 100,000).
var benchUsers = func() int {
	v := os.Getenv("NUMSYNC_BENCH_LDAP_USERS")
	if v == "" {
		return 20000
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		fmt.Fprintf(os.Stderr, "NUMSYNC_BENCH_LDAP_USERS=%q: want a number of users\n", v)
		os.Exit(2)
	}
	return n
}()

// benchConfig searches the whole domain, as both benchmarks do.
func benchConfig(b *testing.B) (ldapsync.Config, *slapd) {
	s := lazyStart(b, benchUsers)
	cfg := plainConfig(b, s)
	cfg.BaseDNs = []string{"DC=example,DC=com"}
	return cfg, s
}

// BenchmarkReadUsers reads every user of a benchUsers directory, paged
// by 500, and maps it. Compare with BenchmarkLdapsearch, which runs the
// same search with OpenLDAP's client (docs/design.md asks for at most
// 1.5 times its time).
func BenchmarkReadUsers(b *testing.B) {
	cfg, _ := benchConfig(b)
	d, err := ldapsync.New(cfg, nil)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	for b.Loop() {
		n := 0
		if err := d.Users(ctx, func(numsync.User) error { n++; return nil }); err != nil {
			b.Fatal(err)
		}
		if n != benchUsers {
			b.Fatalf("read %d users, want %d", n, benchUsers)
		}
	}
	b.ReportMetric(float64(benchUsers)*float64(b.N)/b.Elapsed().Seconds(), "users/s")
}

// BenchmarkLdapsearch runs `ldapsearch -E pr=500/noprompt` for the same
// filter, base and attributes as BenchmarkReadUsers, writing its LDIF to
// /dev/null.
func BenchmarkLdapsearch(b *testing.B) {
	cfg, s := benchConfig(b)
	bin, err := findTool("ldapsearch")
	if err != nil {
		b.Fatal(err)
	}
	// ldapsearch -y reads the whole file as the password: no newline.
	pw := filepath.Join(b.TempDir(), "pw")
	if err := os.WriteFile(pw, []byte(bindPassword), 0o600); err != nil {
		b.Fatal(err)
	}
	args := []string{"-x", "-H", s.url, "-D", bindDN, "-y", pw, "-b", cfg.BaseDNs[0], "-E", "pr=500/noprompt", "-LLL", "-o", "ldif-wrap=no", ldapsync.DefaultFilter}
	args = append(args, ldapsync.ADAttributes.UPN, ldapsync.ADAttributes.DisplayName, ldapsync.ADAttributes.Mail,
		ldapsync.ADAttributes.GUID, ldapsync.ADAttributes.CloudID, ldapsync.ADAttributes.UsageLocation,
		ldapsync.ADAttributes.UserAccountControl, ldapsync.ADAttributes.MemberOf, ldapsync.ADAttributes.Line, "extensionAttribute1")
	devNull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		b.Fatal(err)
	}
	defer devNull.Close()
	for b.Loop() {
		var stderr bytes.Buffer
		cmd := exec.Command(bin, args...)
		cmd.Stdout, cmd.Stderr = devNull, &stderr
		if err := cmd.Run(); err != nil {
			b.Fatalf("ldapsearch: %v\n%s", err, stderr.Bytes())
		}
	}
	b.ReportMetric(float64(benchUsers)*float64(b.N)/b.Elapsed().Seconds(), "users/s")
}

// BenchmarkGoLDAPPagedSearch is the same paged search with go-ldap alone,
// entries counted and dropped: what BenchmarkReadUsers would cost if it let
// go-ldap decode the entries (asn1-ber's packet trees and the goroutine
// hand-offs of SearchAsync) instead of taking them out with its tapConn.
func BenchmarkGoLDAPPagedSearch(b *testing.B) {
	cfg, s := benchConfig(b)
	conn, err := ldap.DialURL(s.url)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	if err := conn.Bind(bindDN, bindPassword); err != nil {
		b.Fatal(err)
	}
	attrs := []string{"userPrincipalName", "displayName", "mail", "objectGUID", "msDS-ExternalDirectoryObjectId", "c", "userAccountControl", "memberOf", "msRTCSIP-Line", "extensionAttribute1"}
	for b.Loop() {
		paging := ldap.NewControlPaging(500)
		req := ldap.NewSearchRequest(cfg.BaseDNs[0], ldap.ScopeWholeSubtree, ldap.NeverDerefAliases, 0, 0, false, ldapsync.DefaultFilter, attrs, []ldap.Control{paging})
		n := 0
		for {
			var cookie []byte
			r := conn.SearchAsync(context.Background(), req, 500)
			for r.Next() {
				if r.Entry() != nil {
					n++
				}
				if c, ok := ldap.FindControl(r.Controls(), ldap.ControlTypePaging).(*ldap.ControlPaging); ok {
					cookie = c.Cookie
				}
			}
			if err := r.Err(); err != nil {
				b.Fatal(err)
			}
			if len(cookie) == 0 {
				break
			}
			paging.SetCookie(cookie)
		}
		if n != benchUsers+1 { // the users and the service account without UPN
			b.Fatalf("read %d entries, want %d", n, benchUsers+1)
		}
	}
	b.ReportMetric(float64(benchUsers)*float64(b.N)/b.Elapsed().Seconds(), "users/s")
}
