package main

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/csv"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/numsync/numsync"
)

// The tenant most tests read: big enough for every country (extra ones
// start at extraCountriesFrom) and every scenario of the random fill.
const testUsers = 1500

var (
	tenantOnce sync.Once
	tenantDir  string
	tenantErr  error
)

// testTenant generates the shared tenant once per test binary.
func testTenant(t *testing.T) string {
	t.Helper()
	tenantOnce.Do(func() {
		tenantDir, tenantErr = os.MkdirTemp("", "numsync-gen-test")
		if tenantErr == nil {
			_, tenantErr = generate(options{users: testUsers, seed: 42, out: tenantDir, sheetRows: testUsers})
		}
	})
	if tenantErr != nil {
		t.Fatal(tenantErr)
	}
	return tenantDir
}

func TestMain(m *testing.M) {
	code := m.Run()
	if tenantDir != "" {
		os.RemoveAll(tenantDir)
	}
	os.Exit(code)
}

// readCSV reads a whole CSV file into maps keyed by header, as a reader
// of the exports would: BOM stripped, the delimiter given.
func readCSV(t *testing.T, path string, comma rune) []map[string]string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(data, []byte("\uFEFF"))))
	r.Comma = comma
	r.FieldsPerRecord = -1
	recs, err := r.ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	var out []map[string]string
	for _, rec := range recs[1:] {
		m := map[string]string{}
		for i, v := range rec {
			m[recs[0][i]] = v
		}
		out = append(out, m)
	}
	return out
}

func TestSameSeedSameBytes(t *testing.T) {
	a, b, c := t.TempDir(), t.TempDir(), t.TempDir()
	for _, run := range []struct {
		dir  string
		seed uint64
	}{{a, 9}, {b, 9}, {c, 10}} {
		if _, err := generate(options{users: 1200, seed: run.seed, out: run.dir, sheetRows: 800}); err != nil {
			t.Fatal(err)
		}
	}
	filesA, filesB := listFiles(t, a), listFiles(t, b)
	if !slices.Equal(filesA, filesB) {
		t.Fatalf("same flags, different files: %v vs %v", filesA, filesB)
	}
	for _, f := range filesA {
		if !bytes.Equal(readFile(t, filepath.Join(a, f)), readFile(t, filepath.Join(b, f))) {
			t.Errorf("%s differs between two runs with the same seed", f)
		}
	}
	if bytes.Equal(readFile(t, filepath.Join(a, "users.csv")), readFile(t, filepath.Join(c, "users.csv"))) {
		t.Error("another seed wrote the same users.csv")
	}
}

func listFiles(t *testing.T, dir string) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			files = append(files, filepath.ToSlash(rel))
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestEveryInventoryNumberIsValid(t *testing.T) {
	dir := testTenant(t)
	seen := map[string]bool{}
	countries := map[string]bool{}
	for _, n := range readCSV(t, filepath.Join(dir, "inventory.csv"), ',') {
		tn := n["TelephoneNumber"]
		p, err := numsync.ParseNumber(tn, "")
		if err != nil {
			t.Errorf("inventory number %s: %v", tn, err)
			continue
		}
		if p.E164 != tn || p.Country() != n["IsoCountryCode"] {
			t.Errorf("inventory number %s reads as %s in %q, the export says %s", tn, p.E164, p.Country(), n["IsoCountryCode"])
		}
		if seen[tn] {
			t.Errorf("%s is listed twice", tn)
		}
		seen[tn] = true
		countries[n["IsoCountryCode"]] = true
	}
	if len(countries) < 11 {
		t.Errorf("numbers of %d countries, want all 11 at %d users", len(countries), testUsers)
	}
	for _, u := range readCSV(t, filepath.Join(dir, "users.csv"), ',') {
		if l := u["OnPremLineURI"]; l != "" {
			p, err := numsync.ParseNumber(l, "")
			if err != nil || p.Country() != u["UsageLocation"] {
				t.Errorf("%s: msRTCSIP-Line %s is not a valid number of %s (%v)", u["UserPrincipalName"], l, u["UsageLocation"], err)
			}
		}
	}
}

