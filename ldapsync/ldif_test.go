package ldapsync_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/go-ldap/ldap/v3"

	"github.com/numsync/numsync"
	"github.com/numsync/numsync/ldapsync"
)

// ldapsearchExport writes the users 0..n-1 as `ldapsearch -L` prints the
// search a sync makes: header comments, a version line, the entries the
// filter selects, continuation references and the result trailer.
func ldapsearchExport(n int) []byte {
	var b bytes.Buffer
	b.WriteString("# extended LDIF\n#\n# LDAPv3\n# base <OU=Staff,DC=example,DC=com> with scope subtree\n# filter: (&(objectCategory=person)(objectClass=user))\n# requesting: ALL\n#\n\nversion: 1\n\n")
	var es []*ldap.Entry
	for _, e := range exampleTree(n) {
		oc := e.GetAttributeValues("objectClass")
		if slices.Contains(oc, "user") && !slices.Contains(oc, "computer") {
			es = append(es, e)
		}
	}
	for _, e := range es {
		b.WriteString("# " + e.DN + "\n")
		b.Write(encodeLDIF([]*ldap.Entry{e}))
	}
	for _, r := range referralRefs {
		b.WriteString("# search reference\nref: " + r + "\n\n")
	}
	b.WriteString("# search result\nsearch: 2\nresult: 0 Success\n\n# numResponses: 4003\n# numEntries: 4000\n# numReferences: 2\n")
	return b.Bytes()
}

