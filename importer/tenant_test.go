package importer

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/numsync/numsync"
)

// problemsAt renders problems as "CODE file:line column" for comparison.
func problemsAt(issues []numsync.Issue) []string {
	var out []string
	for _, is := range issues {
		s := fmt.Sprintf("%s %s:%d", is.Code, filepath.Base(is.File), is.Line)
		if is.Column != "" {
			s += " " + is.Column
		}
		out = append(out, s)
	}
	return out
}

func checkProblems(t *testing.T, got []numsync.Issue, want ...string) {
	t.Helper()
	g := problemsAt(got)
	if !reflect.DeepEqual(g, want) {
		t.Errorf("problems:\n  got  %q\n  want %q", g, want)
		for _, is := range got {
			t.Logf("  %s:%d %s: %s (hint: %s)", is.File, is.Line, is.Code, is.Message, is.Hint)
		}
	}
}

func TestReadInventoryBothMicrosoftExports(t *testing.T) {
	src := func(f string, line int) numsync.Source {
		return numsync.Source{File: filepath.Join("testdata", f), Line: line}
	}
	for _, tc := range []struct {
		file     string
		drNumber numsync.Number
		drSource string
		line0    int // line of the first data row
	}{
		{"inventory-acquired.csv", numsync.Number{E164: "+49301234567"}, numsync.SourceOnPremises, 2},
		{"inventory-assignment.csv", numsync.Number{E164: "+49301234567", Ext: "12"}, numsync.SourceOnPremises, 3},
	} {
		t.Run(tc.file, func(t *testing.T) {
			recs, problems, err := ReadInventory(filepath.Join("testdata", tc.file))
			if err != nil {
				t.Fatal(err)
			}
			checkProblems(t, problems)
			want := []numsync.InventoryRecord{
				{
					InventoryNumber: numsync.InventoryNumber{
						Number: numsync.Number{E164: "+14255550101"}, Type: numsync.CallingPlan, Country: "US",
						Capabilities: []numsync.Capability{numsync.CapUser, numsync.CapConference},
						LocationID:   "loc-us-1", LocationUpdateSupported: true, Operator: "Microsoft",
						Source: numsync.SourceOnline, ActivationState: "Activated",
					},
					HolderID: "dc13d97b-7897-494e-bc28-6b469bf7a70e", HolderType: "User", Category: numsync.Primary, Source: src(tc.file, tc.line0),
				},
				{
					InventoryNumber: numsync.InventoryNumber{
						Number: numsync.Number{E164: "+14255550102"}, Type: numsync.CallingPlan, Country: "US",
						Capabilities:            []numsync.Capability{numsync.CapUser},
						LocationUpdateSupported: true, Operator: "Microsoft",
						Source: numsync.SourceOnline, ActivationState: "Activated",
					},
					Source: src(tc.file, tc.line0+1),
				},
				{
					InventoryNumber: numsync.InventoryNumber{
						Number: numsync.Number{E164: "+442079460000"}, Type: numsync.OperatorConnect, Country: "GB",
						Capabilities: []numsync.Capability{numsync.CapVoiceApp, numsync.CapUser},
						LocationID:   "loc-gb-1", LocationUpdateSupported: tc.file == "inventory-acquired.csv", Operator: "Contoso Telecom",
						Source: numsync.SourceOnline, ActivationState: "Activated",
					},
					HolderID: "6f1e2d3c-aaaa-4bbb-8ccc-123456789abc", HolderType: "ResourceAccount", Category: numsync.Primary, Source: src(tc.file, tc.line0+2),
				},
				{
					InventoryNumber: numsync.InventoryNumber{
						Number: tc.drNumber, Type: numsync.DirectRouting, Country: "DE",
						Capabilities:            []numsync.Capability{numsync.CapUser},
						LocationUpdateSupported: true, Source: tc.drSource, ActivationState: "Activated",
					},
					HolderID: "a1b2c3d4-0000-4000-8000-00000000000d", HolderType: "User", Category: numsync.Private, Source: src(tc.file, tc.line0+3),
				},
			}
			// Export-CsAcquiredPhoneNumber has no LocationUpdateSupported:
			// the store keeps what it knows.
			for i := range want {
				want[i].LocationUpdateUnstated = tc.file == "inventory-acquired.csv"
			}
			if len(recs) != len(want) {
				t.Fatalf("got %d records, want %d", len(recs), len(want))
			}
			for i := range want {
				if !reflect.DeepEqual(recs[i], want[i]) {
					t.Errorf("record %d:\n  got  %+v\n  want %+v", i, recs[i], want[i])
				}
			}
		})
	}
}

