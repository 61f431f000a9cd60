package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"

	"go.uber.org/zap"

	"github.com/numsync/numsync"
	"github.com/numsync/numsync/importer"
	"github.com/numsync/numsync/store"
)

// importKind is one of the files an admin loads into the store.
type importKind struct {
	noun string // "inventory", "users", "locations"
	what string // help text
	// agedAgainstRuns says the store refuses an export of this kind written
	// before the last applied run (it carries assignments).
	agedAgainstRuns bool
	load            func(ctx context.Context, e *env, st *store.Store, path string, file *numsync.ExportFile) (numsync.ImportResult, []numsync.Issue, error)
}

// importKinds are the files an admin can load.
var importKinds = []importKind{
	{"locations", "load emergency locations from CSV", false,
		func(ctx context.Context, e *env, st *store.Store, path string, file *numsync.ExportFile) (numsync.ImportResult, []numsync.Issue, error) {
			return importFile(ctx, e, path, file, importer.ReadLocations, st.ImportLocations)
		}},
	{"users", "load users from a users CSV", false,
		func(ctx context.Context, e *env, st *store.Store, path string, file *numsync.ExportFile) (numsync.ImportResult, []numsync.Issue, error) {
			return importFile(ctx, e, path, file, importer.ReadUsers, func(ctx context.Context, us []numsync.User, file *numsync.ExportFile) (numsync.ImportResult, error) {
				return st.ImportUsers(ctx, us, numsync.UserImportOptions{Source: "csv", File: file})
			})
		}},
	{"inventory", "load a number inventory (Export-CsAcquiredPhoneNumber or Get-CsPhoneNumberAssignment | Export-Csv)", true,
		func(ctx context.Context, e *env, st *store.Store, path string, file *numsync.ExportFile) (numsync.ImportResult, []numsync.Issue, error) {
			return importFile(ctx, e, path, file, importer.ReadInventory, st.ImportNumbers)
		}},
}

func init() {
	for _, k := range importKinds {
		register(&command{name: k.noun + " import", args: k.synopsis(), summary: k.what, run: k.run})
	}
}

// synopsis is the command's argument synopsis.
func (k importKind) synopsis() string {
	if k.agedAgainstRuns {
		return "[--allow-older-export] FILE"
	}
	return "FILE"
}

// importFile reads a file with read and saves what it gave, and the record
// of the file, with save in one store transaction. Row problems of both
// steps are returned together. Reading stops at ctx; the transaction, once
// started, runs under e.commit, so that a first signal lets it finish.
func importFile[T any](ctx context.Context, e *env, path string, file *numsync.ExportFile, read func(string) ([]T, []numsync.Issue, error),
	save func(context.Context, []T, *numsync.ExportFile) (numsync.ImportResult, error)) (numsync.ImportResult, []numsync.Issue, error) {
	vals, problems, err := read(path)
	if err != nil {
		return numsync.ImportResult{}, problems, err
	}
	if err := ctx.Err(); err != nil {
		return numsync.ImportResult{}, problems, fmt.Errorf("%s: stopped before loading: %w", path, err)
	}
	e.log.Debug("loading into the store", zap.String("file", path), zap.Int("rows", len(vals)))
	res, err := save(e.commit, vals, file)
	if err != nil {
		return res, problems, fmt.Errorf("%s: %w", path, err)
	}
	return res, append(problems, res.Problems...), nil
}

func (k importKind) run(ctx context.Context, e *env, args []string) error {
	fs := e.flags(k.noun+" import", k.synopsis())
	allowOlder := new(bool)
	if k.agedAgainstRuns {
		allowOlder = fs.Bool("allow-older-export", false, "load the export even if it was written before the last applied run (it takes back what that run assigned)")
	}
	if err := parse(fs, args, 1, 1); err != nil {
		return err
	}
	st, err := e.writableStore(ctx)
	if err != nil {
		return err
	}
	res, problems, _, err := k.loadFile(ctx, e, st, fs.Arg(0), false, *allowOlder)
	if err != nil {
		return fmt.Errorf("%s import: %w", k.noun, err)
	}
	fmt.Fprintf(e.stdout, "%s: %s (store revision %d)\n", fs.Arg(0), describeImport(res, len(problems), "rows"), res.Revision)
	return problemsExit(problems)
}

// problemsExit is the exit of an import that loaded: 3 when some of its
// rows or entries had problems (printed above), else success.
func problemsExit(problems []numsync.Issue) error {
	if len(problems) > 0 {
		return &exitError{code: ExitRejected}
	}
	return nil
}

// describeImport says what an import did, in one phrase; unit names what
// had problems ("rows", "entries").
func describeImport(res numsync.ImportResult, problems int, unit string) string {
	s := fmt.Sprintf("%d added, %d updated, %d unchanged", res.Added, res.Updated, res.Unchanged)
	if res.Absent > 0 {
		s += fmt.Sprintf(", %d marked absent", res.Absent)
	}
	if res.Adopted > 0 {
		s += fmt.Sprintf(", %d numbers held outside the directory now theirs", res.Adopted)
	}
	if problems > 0 {
		s += fmt.Sprintf(", %d %s with problems", problems, unit)
	}
	return s
}

// loadFile loads path, prints its row problems and records the file (its
// content digest and modification time) in the same transaction. With
// skipUnchanged, a file whose digest is the one recorded at the last load is
// left alone (skipped is true): loading an old export again would put back
// the assignments numsync applied since. allowOlder loads an export written
// before the last applied run.
func (k importKind) loadFile(ctx context.Context, e *env, st *store.Store, path string, skipUnchanged, allowOlder bool) (res numsync.ImportResult, problems []numsync.Issue, skipped bool, err error) {
	file, err := exportFile(k.noun, path)
	if err != nil {
		return res, nil, false, fmt.Errorf("%w (nothing was loaded)", err)
	}
	file.AllowOlder = allowOlder
	if skipUnchanged {
		if last, err := st.SourceDigest(ctx, k.noun); err != nil || last == file.Digest {
			return res, nil, err == nil, err
		}
	}
	res, problems, err = k.load(ctx, e, st, path, file)
	for _, p := range problems {
		printIssue(e.stderr, "", p)
	}
	if err != nil {
		return res, problems, false, fmt.Errorf("%w (nothing was loaded)", err)
	}
	if k.noun != "inventory" {
		return res, problems, false, nil
	}
	// The import has committed: what it supersedes is recorded even after
	// a first signal, which lets a started transaction finish, and a
	// failure of it must not say nothing was loaded.
	if err := e.supersede(e.commit, st, path); err != nil {
		return res, problems, false, fmt.Errorf("%s was loaded (store revision %d), but: %w", path, res.Revision, err)
	}
	return res, problems, false, nil
}

// supersede records that an inventory just loaded from source supersedes
// the operations that had not landed in Teams, and says so.
func (e *env) supersede(ctx context.Context, st numsync.Store, source string) error {
	n, err := supersedeUnfinished(ctx, st, source, e.cfg.Actor)
	if n > 0 {
		fmt.Fprintf(e.stdout, "%s: supersedes %d applied operations that had not landed in Teams (the next plan plans any difference again)\n", source, n)
	}
	return err
}

// exportFile describes the export at path: its content digest (SHA-256)
// and modification time, which imports record and compare.
func exportFile(name, path string) (*numsync.ExportFile, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	return &numsync.ExportFile{Name: name, Digest: "sha256:" + hex.EncodeToString(h.Sum(nil)), Modified: fi.ModTime()}, nil
}
