package secret

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRead: a password from a variable or a file (without the line end an
// editor adds, spaces kept), and errors that name the source, never a value.
func TestRead(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "pw")
	if err := os.WriteFile(file, []byte(" s3cret \r\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	empty := filepath.Join(dir, "empty")
	if err := os.WriteFile(empty, []byte("\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("NUMSYNC_TEST_PW", "from-env")
	t.Setenv("NUMSYNC_TEST_EMPTY", "")
	for _, c := range []struct{ name, env, file, want, wantErr string }{
		{"Env", "NUMSYNC_TEST_PW", "", "from-env", ""},
		{"File", "", file, " s3cret ", ""},
		{"EmptyEnv", "NUMSYNC_TEST_EMPTY", "", "", "store.password_env: environment variable NUMSYNC_TEST_EMPTY is unset or empty"},
		{"EmptyFile", "", empty, "", "store.password_file: " + empty + " is empty"},
		{"MissingFile", "", filepath.Join(dir, "nope"), "", "store.password_file: open "},
		{"Both", "NUMSYNC_TEST_PW", file, "", "set store.password_env or store.password_file, not both"},
		{"Neither", "", "", "", "no store.password_env or store.password_file set"},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := Read("store.password", c.env, c.file)
			if c.wantErr == "" {
				if err != nil || got != c.want {
					t.Fatalf("Read = %q, %v; want %q", got, err, c.want)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), c.wantErr) || strings.Contains(err.Error(), "s3cret") || strings.Contains(err.Error(), "from-env") {
				t.Fatalf("Read = %q, %v; want an error containing %q and no password", got, err, c.wantErr)
			}
		})
	}
}