func TestReadInventoryBrokenRows(t *testing.T) {
	recs, problems, err := ReadInventory(filepath.Join("testdata", "inventory-broken.csv"))
	if err != nil {
		t.Fatal(err)
	}
	checkProblems(t, problems,
		"BAD_NUMBER inventory-broken.csv:3 TelephoneNumber",
		"BAD_ROW inventory-broken.csv:4 NumberType",
		"BAD_ROW inventory-broken.csv:5",
		"BAD_NUMBER inventory-broken.csv:6 TelephoneNumber",
		"UNKNOWN_HOLDER inventory-broken.csv:7 TargetId",
		"BAD_ROW inventory-broken.csv:8 AssignmentCategory",
		"DUPLICATE_NUMBER inventory-broken.csv:9 TelephoneNumber",
	)
	var got []string
	for _, r := range recs {
		got = append(got, fmt.Sprintf("%s@%d holder=%s caps=%v", r.Number, r.Source.Line, r.HolderID, r.Capabilities))
	}
	want := []string{
		"+14255550103@2 holder= caps=[UserAssignment]",
		"+14255550108@10 holder=u-8 caps=[UserAssignment ConferenceAssignment]",
		"+14255550109@12 holder= caps=[UserAssignment]",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("records:\n  got  %q\n  want %q", got, want)
	}
	if problems[3].Hint == "" {
		t.Error("Excel damage is reported without a hint")
	}
}

func TestReadInventoryMissingColumn(t *testing.T) {
	_, _, err := ReadInventory(filepath.Join("testdata", "inventory-missing-column.csv"))
	var re *RowError
	if !errors.As(err, &re) || re.Line != 1 || re.Code != numsync.BadRow {
		t.Fatalf("err = %v, want a BAD_ROW for line 1", err)
	}
	if !strings.Contains(err.Error(), `missing column NumberType; found "TelephoneNumber", "IsoCountryCode", "Capability"`) {
		t.Errorf("err = %v, want it to name the missing and the found columns", err)
	}
}

