package ldapsync

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/go-ldap/ldap/v3"

	"github.com/numsync/numsync/internal/secret"
)

// Defaults applied by [Config.Validate] to fields left empty.
const (
	// DefaultFilter selects people in Active Directory. objectClass=user
	// alone would also match computer accounts, which derive from user.
	DefaultFilter = "(&(objectCategory=person)(objectClass=user))"
	// DefaultPageSize stays below AD's MaxPageSize of 1000, so the server
	// never cuts a page short.
	DefaultPageSize       = 500
	DefaultConnectTimeout = 10 * time.Second
	// DefaultTimeout bounds one LDAP operation (a bind, or one page).
	DefaultTimeout = 60 * time.Second
	// maxPageSize is AD's default MaxPageSize: a larger page is silently
	// cut to it by the DC.
	maxPageSize = 1000
)

// Decoders of search results, for [Config.Decoder].
const (
	DecoderFast   = "fast"
	DecoderGoLDAP = "go-ldap"
)

// Config says how to reach the directory and how to read its entries. It is
// the `directory:` section of numsync's YAML configuration.
type Config struct {
	// URL is ldaps://host[:port] or ldap://host[:port].
	URL string `yaml:"url"`
	// StartTLS upgrades an ldap:// connection with StartTLS before binding.
	StartTLS bool `yaml:"start_tls"`
	// InsecurePlain allows ldap:// without StartTLS, which sends the bind
	// password in clear text. It must be asked for explicitly.
	InsecurePlain bool `yaml:"insecure_plain"`
	// CAFile is a PEM file of the CAs that signed the server certificate;
	// empty means the system pool.
	CAFile string `yaml:"ca_file"`
	// InsecureSkipVerify accepts any server certificate. For tests only.
	InsecureSkipVerify bool `yaml:"insecure_skip_verify"`

	// BindDN is the account numsync binds as (a DN or, for AD, a UPN).
	BindDN string `yaml:"bind_dn"`
	// PasswordEnv names the environment variable holding the bind password.
	PasswordEnv string `yaml:"password_env"`
	// PasswordFile is a file holding the bind password (one line).
	PasswordFile string `yaml:"password_file"`

	// BaseDNs are searched one after the other, whole subtree each. They
	// must not overlap, or users would be read twice.
	BaseDNs []string `yaml:"base_dns"`
	// Filter selects the user entries; default [DefaultFilter].
	Filter string `yaml:"filter"`
	// PageSize is the paged-results page size, 1 to 999; default 500.
	PageSize int `yaml:"page_size"`
	// ConnectTimeout bounds the TCP connect and TLS handshake.
	ConnectTimeout time.Duration `yaml:"connect_timeout"`
	// Timeout bounds each LDAP operation: the bind and every page, which
	// includes the time the caller takes over the users of the page (the
	// entries are handed on as they arrive, not buffered whole).
	Timeout time.Duration `yaml:"timeout"`

	// Decoder picks who decodes the search results: [DecoderFast] (the
	// default), numsync's own reader under go-ldap, or [DecoderGoLDAP],
	// go-ldap alone, slower, for when a go-ldap upgrade breaks the fast
	// one. Both give the same users.
	Decoder string `yaml:"decoder"`

	// LDIFFile, when set, reads users from this LDIF export instead of a
	// live directory (see [Open]).
	LDIFFile string `yaml:"ldif_file"`

	Mapping `yaml:",inline"`
}

// Mapping turns directory entries into users. It is shared by the LDAP and
// the LDIF readers, so both give the same users for the same entries.
type Mapping struct {
	Attributes Attributes `yaml:"attributes"`
	// LicenseGroups maps a group DN to the licence its members hold
	// ("CallingPlan", "TeamsPhone", or a SKU name [numsync.ParseLicense]
	// knows). Only direct membership (memberOf) counts.
	LicenseGroups map[string]string `yaml:"license_groups"`
	// RoleGroups maps a group DN to the admin role its members hold (rule
	// R15), read with [numsync.ParseRole].
	RoleGroups map[string]string `yaml:"role_groups"`
	// ResourceAccounts tells resource accounts from people.
	ResourceAccounts ResourceAccounts `yaml:"resource_accounts"`
}