// TestEveryRangeIsValid checks the first, middle and last block of every
// range the generator may draw from, beyond what a test tenant reaches.
func TestEveryRangeIsValid(t *testing.T) {
	for _, c := range countries {
		var firsts []uint32
		a := uint32(0)
		for _, b := range c.fict {
			firsts = append(firsts, a)
			a += pow10(b.tail)
		}
		for _, r := range c.ranges {
			n := uint32(r.to - r.from + 1)
			firsts = append(firsts, a, a+n/2*rangeBlock, a+(n-1)*rangeBlock)
			a += n * rangeBlock
		}
		for _, f := range firsts {
			if err := c.checkBlock(f); err != nil {
				t.Error(err)
			}
		}
		if uint64(a) != c.capacity() {
			t.Errorf("%s: capacity %d, ranges add up to %d", c.iso, c.capacity(), a)
		}
	}
}

// TestSheetNumbersReadAsExpected reads every sheet row's number the way
// numsync does (with the user's usage location) and checks it against
// expected.csv; rows meant to be BAD_NUMBER must not read at all.
func TestSheetNumbersReadAsExpected(t *testing.T) {
	dir := testTenant(t)
	usage := map[string]string{}
	for _, u := range readCSV(t, filepath.Join(dir, "users.csv"), ',') {
		usage[u["UserPrincipalName"]] = u["UsageLocation"]
	}
	for _, e := range readCSV(t, filepath.Join(dir, "expected.csv"), ',') {
		where := e["File"] + ":" + e["Line"]
		written := e["PhoneNumber"]
		if written == "" || written == "None" {
			if e["Expect"] != expRemove {
				t.Errorf("%s: no number but expects %s", where, e["Expect"])
			}
			continue
		}
		n, err := numsync.ParseNumber(written, usage[e["UserPrincipalName"]])
		if e["Code"] == string(numsync.BadNumber) {
			if err == nil {
				t.Errorf("%s: %q is meant to be a bad number but reads as %s", where, written, n)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %q: %v", where, written, err)
			continue
		}
		if n.E164 != e["E164"] {
			t.Errorf("%s: %q reads as %s, expected.csv says %s", where, written, n.E164, e["E164"])
		}
	}
}

// TestExpectedPointsAtSheetRows checks that every line expected.csv names
// is that row of that sheet, in whichever dialect the sheet is written.
func TestExpectedPointsAtSheetRows(t *testing.T) {
	dir := testTenant(t)
	sheets := map[string][][]string{}
	for _, f := range listFiles(t, filepath.Join(dir, "sheets")) {
		data := readFile(t, filepath.Join(dir, "sheets", f))
		r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(data, []byte("\uFEFF"))))
		r.FieldsPerRecord = -1
		if strings.Contains(f, "-"+strings.ToLower(dialectCountry)+".") {
			r.Comma = ';'
			if !bytes.HasPrefix(data, []byte("\uFEFF")) || !bytes.Contains(data, []byte("\r\n")) {
				t.Errorf("%s: the Excel dialect sheet lacks its BOM or CRLF", f)
			}
		}
		recs, err := r.ReadAll()
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		sheets["sheets/"+f] = recs
	}
	count := 0
	for _, e := range readCSV(t, filepath.Join(dir, "expected.csv"), ',') {
		var line int
		fmt.Sscan(e["Line"], &line)
		recs := sheets[e["File"]]
		if line < 2 || line > len(recs) {
			t.Errorf("%s:%d: no such row", e["File"], line)
			continue
		}
		rec := recs[line-1]
		if rec[0] != e["UserPrincipalName"] || rec[1] != e["PhoneNumber"] {
			t.Errorf("%s:%d is %v, expected.csv says %s %s", e["File"], line, rec[:2], e["UserPrincipalName"], e["PhoneNumber"])
		}
		count++
	}
	rows := 0
	for _, recs := range sheets {
		rows += len(recs) - 1
	}
	if count != rows {
		t.Errorf("expected.csv has %d rows, the sheets %d", count, rows)
	}
}

// ldapEntry is one parsed LDIF entry: attribute (lower case) → values.
type ldapEntry map[string][]string