func TestReadInventoryCapabilityTypeName(t *testing.T) {
	path := filepath.Join(t.TempDir(), "inv.csv")
	data := "TelephoneNumber,NumberType,Capability\n" +
		"+14255550101,CallingPlan,System.Collections.Generic.List`1[System.String]\n" +
		"+14255550102,CallingPlan,System.Collections.Generic.List`1[System.String]\n"
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	recs, problems, err := ReadInventory(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 2 || recs[0].Capabilities != nil {
		t.Errorf("records = %+v", recs)
	}
	checkProblems(t, problems, "UNKNOWN_VALUE inv.csv:2")
}

func TestReadUsers(t *testing.T) {
	users, problems, err := ReadUsers(filepath.Join("testdata", "users.csv"))
	if err != nil {
		t.Fatal(err)
	}
	checkProblems(t, problems, "UNKNOWN_VALUE users.csv:0")
	if !strings.Contains(problems[0].Message, "ENTERPRISEPACK") {
		t.Errorf("warning %q does not name the ignored licence", problems[0].Message)
	}
	want := []numsync.User{
		{UPN: "alice@contoso.com", DisplayName: "Alice Able", Mail: "alice@contoso.com", ObjectID: "dc13d97b-7897-494e-bc28-6b469bf7a70e",
			Kind: numsync.KindUser, UsageLocation: "US", Enabled: true, Licenses: []numsync.License{numsync.LicenseCallingPlan, numsync.LicenseTeamsPhone}, Source: "csv"},
		{UPN: "bob@contoso.com", DisplayName: `Bob "the builder" Baker`, Mail: "bob@contoso.com", ObjectID: "a1b2c3d4-0000-4000-8000-00000000000d",
			Kind: numsync.KindUser, UsageLocation: "DE", Enabled: false, Licenses: []numsync.License{numsync.LicenseTeamsPhone}, OnPremLine: "tel:+49301234567;ext=12", Source: "csv"},
		{UPN: "aa-london@contoso.com", DisplayName: "Main line London", ObjectID: "6f1e2d3c-aaaa-4bbb-8ccc-123456789abc",
			Kind: numsync.KindResource, UsageLocation: "GB", Enabled: true, Licenses: []numsync.License{numsync.LicenseCallingPlan, numsync.LicenseTeamsPhone}, Source: "csv"},
		{UPN: "carol@contoso.com", DisplayName: "Carol", Kind: numsync.KindUser, UsageLocation: "FR", Enabled: true, OnPremLine: "tel:+33142685300", Source: "csv"},
	}
	if !reflect.DeepEqual(users, want) {
		t.Errorf("users:\n  got  %+v\n  want %+v", users, want)
	}
}

func TestReadUsersBrokenRows(t *testing.T) {
	users, problems, err := ReadUsers(filepath.Join("testdata", "users-broken.csv"))
	if err != nil {
		t.Fatal(err)
	}
	checkProblems(t, problems,
		"BAD_ROW users-broken.csv:3 UPN",
		"BAD_ROW users-broken.csv:4 UsageLocation",
		"BAD_ROW users-broken.csv:5 AccountEnabled",
		"BAD_NUMBER users-broken.csv:6 LineUri",
		"BAD_ROW users-broken.csv:7 UPN",
		"BAD_ROW users-broken.csv:8",
	)
	var got []string
	for _, u := range users {
		got = append(got, fmt.Sprintf("%s %s %s line=%q", u.UPN, u.ObjectID, u.Kind, u.OnPremLine))
	}
	want := []string{
		`dave@contoso.com id-d user line=""`,
		`gina@contoso.com id-g user line="tel:+1555"`,
		`ivy@contoso.com id-i resource line=""`,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("users:\n  got  %q\n  want %q", got, want)
	}
}

func TestReadLocations(t *testing.T) {
	locs, problems, err := ReadLocations(filepath.Join("testdata", "locations.csv"))
	if err != nil {
		t.Fatal(err)
	}
	checkProblems(t, problems)
	want := []numsync.EmergencyLocation{
		{ID: "loc-us-1", Description: "Redmond HQ", Country: "US", CompanyName: "Contoso", HouseNumber: "1", StreetName: "Microsoft Way", City: "Redmond", StateOrProv: "WA", PostalCode: "98052"},
		{ID: "loc-gb-1", Description: "London office", Country: "GB", CompanyName: "Contoso Ltd", HouseNumber: "10", StreetName: "Downing Street", City: "London", PostalCode: "SW1A 2AA"},
	}
	if !reflect.DeepEqual(locs, want) {
		t.Errorf("locations:\n  got  %+v\n  want %+v", locs, want)
	}
}

func TestReadLocationsBrokenRows(t *testing.T) {
	locs, problems, err := ReadLocations(filepath.Join("testdata", "locations-broken.csv"))
	if err != nil {
		t.Fatal(err)
	}
	checkProblems(t, problems,
		"BAD_ROW locations-broken.csv:3 LocationId",
		"BAD_ROW locations-broken.csv:4 CountryOrRegion",
		"BAD_ROW locations-broken.csv:5 LocationId",
		"BAD_ROW locations-broken.csv:6",
	)
	if len(locs) != 2 || locs[0].ID != "loc-de-1" || locs[1].ID != "loc-nl-1" {
		t.Errorf("locations = %+v", locs)
	}
}

// A location description holding a right-to-left override loads, with a
// HIDDEN_CHARACTER warning that shows the override instead of obeying it.
func TestReadLocationsWarnsOfHiddenCharacters(t *testing.T) {
	path := filepath.Join(t.TempDir(), "loc.csv")
	data := "LocationId,Description,CountryOrRegion\nloc-1,Seattle\u202E QH,US\nloc-2,Paris,FR\n"
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	locs, problems, err := ReadLocations(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(locs) != 2 {
		t.Errorf("locations = %+v; want both", locs)
	}
	checkProblems(t, problems, "HIDDEN_CHARACTER loc.csv:2 Description")
	if len(problems) == 1 && !strings.Contains(problems[0].Message, "Seattle⟨U+202E⟩ QH") {
		t.Errorf("message %q does not show the override", problems[0].Message)
	}
}

// Two users with one object id would make an export's holder a guess:
// both rows are rejected, each naming the other's line.
func TestReadUsersRepeatedObjectID(t *testing.T) {
	path := filepath.Join(t.TempDir(), "users.csv")
	body := "UserPrincipalName,ObjectId,UsageLocation,AccountEnabled\n" +
		"ann@contoso.com,4f1c2b7a-0000-4000-8000-00000000000a,US,true\n" +
		"bob@contoso.com,4f1c2b7a-0000-4000-8000-00000000000b,US,true\n" +
		"ann2@contoso.com,User_4F1C2B7A-0000-4000-8000-00000000000A,US,true\n"
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	users, problems, err := ReadUsers(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(users) != 1 || users[0].UPN != "bob@contoso.com" {
		t.Errorf("users %+v, want only bob", users)
	}
	if len(problems) != 2 {
		t.Fatalf("problems %+v, want one per repeated row", problems)
	}
	for i, want := range []struct {
		line  int
		other string
	}{{2, "ann2@contoso.com at " + path + ":4"}, {4, "ann@contoso.com at " + path + ":2"}} {
		p := problems[i]
		if p.Code != numsync.DuplicateID || p.File != path || p.Line != want.line || !strings.Contains(p.Message, want.other) {
			t.Errorf("problem %d = %+v, want DUPLICATE_ID at line %d naming %s", i, p, want.line, want.other)
		}
	}
}
