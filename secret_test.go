package numsync

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestReadSecret(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "secret")
	if err := os.WriteFile(file, []byte("s3cret \r\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	empty := filepath.Join(dir, "empty")
	if err := os.WriteFile(empty, []byte("\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("TEST_SECRET", "from-env")
	t.Setenv("TEST_EMPTY", "")
	for name, tc := range map[string]struct{ env, file, want, err string }{
		"EnvFirst":          {env: "TEST_SECRET", file: file, want: "from-env"},
		"FileKeepsSpaces":   {file: file, want: "s3cret "},
		"EmptyEnvNamesKey":  {env: "TEST_EMPTY", err: "environment variable TEST_EMPTY (k.env) is not set or empty"},
		"EmptyFileNamesKey": {file: empty, err: "(k.file) is empty"},
		"NeitherNamesBoth":  {err: "set k.env or k.file"},
	} {
		t.Run(name, func(t *testing.T) {
			got, err := ReadSecret("test secret", tc.env, "k.env", tc.file, "k.file")
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("= %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}