// parseLDIF is a small LDIF reader for checking the generator: comments,
// folding and base64 values, which is all the generator writes.
func parseLDIF(t *testing.T, r io.Reader) []ldapEntry {
	t.Helper()
	var entries []ldapEntry
	var lines []string
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		l := sc.Text()
		if len(l) > ldifWidth {
			t.Errorf("LDIF line longer than %d: %q", ldifWidth, l)
		}
		switch {
		case strings.HasPrefix(l, " ") && len(lines) > 0:
			lines[len(lines)-1] += l[1:]
		case strings.HasPrefix(l, "#"):
		default:
			lines = append(lines, l)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	var cur ldapEntry
	for _, l := range lines {
		if l == "" {
			cur = nil
			continue
		}
		name, value, ok := strings.Cut(l, ":")
		if !ok {
			t.Fatalf("LDIF line without a colon: %q", l)
		}
		if strings.HasPrefix(value, ":") {
			b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(value[1:]))
			if err != nil {
				t.Fatalf("LDIF base64 %q: %v", l, err)
			}
			value = string(b)
		} else {
			value = strings.TrimPrefix(value, " ")
		}
		if name == "version" {
			continue
		}
		if cur == nil {
			cur = ldapEntry{}
			entries = append(entries, cur)
		}
		cur[strings.ToLower(name)] = append(cur[strings.ToLower(name)], value)
	}
	return entries
}

