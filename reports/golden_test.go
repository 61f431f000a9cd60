package reports

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// TestGolden writes every report of each sample scenario and compares it
// byte for byte with testdata/<scenario>/<file>; go test ./reports -update
// rewrites them after a deliberate change (review the diff).
func TestGolden(t *testing.T) {
	for name, in := range sampleInputs() {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			if err := Write(dir, in); err != nil {
				t.Fatal(err)
			}
			golden := filepath.Join("testdata", name)
			for _, file := range Files {
				got, err := os.ReadFile(filepath.Join(dir, file))
				if err != nil {
					t.Fatal(err)
				}
				path := filepath.Join(golden, file)
				if *update {
					if err := os.MkdirAll(golden, 0o755); err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(path, got, 0o644); err != nil {
						t.Fatal(err)
					}
					continue
				}
				want, err := os.ReadFile(path)
				if err != nil {
					t.Fatalf("%v (run go test ./reports -update to create it)", err)
				}
				if !bytes.Equal(got, want) {
					t.Errorf("%s differs from %s; run go test ./reports -update and review the diff\n--- got ---\n%s", file, path, got)
				}
			}
		})
	}
}
