package ldapsync

import (
	"strings"
	"testing"

	"github.com/go-ldap/ldap/v3"
)

func TestNormDNFastPathAgreesWithParser(t *testing.T) {
	for _, s := range []string{
		"CN=User 00001,OU=Staff,DC=example,DC=com",
		"cn=a,dc=b",
		"CN=Zoë,OU=Staff,DC=example,DC=com",
		"CN=Smith\\, John,OU=Staff,DC=example,DC=com",
		"CN=a , OU=b",
		"CN = a,OU=b",
		"CN=a+UID=b,DC=c",
		"CN=#a,DC=c",
		"CN=a=b,DC=c",
		"CN=\"quoted\",DC=c",
		"CN=tab\there,DC=c",
	} {
		dn, err := ldap.ParseDN(s)
		if err != nil {
			continue
		}
		want := strings.ToLower(dn.String())
		got, err := normDN(s)
		if err != nil || got != want {
			t.Errorf("normDN(%q) = %q, %v; the parser gives %q", s, got, err, want)
		}
	}
}

func TestFormatGUID(t *testing.T) {
	for in, want := range map[string]string{
		"\xae\x4f\x1d\xf8\xec\x7d\xd0\x11\xa7\x65\x00\xa0\xc9\x1e\x6b\xf6": "f81d4fae-7dec-11d0-a765-00a0c91e6bf6",
		"{F81D4FAE-7DEC-11D0-A765-00A0C91E6BF6}":                           "f81d4fae-7dec-11d0-a765-00a0c91e6bf6",
		"f81d4fae-7dec-11d0-a765-00a0c91e6bf6":                             "f81d4fae-7dec-11d0-a765-00a0c91e6bf6",
	} {
		if got, err := formatGUID([]byte(in)); err != nil || got != want {
			t.Errorf("formatGUID(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"short", "f81d4fae-7dec-11d0-a765-00a0c91e6bzz", ""} {
		if got, err := formatGUID([]byte(in)); err == nil {
			t.Errorf("formatGUID(%q) = %q, want an error", in, got)
		}
	}
}