func TestLDIFDescribesTheUsersOfUsersCSV(t *testing.T) {
	dir := testTenant(t)
	f, err := os.Open(filepath.Join(dir, "users.ldif"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	entries := parseLDIF(t, f)
	users := readCSV(t, filepath.Join(dir, "users.csv"), ',')
	if len(entries) != len(users) {
		t.Fatalf("%d LDIF entries, %d users in users.csv", len(entries), len(users))
	}
	folded := bytes.Count(readFile(t, filepath.Join(dir, "users.ldif")), []byte("\n "))
	if folded == 0 {
		t.Error("no folded line in the LDIF")
	}
	upns := map[string]bool{}
	for i, u := range users {
		e := entries[i]
		one := func(attr string) string {
			if v := e[attr]; len(v) == 1 {
				return v[0]
			}
			t.Errorf("%s: %s has %d values", u["UserPrincipalName"], attr, len(e[attr]))
			return ""
		}
		upn := u["UserPrincipalName"]
		if upns[strings.ToLower(upn)] {
			t.Errorf("UPN %s twice", upn)
		}
		upns[strings.ToLower(upn)] = true
		guid := adGUIDBytes(u["ObjectId"])
		checks := []struct{ what, ldif, csv string }{
			{"userPrincipalName", one("userprincipalname"), upn},
			{"displayName", one("displayname"), u["DisplayName"]},
			{"objectGUID", one("objectguid"), string(guid)},
			{"msDS-ExternalDirectoryObjectId", one("msds-externaldirectoryobjectid"), "User_" + u["ObjectId"]},
			{"c", one("c"), u["UsageLocation"]},
			{"mail", strings.Join(e["mail"], ";"), u["Mail"]},
			{"msRTCSIP-Line", strings.Join(e["msrtcsip-line"], ";"), u["OnPremLineURI"]},
		}
		for _, c := range checks {
			if c.ldif != c.csv {
				t.Errorf("%s: %s is %q in the LDIF, %q in users.csv", upn, c.what, c.ldif, c.csv)
			}
		}
		var uac int
		fmt.Sscan(one("useraccountcontrol"), &uac)
		if enabled := uac&2 == 0; boolText(enabled) != u["AccountEnabled"] {
			t.Errorf("%s: userAccountControl %d, AccountEnabled %s", upn, uac, u["AccountEnabled"])
		}
		var lic []string
		if slices.Contains(e["memberof"], groupCallingPlan) {
			lic = append(lic, "CallingPlan")
		}
		if slices.Contains(e["memberof"], groupTeamsPhone) {
			lic = append(lic, "TeamsPhone")
		}
		if strings.Join(lic, ";") != u["Licenses"] {
			t.Errorf("%s: licence groups %v, Licenses %q", upn, lic, u["Licenses"])
		}
		dn := one("dn")
		resource := strings.HasSuffix(dn, ",OU=ResourceAccounts,"+domainDN)
		if boolText(resource) != u["IsResourceAccount"] {
			t.Errorf("%s: DN %s, IsResourceAccount %s", upn, dn, u["IsResourceAccount"])
		}
		if !resource && !strings.HasSuffix(dn, ",OU=Users,OU="+u["UsageLocation"]+","+domainDN) {
			t.Errorf("%s: DN %s is not under its country's Users OU", upn, dn)
		}
	}
}

// TestInventoryHoldersAreUsers checks the current assignments both
// exports describe: every holder is a user of users.csv who may hold that
// number, and the two exports agree.
func TestInventoryHoldersAreUsers(t *testing.T) {
	dir := testTenant(t)
	users := map[string]map[string]string{}
	for _, u := range readCSV(t, filepath.Join(dir, "users.csv"), ',') {
		users[u["ObjectId"]] = u
	}
	acquired := readCSV(t, filepath.Join(dir, "inventory.csv"), ',')
	assigned := readCSV(t, filepath.Join(dir, "inventory-assignments.csv"), ',')
	if len(acquired) != len(assigned) {
		t.Fatalf("inventory.csv has %d numbers, inventory-assignments.csv %d", len(acquired), len(assigned))
	}
	held := map[string]bool{}
	nHeld := 0
	for i, n := range acquired {
		a := assigned[i]
		for _, pair := range [][2]string{
			{n["TelephoneNumber"], a["TelephoneNumber"]}, {n["TargetId"], a["AssignedPstnTargetId"]},
			{n["AssignmentStatus"], a["PstnAssignmentStatus"]}, {n["NumberType"], a["NumberType"]},
			{n["LocationId"], a["LocationId"]}, {n["PartnerName"], a["PstnPartnerName"]},
		} {
			if pair[0] != pair[1] {
				t.Errorf("%s: the exports disagree: %q vs %q", n["TelephoneNumber"], pair[0], pair[1])
			}
		}
		caps := numsync.ParseCapabilities(n["AcquiredCapabilities"])
		if !slices.Equal(caps, numsync.ParseCapabilities(a["Capability"])) {
			t.Errorf("%s: capabilities %v vs %v", n["TelephoneNumber"], caps, a["Capability"])
		}
		id := n["TargetId"]
		if id == "" {
			if n["AssignmentStatus"] != "Unassigned" || n["TargetType"] != "" || n["AssignmentCategory"] != "" {
				t.Errorf("%s: no holder but status %s", n["TelephoneNumber"], n["AssignmentStatus"])
			}
			continue
		}
		nHeld++
		u, ok := users[id]
		if !ok {
			t.Errorf("%s: holder %s is no user of users.csv", n["TelephoneNumber"], id)
			continue
		}
		upn := u["UserPrincipalName"]
		key := id + "/" + n["AssignmentCategory"]
		if held[key] {
			t.Errorf("%s holds two %s numbers", upn, n["AssignmentCategory"])
		}
		held[key] = true
		want := numsync.CapUser
		wantType, wantStatus := "User", "UserAssigned"
		if u["IsResourceAccount"] == "true" {
			want, wantType, wantStatus = numsync.CapVoiceApp, "ResourceAccount", "VoiceApplicationAssigned"
		}
		if !slices.Contains(caps, want) || n["TargetType"] != wantType || n["AssignmentStatus"] != wantStatus {
			t.Errorf("%s holds %s (%v, %s, %s)", upn, n["TelephoneNumber"], caps, n["TargetType"], n["AssignmentStatus"])
		}
		if u["UsageLocation"] != n["IsoCountryCode"] {
			t.Errorf("%s (%s) holds a number of %s", upn, u["UsageLocation"], n["IsoCountryCode"])
		}
		if n["NumberType"] == "CallingPlan" && !strings.Contains(u["Licenses"], "CallingPlan") {
			t.Errorf("%s holds a Calling Plan number without the licence", upn)
		}
		if n["NumberType"] != "DirectRouting" && u["OnPremLineURI"] != "" {
			t.Errorf("%s has msRTCSIP-Line set and holds a %s number", upn, n["NumberType"])
		}
	}
	if share := float64(nHeld) / float64(len(acquired)); share < 0.3 || share > 0.5 {
		t.Errorf("%.0f%% of the numbers are assigned, want about 40%%", share*100)
	}
	if ratio := float64(len(acquired)) / float64(len(users)); ratio < 1.5 || ratio > 1.8 {
		t.Errorf("%.2f numbers a user, want about 1.6", ratio)
	}
}

// TestMix checks the proportions a benchmark relies on.
func TestMix(t *testing.T) {
	dir := testTenant(t)
	var resource, disabled, hybrid int
	users := readCSV(t, filepath.Join(dir, "users.csv"), ',')
	for _, u := range users {
		resource += b2i(u["IsResourceAccount"] == "true")
		disabled += b2i(u["AccountEnabled"] == "false")
		hybrid += b2i(u["OnPremLineURI"] != "")
	}
	within := func(what string, n int, lo, hi float64) {
		if p := float64(n) / float64(len(users)) * 100; p < lo || p > hi {
			t.Errorf("%s: %.1f%% of the users, want %.0f–%.0f%%", what, p, lo, hi)
		}
	}
	within("resource accounts", resource, 3, 7)
	within("disabled", disabled, 1.5, 5)
	within("hybrid", hybrid, 6, 10)

	expect := map[string]int{}
	codes := map[string]bool{}
	exp := readCSV(t, filepath.Join(dir, "expected.csv"), ',')
	for _, e := range exp {
		expect[e["Expect"]]++
		codes[e["Code"]] = true
	}
	if len(exp) < testUsers*8/10 {
		t.Errorf("%d sheet rows for -sheet-rows %d", len(exp), testUsers)
	}
	rejected := expect[expReject] + expect[expBlocked]
	if p := float64(rejected) / float64(len(exp)) * 100; p < 2 || p > 10 {
		t.Errorf("%.1f%% of the rows are rejected or blocked, want a few percent", p)
	}
	for _, want := range []string{expAssign, expChange, expRemove, expUnchanged, expReject, expBlocked, expWarning} {
		if expect[want] == 0 {
			t.Errorf("no row expects %s", want)
		}
	}
	for _, code := range []numsync.Reason{numsync.BadRow, numsync.BadNumber, numsync.NoExtensionAllowed, numsync.UnknownUser,
		numsync.UserDisabled, numsync.DuplicateNumber, numsync.ConflictingRows, numsync.NotInInventory, numsync.TypeMismatch,
		numsync.CapabilityMissing, numsync.NumberTaken, numsync.CountryMismatch, numsync.NoCallingPlan, numsync.NoPhoneLicense,
		numsync.OnPremLineSet, numsync.UnknownLocation, numsync.LocationCountry, numsync.DuplicateRow} {
		if !codes[string(code)] {
			t.Errorf("no row expects %s", code)
		}
	}
}

func TestSurnamesDisjointBetweenPools(t *testing.T) {
	owner := map[string]*namePool{}
	for _, p := range []*namePool{&enNames, &deNames, &frNames, &esNames, &nlNames, &svNames, &jaNames} {
		local := map[string]bool{}
		for _, l := range p.last {
			a := asciiName(l)
			if o, ok := owner[a]; ok && o != p || local[a] {
				t.Errorf("surname %q (%s) is in two pools or twice in one", l, a)
			}
			owner[a], local[a] = p, true
		}
	}
}

var update = flag.Bool("update", false, "rewrite testdata/sample from the generator")

// TestSampleIsTheGeneratorsOutput keeps the committed sample and the
// generator in step: every file the generator writes is in testdata/sample
// byte for byte, and sheets/ holds no other sheet (numsync would read it).
// Files others keep beside the sample (numsync.yaml, a store, reports) are
// left alone, also by -update.
func TestSampleIsTheGeneratorsOutput(t *testing.T) {
	committed := filepath.Join("..", "..", "testdata", "sample")
	fresh := t.TempDir()
	if err := run([]string{"-sample", "-out", fresh}, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	generated := listFiles(t, fresh)
	if *update {
		for _, f := range listFiles(t, filepath.Join(committed, "sheets")) {
			if !slices.Contains(generated, "sheets/"+f) {
				if err := os.Remove(filepath.Join(committed, "sheets", f)); err != nil {
					t.Fatal(err)
				}
			}
		}
		if err := run([]string{"-sample", "-out", committed}, io.Discard, io.Discard); err != nil {
			t.Fatal(err)
		}
	}
	const fix = "run go test ./cmd/numsync-gen -run Sample -update"
	for _, f := range generated {
		got, err := os.ReadFile(filepath.Join(committed, f))
		if err != nil {
			t.Errorf("testdata/sample/%s: %v; %s", f, err, fix)
		} else if !bytes.Equal(got, readFile(t, filepath.Join(fresh, f))) {
			t.Errorf("testdata/sample/%s is not what the generator writes; %s", f, fix)
		}
	}
	for _, f := range listFiles(t, filepath.Join(committed, "sheets")) {
		if !slices.Contains(generated, "sheets/"+f) {
			t.Errorf("testdata/sample/sheets/%s is no sheet the generator writes; %s", f, fix)
		}
	}
}

// TestSampleTellsTheWholeStory checks what the sample promises: several
// countries, every sort of identity and number, and one row per scenario.
func TestSampleTellsTheWholeStory(t *testing.T) {
	dir := t.TempDir()
	if err := run([]string{"-sample", "-out", dir}, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	countries, types := map[string]bool{}, map[string]int{}
	assigned := 0
	inv := readCSV(t, filepath.Join(dir, "inventory.csv"), ',')
	for _, n := range inv {
		countries[n["IsoCountryCode"]] = true
		types[n["NumberType"]]++
		assigned += b2i(n["TargetId"] != "")
	}
	if len(countries) < 4 || len(types) != 3 || assigned < 10 || len(inv) < 70 || len(inv) > 95 {
		t.Errorf("sample inventory: %d numbers, %d assigned, countries %v, types %v", len(inv), assigned, countries, types)
	}
	var resource, disabled, hybrid int
	users := readCSV(t, filepath.Join(dir, "users.csv"), ',')
	for _, u := range users {
		resource += b2i(u["IsResourceAccount"] == "true")
		disabled += b2i(u["AccountEnabled"] == "false")
		hybrid += b2i(u["OnPremLineURI"] != "")
	}
	if len(users) != sampleUsers || resource < 2 || disabled < 2 || hybrid < 3 {
		t.Errorf("sample users: %d, %d resource accounts, %d disabled, %d hybrid", len(users), resource, disabled, hybrid)
	}
	locs := map[string]int{}
	for _, l := range readCSV(t, filepath.Join(dir, "locations.csv"), ',') {
		locs[l["CountryOrRegion"]]++
	}
	for c := range countries {
		if locs[c] == 0 {
			t.Errorf("no emergency location in %s", c)
		}
	}
	rows := 0
	for _, s := range story {
		rows++
		switch s.name {
		case "move", "swap", "duplicate-number", "conflicting-rows", "repeated-row":
			rows++
		}
	}
	if exp := readCSV(t, filepath.Join(dir, "expected.csv"), ','); len(exp) != rows {
		t.Errorf("the sample's sheets have %d rows, the story %d", len(exp), rows)
	}
}

func TestBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{},
		{"-out", t.TempDir(), "-users", "0"},
		{"-sample", "-users", "10", "-out", t.TempDir()},
		{"-out", t.TempDir(), "extra"},
	} {
		if err := run(args, io.Discard, io.Discard); err == nil {
			t.Errorf("numsync-gen %v: no error", args)
		}
	}
}

// TestRefusesStaleSheets: a smaller tenant written over a larger one would
// leave the larger one's extra countries' sheets behind for numsync to read.
func TestRefusesStaleSheets(t *testing.T) {
	dir := t.TempDir()
	if err := run([]string{"-users", "1000", "-out", dir}, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	err := run([]string{"-users", "100", "-out", dir}, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "060-ca.csv") {
		t.Errorf("writing 5 countries over 11: %v, want an error naming 060-ca.csv", err)
	}
	if err := run([]string{"-users", "1000", "-seed", "2", "-out", dir}, io.Discard, io.Discard); err != nil {
		t.Errorf("writing the same countries again: %v", err)
	}
}
