package store

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/numsync/numsync"
	"github.com/numsync/numsync/internal/fakeclock"
)

func TestLock(t *testing.T) { bothEngines(t, testLock) }

func testLock(t *testing.T, e *testEngine) {
	ctx := context.Background()
	t.Run("SecondHandleIsRefusedWithTheHolder", func(t *testing.T) {
		s1, path := e.openTemp(t)
		s2 := openAt(t, path)
		l, err := s1.Lock(ctx, "ops@host1 pid 100", time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		_, err = s2.Lock(ctx, "ops@host2 pid 200", time.Hour)
		var le *numsync.LockedError
		if !errors.As(err, &le) || !errors.Is(err, numsync.ErrLocked) {
			t.Fatalf("second Lock = %v; want a *LockedError", err)
		}
		// A SQLite lock expires unless renewed; PostgreSQL's lasts as long
		// as its holder's session.
		wantExpires := le.Expires.Sub(le.Since) == time.Hour
		if e == pgTest {
			wantExpires = le.Expires.IsZero()
		}
		if le.Holder != "ops@host1 pid 100" || le.Since.IsZero() || !wantExpires {
			t.Errorf("LockedError = %+v", le)
		}
		if !strings.Contains(err.Error(), "ops@host1 pid 100") {
			t.Errorf("message %q does not name the holder", err)
		}
		if err := l.Renew(ctx); err != nil {
			t.Errorf("Renew: %v", err)
		}
		if err := l.Release(ctx); err != nil {
			t.Fatal(err)
		}
		l2, err := s2.Lock(ctx, "ops@host2 pid 200", time.Hour)
		if err != nil {
			t.Fatalf("Lock after release: %v", err)
		}
		// The first holder's late Release must not free the second's lock.
		if err := l.Release(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := s1.Lock(ctx, "ops@host1 pid 100", time.Hour); !errors.Is(err, numsync.ErrLocked) {
			t.Errorf("a stale Release freed someone else's lock: %v", err)
		}
		if err := l.Renew(ctx); !errors.Is(err, numsync.ErrLocked) {
			t.Errorf("Renew of a lock someone else holds = %v; want ErrLocked", err)
		}
		l2.Release(ctx)
	})
	t.Run("BadArguments", func(t *testing.T) {
		s, _ := e.openTemp(t)
		if _, err := s.Lock(ctx, "", time.Hour); err == nil {
			t.Error("lock without holder taken")
		}
		if _, err := s.Lock(ctx, "x", 0); err == nil {
			t.Error("lock with zero ttl taken")
		}
	})
}

// TestSQLiteLockExpiresWhenNotRenewed: a SQLite lock is a row with an
// expiry, which a holder that stopped renewing gives up to the next taker.
func TestSQLiteLockExpiresWhenNotRenewed(t *testing.T) {
	ctx := context.Background()
	t.Run("ExpiresWhenNotRenewed", func(t *testing.T) {
		clock := fakeclock.New(time.Date(2026, 12, 3, 2, 0, 0, 0, time.UTC))
		s1, path := openTemp(t)
		s2 := openAt(t, path)
		s1.UseClock(clock)
		s2.UseClock(clock)
		l, err := s1.Lock(ctx, "stuck", time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		clock.Advance(59 * time.Second)
		if _, err := s2.Lock(ctx, "next", time.Hour); !errors.Is(err, numsync.ErrLocked) {
			t.Fatalf("Lock before the lease ran out = %v; want ErrLocked", err)
		}
		// A renewal pushes the expiry a whole ttl past the renewal.
		if err := l.Renew(ctx); err != nil {
			t.Fatal(err)
		}
		clock.Advance(59 * time.Second)
		if _, err := s2.Lock(ctx, "next", time.Hour); !errors.Is(err, numsync.ErrLocked) {
			t.Fatalf("Lock within the renewed lease = %v; want ErrLocked", err)
		}
		clock.Advance(time.Second)
		if _, err := s2.Lock(ctx, "next", time.Hour); err != nil {
			t.Fatalf("Lock after expiry: %v", err)
		}
		if err := l.Renew(ctx); !errors.Is(err, numsync.ErrLocked) {
			t.Errorf("Renew after being taken over = %v; want ErrLocked", err)
		}
	})
}

// lockHolderEnv makes the test binary a lock holder that waits to be killed.
const lockHolderEnv = "NUMSYNC_STORE_TEST_HOLD_LOCK"

func TestMain(m *testing.M) {
	if path := os.Getenv(lockHolderEnv); path != "" {
		holdLockUntilKilled(path)
		return
	}
	code := m.Run()
	pgServer.Stop()
	os.Exit(code)
}

func holdLockUntilKilled(path string) {
	ctx := context.Background()
	s, err := openTarget(ctx, path)
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
	if _, err := s.Lock(ctx, fmt.Sprintf("holder pid %d", os.Getpid()), time.Second); err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
	fmt.Println("locked")
	select {}
}

// lockedByChild takes the lock of the store at target in a child process
// and returns the child once it holds it.
func lockedByChild(t *testing.T, target string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), lockHolderEnv+"="+target)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, _ := bufio.NewReader(out).ReadString('\n')
	if strings.TrimSpace(line) != "locked" {
		cmd.Process.Kill()
		t.Fatalf("child said %q", line)
	}
	return cmd
}

// TestLockOfKilledProcessIsFreedWithItsSession takes the PostgreSQL
// writer lock in a real child process and SIGKILLs it: the lock is
// refused, naming the child, while it lives, and free as soon as the
// server has seen its connection drop, with no ttl to wait out (the
// child's ttl is a second, and this waits on the server, not the clock).
func TestLockOfKilledProcessIsFreedWithItsSession(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a PostgreSQL server")
	}
	ctx := context.Background()
	s, target := pgTest.openTemp(t)
	cmd := lockedByChild(t, target)
	_, err := s.Lock(ctx, "me", time.Hour)
	var le *numsync.LockedError
	if !errors.As(err, &le) || le.Holder != fmt.Sprintf("holder pid %d", cmd.Process.Pid) {
		t.Fatalf("Lock while the child holds it = %v; want the child named", err)
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	// The server ends the dead client's backend when it reads the closed
	// socket; wait for that backend to be gone, then the lock is free.
	for {
		var n int
		err := s.db.QueryRowContext(ctx, "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = ?", int64(writerLockKey&0xffffffff)).Scan(&n)
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	l, err := s.Lock(ctx, "me", time.Hour)
	if err != nil {
		t.Fatalf("Lock after the holder died: %v", err)
	}
	l.Release(ctx)
}

// TestLockOfKilledProcessExpires takes the lock in a real child process,
// SIGKILLs it, and shows the lock refusing others until its ttl passes.
func TestLockOfKilledProcessExpires(t *testing.T) {
	ctx := context.Background()
	s, path := openTemp(t)
	cmd := lockedByChild(t, path)
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	_, err := s.Lock(ctx, "me", time.Hour)
	var le *numsync.LockedError
	if !errors.As(err, &le) || le.Holder != fmt.Sprintf("holder pid %d", cmd.Process.Pid) {
		t.Fatalf("Lock right after the kill = %v; want the dead holder named", err)
	}
	// The dead holder's lease runs out on the clock it was taken by; this
	// store reads a clock set to that moment instead of sleeping till then.
	clock := fakeclock.New(le.Expires.Add(-time.Millisecond))
	s.UseClock(clock)
	if _, err := s.Lock(ctx, "me", time.Hour); !errors.Is(err, numsync.ErrLocked) {
		t.Fatalf("Lock just before the dead holder's ttl = %v; want ErrLocked", err)
	}
	clock.Set(le.Expires)
	l, err := s.Lock(ctx, "me", time.Hour)
	if err != nil {
		t.Fatalf("Lock after the dead holder's ttl: %v", err)
	}
	l.Release(ctx)
}
