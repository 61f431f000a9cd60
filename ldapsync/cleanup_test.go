package ldapsync_test

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/numsync/numsync"
	"github.com/numsync/numsync/ldapsync"
)

// writeCleanup writes content as a file named ad-cleanup.csv.
func writeCleanup(t testing.TB, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "ad-cleanup.csv")
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// cleanupHeader is the header the reports package writes, after its BOM.
const cleanupHeader = "\uFEFFdn,upn,msRTCSIP-Line,waiting_number,source\r\n"

func TestReadCleanup(t *testing.T) {
	// As reports.Write encodes the file: UTF-8 with BOM, CRLF, E.164
	// numbers quoted with a leading tab, formula-like cells behind an
	// apostrophe, one row per waiting number.
	p := writeCleanup(t, cleanupHeader+
		"\"CN=User 00005,OU=Staff,DC=example,DC=com\",user00005@example.com,\"\t+14255550005;ext=5\",\"\t+12065550100\",sheets/a.csv:2\r\n"+
		"\"CN=User 00005,OU=Staff,DC=example,DC=com\",user00005@example.com,\"\t+14255550005;ext=5\",\"\t+12065550101\",sheets/a.csv:9\r\n"+
		",'-dash@example.com,\"\t+442079460000\",\"\t+442079460001\",sheets/b.csv:3\r\n"+
		"\"cn=user 00005, ou=staff,dc=example,dc=com\",USER00005@example.com,\"\t+14255550005;ext=5\",\"\t+12065550100\",sheets/c.csv:4\r\n"+
		"\"CN=Odd\\, Name,OU=Staff,DC=example,DC=com\",odd@example.com,tel:+1-425-BAD,\"\t+12065550102\",sheets/a.csv:5\r\n")
	got, err := ldapsync.ReadCleanup(p)
	if err != nil {
		t.Fatal(err)
	}
	want := []ldapsync.CleanupEntry{
		{DN: "CN=User 00005,OU=Staff,DC=example,DC=com", UPN: "user00005@example.com", CurrentLine: "+14255550005;ext=5",
			Waiting: []string{"+12065550100", "+12065550101"}, Source: numsync.Source{File: p, Line: 2}},
		{UPN: "-dash@example.com", CurrentLine: "+442079460000", Waiting: []string{"+442079460001"}, Source: numsync.Source{File: p, Line: 4}},
		{DN: `CN=Odd\, Name,OU=Staff,DC=example,DC=com`, UPN: "odd@example.com", CurrentLine: "tel:+1-425-BAD",
			Waiting: []string{"+12065550102"}, Source: numsync.Source{File: p, Line: 6}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("read\n%+v\nwant\n%+v", got, want)
	}
}

func TestReadCleanupWithoutBOMAndLF(t *testing.T) {
	p := writeCleanup(t, "dn,upn,msRTCSIP-Line\n,user00001@example.com,+14255550001\n\n")
	got, err := ldapsync.ReadCleanup(p)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].UPN != "user00001@example.com" || got[0].CurrentLine != "+14255550001" || got[0].Waiting != nil {
		t.Errorf("read %+v", got)
	}
}

func TestReadCleanupErrors(t *testing.T) {
	for _, tc := range []struct {
		name, content string
		line          int
		msg           string
	}{
		{"Empty", "", 0, "empty"},
		{"UTF16", "\xff\xfed\x00n\x00", 0, "UTF-16"},
		{"MissingColumn", "\uFEFFdn,upn,waiting_number\r\n", 1, `no "msrtcsip-line" column`},
		{"WrongCellCount", cleanupHeader + ",a@example.com,\"\t+14255550001\",,\r\n,b@example.com\r\n", 3, "wrong number of cells"},
		{"BadQuoting", cleanupHeader + ",a@example.com,\"\t+1425\"x,,\r\n", 2, "quote"},
		{"NoIdentity", cleanupHeader + ",,\"\t+14255550001\",,\r\n", 2, "neither dn nor upn"},
		{"BadDN", cleanupHeader + "not a dn,a@example.com,\"\t+14255550001\",,\r\n", 2, "not a distinguished name"},
		{"TwoLinesForOneUser", cleanupHeader +
			"\"CN=A,DC=example,DC=com\",a@example.com,\"\t+14255550001\",,\r\n" +
			"\"cn=a,dc=example,dc=com\",a@example.com,\"\t+14255550002\",,\r\n", 3, "also on line 2"},
		{"NotUTF8", cleanupHeader + ",a\xff@example.com,\"\t+14255550001\",,\r\n", 2, "not UTF-8"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := writeCleanup(t, tc.content)
			_, err := ldapsync.ReadCleanup(p)
			var ce *ldapsync.CleanupError
			if !errors.As(err, &ce) {
				t.Fatalf("error %v, want a *CleanupError", err)
			}
			if ce.File != p || ce.Line != tc.line || !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("error %q (line %d), want line %d and %q", err, ce.Line, tc.line, tc.msg)
			}
		})
	}
	if _, err := ldapsync.ReadCleanup(filepath.Join(t.TempDir(), "missing.csv")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}