// Attributes names the directory attribute read for each user field. Empty
// fields take the Active Directory default shown on each.
type Attributes struct {
	UPN                string `yaml:"upn"`                  // userPrincipalName
	DisplayName        string `yaml:"display_name"`         // displayName
	Mail               string `yaml:"mail"`                 // mail
	GUID               string `yaml:"guid"`                 // objectGUID
	CloudID            string `yaml:"cloud_id"`             // msDS-ExternalDirectoryObjectId
	UsageLocation      string `yaml:"usage_location"`       // c (or e.g. msExchUsageLocation)
	UserAccountControl string `yaml:"user_account_control"` // userAccountControl
	MemberOf           string `yaml:"member_of"`            // memberOf
	Line               string `yaml:"line"`                 // msRTCSIP-Line
}

// ResourceAccounts identifies resource accounts (auto attendants, call
// queues): an entry is one when it lies under one of OUs, or when its
// Attribute has Value (compared without case).
type ResourceAccounts struct {
	OUs       []string `yaml:"ous"`
	Attribute string   `yaml:"attribute"`
	Value     string   `yaml:"value"`
}

// ADAttributes is the attribute mapping of Active Directory.
var ADAttributes = Attributes{
	UPN:                "userPrincipalName",
	DisplayName:        "displayName",
	Mail:               "mail",
	GUID:               "objectGUID",
	CloudID:            "msDS-ExternalDirectoryObjectId",
	UsageLocation:      "c",
	UserAccountControl: "userAccountControl",
	MemberOf:           "memberOf",
	Line:               "msRTCSIP-Line",
}

// withDefaults fills the empty attribute names from [ADAttributes].
func (a Attributes) withDefaults() Attributes {
	def := func(v *string, d string) {
		if strings.TrimSpace(*v) == "" {
			*v = d
		}
	}
	def(&a.UPN, ADAttributes.UPN)
	def(&a.DisplayName, ADAttributes.DisplayName)
	def(&a.Mail, ADAttributes.Mail)
	def(&a.GUID, ADAttributes.GUID)
	def(&a.CloudID, ADAttributes.CloudID)
	def(&a.UsageLocation, ADAttributes.UsageLocation)
	def(&a.UserAccountControl, ADAttributes.UserAccountControl)
	def(&a.MemberOf, ADAttributes.MemberOf)
	def(&a.Line, ADAttributes.Line)
	return a
}

// ConfigError is a configuration value that cannot work, named by its YAML
// key under `directory:`.
type ConfigError struct {
	Key string // e.g. "directory.page_size"
	Msg string
}

func (e *ConfigError) Error() string { return e.Key + ": " + e.Msg }

