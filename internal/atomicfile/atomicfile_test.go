package atomicfile

import (
	"bufio"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func fillWith(s string) func(*bufio.Writer) error {
	return func(w *bufio.Writer) error {
		_, err := w.WriteString(s)
		return err
	}
}

// entries lists dir, to see that no temporary file is left behind.
func entries(t *testing.T, dir string) []string {
	t.Helper()
	des, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, d := range des {
		names = append(names, d.Name())
	}
	return names
}

func TestWriteReplacesTheFileWhole(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "plan.json")
	if err := os.WriteFile(path, []byte("old plan, longer than the new one"), 0o644); err != nil {
		t.Fatal(err)
	}
	// Larger than the write buffer, so the content reaches the file in
	// several writes.
	want := strings.Repeat("new plan\n", 20000)
	if err := Write(path, fillWith(want)); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != want {
		t.Errorf("file holds %d bytes, want the %d written", len(got), len(want))
	}
	if names := entries(t, dir); len(names) != 1 {
		t.Errorf("directory holds %q, want plan.json alone", names)
	}
}

func TestFailedWriteKeepsTheOldFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "report.html")
	if err := os.WriteFile(path, []byte("yesterday's report"), 0o644); err != nil {
		t.Fatal(err)
	}
	broken := errors.New("renderer broke")
	err := Write(path, func(w *bufio.Writer) error {
		w.WriteString(strings.Repeat("half a report ", 10000))
		return broken
	})
	if !errors.Is(err, broken) || !strings.Contains(err.Error(), path) {
		t.Errorf("error %v: want the renderer's, naming %s", err, path)
	}
	got, _ := os.ReadFile(path)
	if string(got) != "yesterday's report" {
		t.Errorf("after a failed write the file holds %.40q…, want the old content", got)
	}
	if names := entries(t, dir); len(names) != 1 {
		t.Errorf("directory holds %q, want report.html alone", names)
	}
}

// TestPermissionsFollowTheUmask holds the one permission policy: 0666 for
// files and 0777 for directories, less the umask, for plan.json and every
// report alike.
func TestPermissionsFollowTheUmask(t *testing.T) {
	for _, tc := range []struct {
		umask         int
		file, dirMode os.FileMode
	}{
		{0o022, 0o644, 0o755},
		{0o027, 0o640, 0o750},
		{0o077, 0o600, 0o700},
	} {
		old := syscall.Umask(tc.umask)
		dir := filepath.Join(t.TempDir(), "reports", "plan-1")
		path := filepath.Join(dir, "plan.json")
		err := Write(path, fillWith("{}"))
		syscall.Umask(old)
		if err != nil {
			t.Fatal(err)
		}
		for p, want := range map[string]os.FileMode{path: tc.file, dir: tc.dirMode} {
			fi, err := os.Stat(p)
			if err != nil {
				t.Fatal(err)
			}
			if got := fi.Mode().Perm(); got != want {
				t.Errorf("umask %03o: %s has mode %03o, want %03o", tc.umask, filepath.Base(p), got, want)
			}
		}
	}
}

func TestWriteNamesAnUnwritableDirectory(t *testing.T) {
	dir := t.TempDir()
	blocker := filepath.Join(dir, "reports")
	if err := os.WriteFile(blocker, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	// reports is a file, so reports/plan-1 cannot be made.
	path := filepath.Join(blocker, "plan-1", "plan.json")
	err := Write(path, fillWith("{}"))
	if err == nil || !strings.Contains(err.Error(), path) {
		t.Errorf("error %v: want one naming %s", err, path)
	}
}
