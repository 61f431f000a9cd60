package reports

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/numsync/numsync"
)

// TestLDIFAcceptedByLdapmodify has OpenLDAP's ldapmodify parse the file
// without a server (-n) and checks it would modify exactly the waiting
// users that have a DN, names intact.
func TestLDIFAcceptedByLdapmodify(t *testing.T) {
	if testing.Short() {
		t.Skip("runs OpenLDAP's ldapmodify; runs without -short (scripts/test)")
	}
	ldapmodify, err := exec.LookPath("ldapmodify")
	if err != nil {
		t.Fatal("ldapmodify not found: install OpenLDAP's client tools (Debian: apt-get install ldap-utils)")
	}
	in := sampleInputs()["applied"]
	// A DN with a leading space and one ending in a space need base64.
	in.Tenant.Users = append(in.Tenant.Users,
		numsync.User{UPN: "space@contoso.com", DN: "CN=Trailing ,DC=contoso,DC=com", OnPremLine: "tel:+1"},
		numsync.User{UPN: "colon@contoso.com", DN: ":CN=odd,DC=contoso,DC=com", OnPremLine: "tel:+1"})
	in.Plan.Blocked = append(in.Plan.Blocked,
		numsync.Issue{Code: numsync.OnPremLineSet, UPN: "space@contoso.com", Number: "+14255550106"},
		numsync.Issue{Code: numsync.OnPremLineSet, UPN: "colon@contoso.com", Number: "+14255550102"})
	path := filepath.Join(t.TempDir(), ADCleanupLDIFFile)
	if err := os.WriteFile(path, rendered(newFacts(in).adCleanupLDIF), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(ldapmodify, "-n", "-v", "-f", path).CombinedOutput()
	if err != nil {
		t.Fatalf("ldapmodify -n -f %s: %v\n%s", path, err, out)
	}
	var got []string
	for _, m := range regexp.MustCompile(`(?m)^!modifying entry "(.*)"$`).FindAllStringSubmatch(string(out), -1) {
		got = append(got, m[1])
	}
	want := []string{umlautDN, "CN=Emma Brown,OU=London,DC=contoso,DC=com", hostileDN, "CN=Trailing ,DC=contoso,DC=com", ":CN=odd,DC=contoso,DC=com"}
	if !slices.Equal(got, want) {
		t.Errorf("ldapmodify would modify\n%q\nwant\n%q\n%s", got, want, out)
	}
	if n := strings.Count(string(out), "delete msRTCSIP-Line:"); n != len(want) {
		t.Errorf("%d deletes of msRTCSIP-Line, want %d:\n%s", n, len(want), out)
	}
}

func TestLDIFDN(t *testing.T) {
	for _, tc := range []struct{ dn, want string }{
		{"CN=Emma Brown,OU=London,DC=contoso,DC=com", "dn: CN=Emma Brown,OU=London,DC=contoso,DC=com"},
		{`CN=Smith\, John,DC=x`, `dn: CN=Smith\, John,DC=x`},
		{"CN=Jörg,DC=x", "dn:: Q049SsO2cmcsREM9eA=="},
		{" CN=x", "dn:: IENOPXg="},
		{"CN=x ", "dn:: Q049eCA="},
		{"<CN=x", "dn:: PENOPXg="},
		{"CN=a\nb", "dn:: Q049YQpi"},
	} {
		if got := ldifDN(tc.dn); got != tc.want {
			t.Errorf("ldifDN(%q) = %q, want %q", tc.dn, got, tc.want)
		}
	}
}
