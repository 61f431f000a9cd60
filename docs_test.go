package numsync_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/numsync/numsync"
)

// TestRulesDocumentEveryReason holds README.md and docs/rules.md to the
// reason codes the code has: a code added without saying what it means,
// with an example and the tests that hold it, fails here.
func TestRulesDocumentEveryReason(t *testing.T) {
	for _, doc := range []string{"README.md", "docs/rules.md"} {
		b, err := os.ReadFile(doc)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range numsync.Reasons {
			if !strings.Contains(string(b), "`"+string(r)+"`") {
				t.Errorf("%s does not document reason code %s", doc, r)
			}
		}
	}
}

// TestRulesCiteTestsThatExist checks that every test docs/rules.md names
// as holding a rule is there: a Go test function (and its subtest, where
// one is named) or a script of cmd/numsync/testdata/script. A renamed or
// deleted test shows here instead of leaving the rule without its proof.
func TestRulesCiteTestsThatExist(t *testing.T) {
	doc, err := os.ReadFile("docs/rules.md")
	if err != nil {
		t.Fatal(err)
	}
	var src strings.Builder
	err = filepath.WalkDir(".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, "_test.go") {
			return err
		}
		b, err := os.ReadFile(p)
		src.Write(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	tests := src.String()
	cited := 0
	for _, m := range regexp.MustCompile("`(Test\\w+)(?:/(\\w+))?`").FindAllStringSubmatch(string(doc), -1) {
		cited++
		if !strings.Contains(tests, "func "+m[1]+"(t *testing.T)") {
			t.Errorf("docs/rules.md cites %s, which is no test function", m[1])
		}
		if m[2] != "" && !strings.Contains(tests, `"`+m[2]+`"`) {
			t.Errorf("docs/rules.md cites %s/%s, but no test names a case %q", m[1], m[2], m[2])
		}
	}
	for _, m := range regexp.MustCompile("`(\\w+\\.txtar)`").FindAllStringSubmatch(string(doc), -1) {
		cited++
		if _, err := os.Stat(filepath.Join("cmd/numsync/testdata/script", m[1])); err != nil {
			t.Errorf("docs/rules.md cites the script %s: %v", m[1], err)
		}
	}
	if cited < 50 {
		t.Errorf("docs/rules.md cites %d tests; the pattern no longer finds them", cited)
	}
}
