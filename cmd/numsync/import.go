package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"

	"github.com/numsync/numsync"
	"github.com/numsync/numsync/importer"
	"github.com/numsync/numsync/store"
)

// importKind is one of the files an admin loads into the store.
type importKind struct {
	noun string // "inventory", "users", "locations"
	what string // help text
	load func(ctx context.Context, st *store.Store, path string) (numsync.ImportResult, []numsync.Issue, error)
}

// importKinds are the files an admin can load.
var importKinds = []importKind{
	{"locations", "load emergency locations from CSV",
		func(ctx context.Context, st *store.Store, path string) (numsync.ImportResult, []numsync.Issue, error) {
			return importFile(ctx, path, importer.ReadLocations, st.ImportLocations)
		}},
	{"users", "load users from a users CSV",
		func(ctx context.Context, st *store.Store, path string) (numsync.ImportResult, []numsync.Issue, error) {
			return importFile(ctx, path, importer.ReadUsers, func(ctx context.Context, us []numsync.User) (numsync.ImportResult, error) {
				return st.ImportUsers(ctx, us, numsync.UserImportOptions{Source: "csv"})
			})
		}},
	{"inventory", "load a number inventory (Export-CsAcquiredPhoneNumber or Get-CsPhoneNumberAssignment | Export-Csv)",
		func(ctx context.Context, st *store.Store, path string) (numsync.ImportResult, []numsync.Issue, error) {
			return importFile(ctx, path, importer.ReadInventory, st.ImportNumbers)
		}},
}

func init() {
	for _, k := range importKinds {
		register(&command{name: k.noun + " import", args: "FILE", summary: k.what, run: k.run})
	}
}

// importFile reads a file with read and upserts what it gave with save, in
// one store transaction. Row problems of both steps are returned together.
func importFile[T any](ctx context.Context, path string, read func(string) ([]T, []numsync.Issue, error),
	save func(context.Context, []T) (numsync.ImportResult, error)) (numsync.ImportResult, []numsync.Issue, error) {
	vals, problems, err := read(path)
	if err != nil {
		return numsync.ImportResult{}, problems, err
	}
	res, err := save(ctx, vals)
	if err != nil {
		return res, problems, fmt.Errorf("%s: %w", path, err)
	}
	return res, append(problems, res.Problems...), nil
}

func (k importKind) run(ctx context.Context, e *env, args []string) error {
	fs := e.flags(k.noun+" import", "FILE")
	if err := parse(fs, args, 1, 1); err != nil {
		return err
	}
	st, err := e.store(ctx)
	if err != nil {
		return err
	}
	res, problems, _, err := k.loadFile(ctx, e, st, fs.Arg(0), false)
	if err != nil {
		return fmt.Errorf("%s import: %w (nothing was loaded)", k.noun, err)
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

// loadFile loads path, prints its row problems and records the file's
// content digest. With skipUnchanged, a file whose digest is the one
// recorded at the last load is left alone (skipped is true): loading an old
// export again would put back the assignments numsync applied since.
func (k importKind) loadFile(ctx context.Context, e *env, st *store.Store, path string, skipUnchanged bool) (res numsync.ImportResult, problems []numsync.Issue, skipped bool, err error) {
	digest, err := fileDigest(path)
	if err != nil {
		return res, nil, false, err
	}
	if skipUnchanged {
		if last, err := st.SourceDigest(ctx, k.noun); err != nil || last == digest {
			return res, nil, err == nil, err
		}
	}
	res, problems, err = k.load(ctx, st, path)
	for _, p := range problems {
		printIssue(e.stderr, "", p)
	}
	if err != nil {
		return res, problems, false, err
	}
	return res, problems, false, st.SetSourceDigest(ctx, k.noun, digest)
}

// fileDigest is the SHA-256 of a file's content. Runs compare it with the
// digest recorded at the last import, to leave an unchanged export alone.
func fileDigest(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("reading %s: %w", path, err)
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil)), nil
}
