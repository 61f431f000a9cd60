package ldapsync_test

import (
	"bytes"
	"reflect"
	"testing"
)

// FuzzLDIFReader feeds arbitrary bytes to the LDIF reader. It must never
// panic, and whatever it accepts must survive being written out again:
// reading the re-encoded entries gives the same entries.
func FuzzLDIFReader(f *testing.F) {
	f.Add(ldapsearchExport(3))
	f.Add([]byte("version: 1\n\ndn:: Q049QQ==\r\nchangetype: add\r\nobjectGUID:: rk8d+Ox90BGnZQCgyR5r9g==\r\nmemberOf: CN=A,DC=e\r\n xample\r\n\r\n"))
	f.Add([]byte("# c\n  folded\ndn: cn=a\ncn:  lead\n\n# search reference\nref: ldap://x/\n\nsearch: 2\nresult: 0 Success\n"))
	f.Add(utf16LE("dn: cn=a\r\ncn: ä\r\n"))
	f.Add([]byte("dn: cn=a\njpegPhoto:< file:///etc/passwd\n"))
	f.Fuzz(checkRoundTrip)
}

func checkRoundTrip(t *testing.T, data []byte) {
	es, lines, err := readAll(data)
	if err != nil {
		return
	}
	for i, l := range lines {
		if l < 1 || (i > 0 && l <= lines[i-1]) {
			t.Fatalf("entry lines %v are not increasing from 1", lines)
		}
	}
	again, _, err := readAll(encodeLDIF(es))
	if err != nil {
		t.Fatalf("re-reading what was read: %v\n%s", err, encodeLDIF(es))
	}
	if len(es) == 0 && len(again) == 0 {
		return
	}
	if !reflect.DeepEqual(es, again) {
		t.Fatalf("entries changed through a write and read:\n%+v\n%+v\n%s", es, again, bytes.TrimSpace(encodeLDIF(es)))
	}
}