func writeFile(t testing.TB, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLDIFGivesTheSameUsersAsLDAP(t *testing.T) {
	const n = 1000
	path := writeFile(t, "users.ldif", ldapsearchExport(n))
	d, err := ldapsync.NewLDIF(path, testMapping(), nil)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := readRecords(t, d)
	if err != nil {
		t.Fatal(err)
	}
	checkRecords(t, recs, n, ldapsync.SourceLDIF)
	for _, r := range recs {
		for _, p := range r.Problems {
			if p.File != path || p.Line == 0 {
				t.Errorf("problem placed at %s:%d, want %s and the entry's line", p.File, p.Line, path)
			}
		}
	}
	rep, err := d.Check(context.Background(), 1)
	if err != nil {
		t.Fatal(err)
	}
	if got := rep.Bases[0]; got.References != len(referralRefs) || got.Skipped != 1 || got.Users != n {
		t.Errorf("check of the LDIF file: %+v", got)
	}
}

func TestLDIFEmptyExportIsRefusedByCollect(t *testing.T) {
	d, err := ldapsync.NewLDIF(writeFile(t, "empty.ldif", []byte("version: 1\n")), ldapsync.Mapping{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if users, err := ldapsync.Collect(context.Background(), d); err == nil || users != nil {
		t.Fatalf("Collect of an empty export: %d users, %v; want an error (importing nothing would mark every user absent)", len(users), err)
	}
}

// readAll reads every entry of an LDIF text.
func readAll(data []byte) ([]*ldap.Entry, []int, error) {
	r := ldapsync.NewLDIFReader(bytes.NewReader(data), "export.ldif")
	var es []*ldap.Entry
	var lines []int
	for {
		e, line, err := r.Next()
		if errors.Is(err, io.EOF) {
			return es, lines, nil
		}
		if err != nil {
			return es, lines, err
		}
		es = append(es, e)
		lines = append(lines, line)
	}
}

func utf16LE(s string) []byte {
	b := []byte{0xFF, 0xFE}
	for _, u := range utf16.Encode([]rune(s)) {
		b = binary.LittleEndian.AppendUint16(b, u)
	}
	return b
}

func TestLDIFReader(t *testing.T) {
	guid := adGUIDBytes("f81d4fae-7dec-11d0-a765-00a0c91e6bf6")
	want := &ldap.Entry{DN: "CN=Zoë Ångström,OU=Staff,DC=example,DC=com", Attributes: []*ldap.EntryAttribute{
		{Name: "userPrincipalName", Values: []string{"zoe@example.com"}, ByteValues: [][]byte{[]byte("zoe@example.com")}},
		{Name: "objectGUID", Values: []string{string(guid)}, ByteValues: [][]byte{guid}},
		{Name: "memberOf", Values: []string{"CN=A,DC=example,DC=com", "CN=B,DC=example,DC=com"}, ByteValues: [][]byte{[]byte("CN=A,DC=example,DC=com"), []byte("CN=B,DC=example,DC=com")}},
	}}
	ldifde := "dn: CN=Zo\u00eb \u00c5ngstr\u00f6m,OU=Staff,DC=example,DC=com\r\nchangetype: add\r\nuserPrincipalName: zoe@example.com\r\nobjectGUID:: rk8d+Ox90BGnZQCgyR5r9g==\r\nmemberOf: CN=A,DC=example,DC=com\r\nMEMBEROF: CN=B,DC=exa\r\n mple,DC=com\r\n\r\n"
	for _, tc := range []struct {
		name string
		in   []byte
	}{
		{"Ldapsearch", []byte("# extended LDIF\nversion: 1\n\n# Zoë, Staff\ndn:: Q049Wm/DqyDDhW5nc3Ryw7ZtLE9VPVN0YWZmLERDPWV4YW1wbGUsREM9Y29t\nuserPrincipalName: zoe@example.com\nobjectGUID:: rk8d+Ox90BGnZQC\n gyR5r9g==\n# a comment that is\n  folded\nmemberOf:    CN=A,DC=example,DC=com\nmemberOf: CN=B,DC=example,DC=com\n\n# search result\nsearch: 2\nresult: 0 Success\n")},
		{"LdifdeCRLF", []byte(ldifde)},
		{"UTF8BOM", append([]byte{0xEF, 0xBB, 0xBF}, ldifde...)},
		{"UTF16LEWithBOM", utf16LE(ldifde)},
		{"NoFinalNewline", []byte(strings.TrimRight(ldifde, "\r\n"))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			es, _, err := readAll(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if len(es) != 1 || !reflect.DeepEqual(es[0], want) {
				t.Fatalf("read %d entries:\n%+v\nwant\n%+v", len(es), es, want)
			}
		})
	}
}

func TestLDIFReaderLines(t *testing.T) {
	in := "version: 1\n\ndn: cn=a\ncn: a\n\n\n# x\ndn: cn=b\ncn: b\n"
	_, lines, err := readAll([]byte(in))
	if err != nil || !reflect.DeepEqual(lines, []int{3, 8}) {
		t.Fatalf("entry lines %v, %v; want [3 8]", lines, err)
	}
}

func TestLDIFReaderErrors(t *testing.T) {
	for _, tc := range []struct {
		name, in, want string
	}{
		{"URLValueRefused", "dn: cn=a\njpegPhoto:< file:///etc/shadow\n", "export.ldif:2: attribute jpegPhoto takes its value from a URL"},
		{"ChangeRecord", "dn: cn=a\nchangetype: modify\nreplace: cn\n", "export.ldif:2: entry \"cn=a\" is a change record"},
		{"Control", "dn: cn=a\ncontrol: 1.2.840.113556.1.4.805 true\n", "export.ldif:2: entry \"cn=a\" carries a control line"},
		{"NoDN", "cn: a\n", "export.ldif:1: a record must start with \"dn:\""},
		{"BadBase64", "dn: cn=a\nobjectGUID:: ***\n", "export.ldif:2: attribute objectGUID: bad base64"},
		{"MissingSeparator", "dn: cn=a\ncn: a\ndn: cn=b\n", "export.ldif:3: a second \"dn:\""},
		{"LateVersion", "dn: cn=a\n\nversion: 1\n", "export.ldif:3: unexpected"},
		{"NotLDIF", "UserPrincipalName,PhoneNumber\nalice@example.com,+14255550101\n", "export.ldif:1: expected \"attribute: value\""},
		{"BadAttributeName", "dn: cn=a\nbad name: x\n", "export.ldif:2: \"bad name\" is not an attribute name"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := readAll([]byte(tc.in))
			var le *ldapsync.LDIFError
			if !errors.As(err, &le) || !strings.HasPrefix(err.Error(), tc.want) {
				t.Fatalf("error %v, want one starting %q", err, tc.want)
			}
		})
	}
}

func TestLDIFLineTooLong(t *testing.T) {
	in := "dn: cn=a\njpegPhoto:: " + strings.Repeat("QUFB", 3<<20) + "\n"
	_, _, err := readAll([]byte(in))
	if err == nil || !strings.Contains(err.Error(), "export.ldif:2: line longer than") {
		t.Fatalf("error %v, want the line limit at line 2", err)
	}
}

func TestLDIFUsersSkipEntriesWithoutUPN(t *testing.T) {
	in := "dn: OU=Staff,DC=example,DC=com\nobjectClass: organizationalUnit\n\ndn: CN=A,OU=Staff,DC=example,DC=com\nuserPrincipalName: a@example.com\nuserAccountControl: 514\nmsRTCSIP-Line: tel:+14255550101\nc: US\n"
	d, err := ldapsync.NewLDIF(writeFile(t, "x.ldif", []byte(in)), ldapsync.Mapping{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	users, err := ldapsync.Collect(context.Background(), d)
	if err != nil {
		t.Fatal(err)
	}
	want := []numsync.User{{UPN: "a@example.com", DN: "CN=A,OU=Staff,DC=example,DC=com", Kind: numsync.KindUser, UsageLocation: "US", OnPremLine: "tel:+14255550101", Source: "ldif"}}
	if !reflect.DeepEqual(users, want) {
		t.Errorf("users %+v, want %+v", users, want)
	}
}