// Validate checks c and fills defaults. Every problem is reported, each as a
// [*ConfigError], joined with [errors.Join].
func (c *Config) Validate() error {
	var errs []error
	bad := func(key, format string, args ...any) {
		errs = append(errs, &ConfigError{Key: "directory." + key, Msg: fmt.Sprintf(format, args...)})
	}
	if c.Filter == "" {
		c.Filter = DefaultFilter
	}
	if c.PageSize == 0 {
		c.PageSize = DefaultPageSize
	}
	if c.ConnectTimeout == 0 {
		c.ConnectTimeout = DefaultConnectTimeout
	}
	if c.Timeout == 0 {
		c.Timeout = DefaultTimeout
	}
	if c.Decoder == "" {
		c.Decoder = DecoderFast
	}
	_, problems := c.Mapping.compile(c.sourceName())
	for _, p := range problems {
		bad(p.Key, "%s", p.Msg)
	}
	if c.LDIFFile != "" {
		return errors.Join(errs...)
	}

	u, err := url.Parse(c.URL)
	switch {
	case c.URL == "":
		bad("url", "missing: set ldaps://dc.example.com (or ldap:// with start_tls: true)")
	case err != nil || u.Host == "":
		bad("url", "%q is not an LDAP URL such as ldaps://dc.example.com:636", c.URL)
	case u.Scheme == "ldaps" && c.StartTLS:
		bad("start_tls", "ldaps:// is already encrypted: drop start_tls or use ldap://")
	case u.Scheme == "ldap" && !c.StartTLS && !c.InsecurePlain:
		bad("url", "ldap:// without start_tls sends the password in clear text: use ldaps://, set start_tls: true, or set insecure_plain: true if you accept that")
	case u.Scheme != "ldap" && u.Scheme != "ldaps":
		bad("url", "scheme %q is not supported (want ldaps:// or ldap://)", u.Scheme)
	}
	if c.CAFile != "" {
		if _, err := os.Stat(c.CAFile); err != nil {
			bad("ca_file", "%v", err)
		}
	}
	if c.BindDN == "" {
		bad("bind_dn", "missing: the DN (or UPN) of the account numsync binds as")
	}
	switch {
	case c.PasswordEnv == "" && c.PasswordFile == "":
		bad("password_env", "missing: name the environment variable (or set password_file) that holds the bind password")
	case c.PasswordEnv != "" && c.PasswordFile != "":
		bad("password_file", "set password_env or password_file, not both")
	}
	if len(c.BaseDNs) == 0 {
		bad("base_dns", "missing: list at least one base DN, e.g. DC=example,DC=com")
	}
	bases := make([]*ldap.DN, 0, len(c.BaseDNs))
	for i, b := range c.BaseDNs {
		dn, err := ldap.ParseDN(b)
		if err != nil {
			bad(fmt.Sprintf("base_dns[%d]", i), "%q is not a DN: %v", b, err)
			continue
		}
		for j, prev := range bases {
			if prev.EqualFold(dn) || prev.AncestorOfFold(dn) || dn.AncestorOfFold(prev) {
				bad(fmt.Sprintf("base_dns[%d]", i), "%q overlaps base_dns[%d] %q: users would be read twice", b, j, c.BaseDNs[j])
			}
		}
		bases = append(bases, dn)
	}
	if _, err := ldap.CompileFilter(c.Filter); err != nil {
		bad("filter", "%q: %v", c.Filter, err)
	}
	if c.PageSize < 1 || c.PageSize >= maxPageSize {
		bad("page_size", "%d is out of range: use 1 to %d (AD cuts pages at %d)", c.PageSize, maxPageSize-1, maxPageSize)
	}
	if c.ConnectTimeout < 0 {
		bad("connect_timeout", "must be positive")
	}
	if c.Timeout < 0 {
		bad("timeout", "must be positive")
	}
	if c.Decoder != DecoderFast && c.Decoder != DecoderGoLDAP {
		bad("decoder", "%q is not a decoder: use %s (the default) or %s", c.Decoder, DecoderFast, DecoderGoLDAP)
	}
	return errors.Join(errs...)
}

// password reads the bind password from the environment variable or file
// the config names. The value is never logged or put in an error.
func (c *Config) password() (string, error) {
	return secret.Read("directory.password", c.PasswordEnv, c.PasswordFile)
}

// passwordSource names where the password came from, for error messages.
func (c *Config) passwordSource() string {
	if c.PasswordEnv != "" {
		return "$" + c.PasswordEnv
	}
	return "the file " + c.PasswordFile
}

// sourceName is the User.Source of users read with this config.
func (c *Config) sourceName() string {
	if c.LDIFFile != "" {
		return SourceLDIF
	}
	return SourceLDAP
}

// Sources of the users this package reads, as [numsync.User.Source] and
// [numsync.UserImportOptions.Source] name them.
const (
	SourceLDAP = "ldap"
	SourceLDIF = "ldif"
)
