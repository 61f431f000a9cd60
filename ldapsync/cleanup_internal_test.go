package ldapsync

import (
	"bytes"
	"testing"
)

// FuzzReadCleanup feeds arbitrary bytes to the ad-cleanup.csv reader. It
// must never panic, and what it accepts must be usable: every entry names
// a user, its DN parses, and entries are placed on increasing lines.
func FuzzReadCleanup(f *testing.F) {
	f.Add([]byte("\uFEFFdn,upn,msRTCSIP-Line,waiting_number,source\r\n" +
		"\"CN=User 1,OU=Staff,DC=example,DC=com\",u1@example.com,\"\t+14255550001\",\"\t+12065550100\",a.csv:2\r\n" +
		",'-u2@example.com,tel:+1-425-BAD,\"\t+12065550101\",a.csv:3\r\n"))
	f.Add([]byte("dn,upn,msRTCSIP-Line\n\"CN=A\\, B,DC=x\",a@x,\"multi\nline\"\n,a@x,\n"))
	f.Add([]byte("\xff\xfe"))
	f.Fuzz(func(t *testing.T, data []byte) {
		es, err := readCleanup(bytes.NewReader(data), "fuzz.csv")
		if err != nil {
			return
		}
		last := 1
		for _, e := range es {
			if e.DN == "" && e.UPN == "" {
				t.Fatalf("entry without DN or UPN: %+v", e)
			}
			if e.DN != "" {
				if _, err := normDN(e.DN); err != nil {
					t.Fatalf("entry with a bad DN accepted: %+v", e)
				}
			}
			if e.Source.Line <= last {
				t.Fatalf("entry on line %d after line %d", e.Source.Line, last)
			}
			last = e.Source.Line
		}
	})
}
