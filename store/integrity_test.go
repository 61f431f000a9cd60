package store

import (
	"context"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/numsync/numsync"
	"github.com/numsync/numsync/internal/testfile"
)

func TestOpenExistingNeverCreates(t *testing.T) {
	path := filepath.Join(t.TempDir(), "numsync.db")
	_, err := OpenExisting(context.Background(), path)
	var me *MissingError
	if !errors.As(err, &me) || !strings.Contains(me.Hint(), "numsync init") {
		t.Fatalf("OpenExisting of a missing store: %v, want a MissingError pointing to init", err)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("OpenExisting created %s (%v)", path, err)
	}
}

// damagedStore returns a store file with many numbers whose page in the
// middle of the file was overwritten with noise, as a failing disk or a
// stray write would leave it.
func damagedStore(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	s, path := openTemp(t)
	seed(t, s)
	recs := make([]numsync.InventoryRecord, 5000)
	for i := range recs {
		recs[i] = inv("+1425556"+strconv.Itoa(1000+i), numsync.CallingPlan, "", i+2)
	}
	if _, err := s.ImportNumbers(ctx, recs, nil); err != nil {
		t.Fatal(err)
	}
	if err := s.Check(ctx, true); err != nil {
		t.Fatalf("the store is damaged before the test damages it: %v", err)
	}
	s.Close() // checkpoints the WAL into the file
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fi, _ := f.Stat()
	const page = 4096
	noise := make([]byte, page)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range noise {
		noise[i] = byte(r.Uint32())
	}
	if _, err := f.WriteAt(noise, (fi.Size()/page/2)*page); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestCheckFindsADamagedPage(t *testing.T) {
	ctx := context.Background()
	path := damagedStore(t)
	s, err := OpenExisting(ctx, path)
	if err != nil {
		t.Fatalf("a store with one damaged page should still open for checking: %v", err)
	}
	defer s.Close()
	for _, quick := range []bool{true, false} {
		err := s.Check(ctx, quick)
		var de *DamagedError
		if !errors.As(err, &de) || len(de.Problems) == 0 || !strings.Contains(err.Error(), path+" is damaged") ||
			!strings.Contains(de.Hint(), "store backup") {
			t.Errorf("Check(quick %t) of a damaged store: %v, want a DamagedError", quick, err)
		}
	}
}

// A store file nobody may write (made immutable when the tests run as
// root, whom permissions do not stop) still reads, and a write says why it
// fails.
func TestReadOnlyStoreReadsAndRefusesWrites(t *testing.T) {
	ctx := context.Background()
	s, path := openTemp(t)
	seed(t, s)
	s.Close()
	testfile.ReadOnly(t, path)
	s, err := OpenExisting(ctx, path)
	if err != nil {
		t.Fatalf("open a read-only store: %v", err)
	}
	defer s.Close()
	if tn, err := s.Tenant(ctx); err != nil || len(tn.Numbers) != 4 {
		t.Fatalf("reading a read-only store: %v", err)
	}
	_, err = s.GrantRole(ctx, numsync.RoleGrant{Principal: "ann@contoso.com", Role: numsync.RoleTeamsAdmin})
	var ro *ReadOnlyError
	if !errors.As(err, &ro) || !strings.Contains(err.Error(), path+" is read-only") {
		t.Fatalf("write to a read-only store: %v, want a ReadOnlyError", err)
	}
}

func TestBackupIsAConsistentCopy(t *testing.T) {
	ctx := context.Background()
	s, _ := openTemp(t)
	seed(t, s)
	dst := filepath.Join(t.TempDir(), "backup.db")
	if err := s.Backup(ctx, dst); err != nil {
		t.Fatal(err)
	}
	if err := s.Backup(ctx, dst); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Errorf("backup over an existing file: %v, want it refused", err)
	}
	if entries, _ := os.ReadDir(filepath.Dir(dst)); len(entries) != 1 {
		t.Errorf("the backup left files beside it: %v", entries)
	}
	// The store goes on after the backup; the copy keeps the moment it
	// was taken.
	if _, err := s.GrantRole(ctx, numsync.RoleGrant{Principal: "ann@contoso.com", Role: numsync.RoleTeamsAdmin}); err != nil {
		t.Fatal(err)
	}
	b, err := OpenExisting(ctx, dst)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if err := b.Check(ctx, false); err != nil {
		t.Fatal(err)
	}
	want, got := tenant(t, s), tenant(t, b)
	if got.Revision != 3 || len(got.Numbers) != len(want.Numbers) || len(holdings(got)) != 2 {
		t.Errorf("backup at revision %d with %d numbers and %v, want revision 3 like the store had", got.Revision, len(got.Numbers), holdings(got))
	}
	if g, _ := b.RoleGrants(ctx); len(g) != 0 {
		t.Errorf("the backup has grants made after it: %v", g)
	}
}

func TestBackupOfADamagedStoreIsNotKept(t *testing.T) {
	ctx := context.Background()
	s, err := OpenExisting(ctx, damagedStore(t))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	dst := filepath.Join(t.TempDir(), "backup.db")
	var de *DamagedError
	if err := s.Backup(ctx, dst); !errors.As(err, &de) {
		t.Errorf("backup of a damaged store: %v, want it refused as damaged", err)
	}
	if _, err := os.Stat(dst); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a damaged backup was kept at %s", dst)
	}
}
