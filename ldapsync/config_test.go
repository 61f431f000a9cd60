package ldapsync_test

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/numsync/numsync"
	"github.com/numsync/numsync/ldapsync"
)

// decodeDirectory reads the `directory:` section of a numsync config.
func decodeDirectory(t *testing.T, doc string) ldapsync.Config {
	t.Helper()
	var file struct {
		Directory ldapsync.Config `yaml:"directory"`
	}
	if err := yaml.Unmarshal([]byte(doc), &file); err != nil {
		t.Fatal(err)
	}
	return file.Directory
}

func TestConfigFromYAML(t *testing.T) {
	cfg := decodeDirectory(t, `
directory:
  url: ldaps://dc1.example.com
  ca_file: testdata/ad.schema
  bind_dn: svc-numsync@example.com
  password_env: NUMSYNC_LDAP_PASSWORD
  base_dns: ["OU=Staff,DC=example,DC=com", "OU=Resource Accounts,DC=example,DC=com"]
  page_size: 250
  connect_timeout: 5s
  timeout: 2m
  attributes:
    usage_location: msExchUsageLocation
  license_groups:
    "CN=Teams Calling Plan,OU=Groups,DC=example,DC=com": MCOPSTN1
  role_groups:
    "CN=Voice Admins,OU=Groups,DC=example,DC=com": Teams Telephony Administrator
  resource_accounts:
    ous: ["OU=Resource Accounts,DC=example,DC=com"]
`)
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	if cfg.PageSize != 250 || cfg.ConnectTimeout != 5*time.Second || cfg.Timeout != 2*time.Minute || cfg.Filter != ldapsync.DefaultFilter {
		t.Errorf("decoded %+v", cfg)
	}
	if cfg.Attributes.UsageLocation != "msExchUsageLocation" || len(cfg.LicenseGroups) != 1 || len(cfg.RoleGroups) != 1 || len(cfg.ResourceAccounts.OUs) != 1 {
		t.Errorf("mapping decoded as %+v", cfg.Mapping)
	}
}

func TestConfigDefaults(t *testing.T) {
	cfg := ldapsync.Config{URL: "ldaps://dc", BindDN: "x", PasswordEnv: "P", BaseDNs: []string{"DC=example,DC=com"}}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	if cfg.PageSize != 500 || cfg.Filter != "(&(objectCategory=person)(objectClass=user))" || cfg.ConnectTimeout != 10*time.Second || cfg.Timeout != time.Minute || cfg.InsecureSkipVerify {
		t.Errorf("defaults %+v", cfg)
	}
}

