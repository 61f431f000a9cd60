// Package atomicfile is the one way numsync writes an output file (plan.json
// and every report): the content goes to a temporary file beside the
// target, is synced to disk, and is renamed over the target, and then the
// directory is synced so the rename survives a crash too. A reader sees
// the old file or the whole new one, never a part, and a failed write
// leaves the old file as it was.
//
// Permissions follow one policy: files are created with mode 0666 and
// directories with 0777, less the process umask, as other Unix tools do
// (0644 and 0755 under the usual umask 022). The umask of the cron job or
// systemd unit is how an operator keeps the files from other users.
package atomicfile

import (
	"bufio"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
)

// Write replaces path with what fill writes, creating path's directory
// when it is missing. fill writes into a buffer on the temporary file, so
// the content is never held whole in memory; Write flushes it. When fill
// or any step fails, the temporary file is removed and path is untouched.
func Write(path string, fill func(*bufio.Writer) error) (err error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o777); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	tmp, err := create(dir, filepath.Base(path))
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
			err = fmt.Errorf("write %s: %w", path, err)
		}
	}()
	w := bufio.NewWriterSize(tmp, 64<<10)
	if err = fill(w); err != nil {
		return err
	}
	if err = w.Flush(); err != nil {
		return err
	}
	if err = tmp.Sync(); err != nil {
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	return syncDir(dir)
}

// create makes a new temporary file in dir, hidden (a leading dot) and
// named after base. Unlike os.CreateTemp it asks for mode 0666, so the
// umask alone decides the file's permissions.
func create(dir, base string) (*os.File, error) {
	for try := 0; ; try++ {
		name := filepath.Join(dir, "."+base+".tmp-"+strconv.FormatUint(rand.Uint64(), 36))
		f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o666)
		if errors.Is(err, os.ErrExist) && try < 100 {
			continue
		}
		return f, err
	}
}

// syncDir makes a rename in dir durable. A file system that cannot sync a
// directory (EINVAL, ENOTSUP) loses only that guarantee, not the write.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, syscall.EINVAL) && !errors.Is(err, syscall.ENOTSUP) {
		return fmt.Errorf("sync directory: %w", err)
	}
	return nil
}