func TestConfigErrors(t *testing.T) {
	valid := func() ldapsync.Config {
		return ldapsync.Config{URL: "ldaps://dc", BindDN: "x", PasswordEnv: "P", BaseDNs: []string{"DC=example,DC=com"}}
	}
	for _, tc := range []struct {
		name   string
		change func(*ldapsync.Config)
		key    string
		want   string
	}{
		{"PlainLDAPNotAskedFor", func(c *ldapsync.Config) { c.URL = "ldap://dc" }, "directory.url", "insecure_plain"},
		{"NoURL", func(c *ldapsync.Config) { c.URL = "" }, "directory.url", "missing"},
		{"OtherScheme", func(c *ldapsync.Config) { c.URL = "http://dc" }, "directory.url", "not supported"},
		{"StartTLSOnLDAPS", func(c *ldapsync.Config) { c.StartTLS = true }, "directory.start_tls", "already encrypted"},
		{"PageAtADLimit", func(c *ldapsync.Config) { c.PageSize = 1000 }, "directory.page_size", "1 to 999"},
		{"NoPassword", func(c *ldapsync.Config) { c.PasswordEnv = "" }, "directory.password_env", "missing"},
		{"TwoPasswords", func(c *ldapsync.Config) { c.PasswordFile = "/run/secrets/ldap" }, "directory.password_file", "not both"},
		{"NoBindDN", func(c *ldapsync.Config) { c.BindDN = "" }, "directory.bind_dn", "missing"},
		{"NoBase", func(c *ldapsync.Config) { c.BaseDNs = nil }, "directory.base_dns", "missing"},
		{"OverlappingBases", func(c *ldapsync.Config) { c.BaseDNs = append(c.BaseDNs, "ou=Staff,dc=Example,dc=com") }, "directory.base_dns[1]", "read twice"},
		{"BadFilter", func(c *ldapsync.Config) { c.Filter = "(objectClass=user" }, "directory.filter", ""},
		{"UnknownLicence", func(c *ldapsync.Config) {
			c.LicenseGroups = map[string]string{"CN=G,DC=example,DC=com": "E5 maybe"}
		}, `directory.license_groups["CN=G,DC=example,DC=com"]`, "unknown licence"},
		{"UnknownRole", func(c *ldapsync.Config) {
			c.RoleGroups = map[string]string{"CN=G,DC=example,DC=com": "Global Reader"}
		}, `directory.role_groups["CN=G,DC=example,DC=com"]`, "unknown role"},
		{"ResourceAttributeWithoutValue", func(c *ldapsync.Config) { c.ResourceAccounts.Attribute = "extensionAttribute1" }, "directory.resource_accounts", "both"},
		{"MissingCAFile", func(c *ldapsync.Config) { c.CAFile = "testdata/no-such-ca.pem" }, "directory.ca_file", "no such file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := valid()
			tc.change(&cfg)
			err := cfg.Validate()
			var ce *ldapsync.ConfigError
			if !errors.As(err, &ce) || ce.Key != tc.key || !strings.Contains(ce.Msg, tc.want) {
				t.Fatalf("Validate: %v; want %s: …%s…", err, tc.key, tc.want)
			}
		})
	}
}

func TestConfigLDIFWithCustomAttributes(t *testing.T) {
	path := writeFile(t, "export.ldif", []byte(`dn: CN=A,OU=Resource Accounts,DC=example,DC=com
userPrincipalName: aa@example.com
msExchUsageLocation: gb
objectGUID: {F81D4FAE-7DEC-11D0-A765-00A0C91E6BF6}
userAccountControl: not-a-number
msRTCSIP-Line: 020 7946 0123

dn: CN=B,OU=Staff,DC=example,DC=com
userPrincipalName: b@example.com
objectGUID:: AAEC
c: Great Britain
`))
	cfg := decodeDirectory(t, `
directory:
  ldif_file: `+path+`
  attributes:
    usage_location: msExchUsageLocation
  resource_accounts:
    ous: ["ou=Resource Accounts, dc=example, dc=com"]
`)
	d, err := ldapsync.New(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	var recs []ldapsync.Record
	if err := d.Records(context.Background(), func(r ldapsync.Record) error { recs = append(recs, r); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(recs) != 2 {
		t.Fatalf("read %d records", len(recs))
	}
	a, b := recs[0], recs[1]
	// The line is kept as AD holds it (a national number, read in the
	// user's usage location, is valid and so no problem); an account
	// whose state cannot be read is taken as disabled.
	wantA := numsync.User{UPN: "aa@example.com", DN: "CN=A,OU=Resource Accounts,DC=example,DC=com", Kind: numsync.KindResource,
		UsageLocation: "GB", OnPremLine: "020 7946 0123", Source: "ldif"}
	if !reflect.DeepEqual(a.User, wantA) || a.GUID != "f81d4fae-7dec-11d0-a765-00a0c91e6bf6" {
		t.Errorf("user A %+v (GUID %s), want %+v", a.User, a.GUID, wantA)
	}
	if codes(a.Problems) != "BAD_ROW@userAccountControl" {
		t.Errorf("user A problems %+v", a.Problems)
	}
	// c is not the configured usage location attribute: B has none.
	if b.User.UsageLocation != "" || !b.User.Enabled || codes(b.Problems) != "BAD_ROW@objectGUID" || b.Problems[0].Line != 8 {
		t.Errorf("user B %+v, problems %+v", b.User, b.Problems)
	}
}

func codes(ps []numsync.Issue) string {
	var s []string
	for _, p := range ps {
		s = append(s, string(p.Code)+"@"+p.Column)
	}
	return strings.Join(s, ",")
}
