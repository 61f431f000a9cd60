// Package pgtest starts a throwaway PostgreSQL cluster for the tests of the
// store and of the command line: initdb into a temporary directory, a
// server on a free loopback port with TLS (a certificate of a CA made here)
// and password authentication, one new database per test, and the server
// stopped and its files removed at the end. Only tests and the benchmark
// script's server (scripts/pgserver) import it.
//
// PostgreSQL refuses to run as root, so as root the cluster belongs to the
// unprivileged user nobody.
package pgtest

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver

	"github.com/numsync/numsync/internal/testpki"
)

// InstallHint says how to get the server programs.
const InstallHint = "the PostgreSQL tests need initdb and postgres: apt-get install postgresql (or set NUMSYNC_PG_BIN to the directory that holds them)"

// User and Password are the cluster's superuser, which the tests connect as.
const (
	User     = "numsync"
	Password = "pg test password"
)

// Server is one running cluster.
type Server struct {
	dir    string
	Port   int
	CAFile string // the CA that signed the server certificate
	cmd    *exec.Cmd
	log    *syncBuffer
	exited chan struct{}

	mu  sync.Mutex
	dbs int
}

// binDir finds initdb and postgres: NUMSYNC_PG_BIN, PATH, or Debian's
// versioned directories (newest first).
func binDir() (string, error) {
	if d := os.Getenv("NUMSYNC_PG_BIN"); d != "" {
		return d, nil
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		return filepath.Dir(p), nil
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool {
		vi, _ := strconv.Atoi(filepath.Base(filepath.Dir(dirs[i])))
		vj, _ := strconv.Atoi(filepath.Base(filepath.Dir(dirs[j])))
		return vi > vj
	})
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "postgres")); err == nil {
			return d, nil
		}
	}
	return "", errors.New("initdb not found: " + InstallHint)
}

// Start makes a cluster in a new temporary directory and starts it. A
// durable cluster syncs its commits to disk (for benchmarks, which compare
// it with a SQLite store that does); otherwise it does not, since it dies
// with the tests.
func Start(durable bool) (*Server, error) {
	bin, err := binDir()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "numsync-pg-")
	if err != nil {
		return nil, err
	}
	s, err := start(bin, dir, durable)
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	return s, nil
}

func start(bin, dir string, durable bool) (*Server, error) {
	cred, err := runAs()
	if err != nil {
		return nil, err
	}
	data := filepath.Join(dir, "data")
	pwfile := filepath.Join(dir, "pwfile")
	if err := os.WriteFile(pwfile, []byte(Password+"\n"), 0o600); err != nil {
		return nil, err
	}
	pki, err := testpki.New("localhost", "127.0.0.1")
	if err != nil {
		return nil, err
	}
	if err := pki.WriteFiles(dir); err != nil {
		return nil, err
	}
	if cred != nil {
		if err := chownAll(dir, int(cred.Uid), int(cred.Gid)); err != nil {
			return nil, err
		}
	}
	initdb := exec.Command(filepath.Join(bin, "initdb"), "-D", data, "-U", User, "--pwfile", pwfile,
		"--auth-host=scram-sha-256", "--auth-local=reject", "-E", "UTF8", "--locale=C", "--no-sync")
	initdb.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	if out, err := initdb.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("initdb: %v\n%s", err, out)
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	s := &Server{dir: dir, Port: port, CAFile: filepath.Join(dir, "ca.pem"), log: &syncBuffer{}, exited: make(chan struct{})}
	// In the foreground, where the tests can stop or kill it.
	s.cmd = exec.Command(filepath.Join(bin, "postgres"), "-D", data, "-p", strconv.Itoa(port),
		"-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=",
		"-c", "ssl=on", "-c", "ssl_cert_file="+filepath.Join(dir, "server.pem"), "-c", "ssl_key_file="+filepath.Join(dir, "server-key.pem"),
		"-c", "fsync="+map[bool]string{true: "on", false: "off"}[durable], "-c", "max_connections=200")
	s.cmd.Stdout, s.cmd.Stderr = s.log, s.log
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred, Pdeathsig: syscall.SIGKILL}
	if err := s.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start postgres: %v", err)
	}
	go func() {
		_ = s.cmd.Wait()
		close(s.exited)
	}()
	if err := s.waitReady(); err != nil {
		s.Stop()
		return nil, err
	}
	return s, nil
}

// waitReady waits until the server accepts a login.
func (s *Server) waitReady() error {
	deadline := time.Now().Add(30 * time.Second)
	for {
		db, err := s.open("postgres")
		if err == nil {
			err = db.Ping()
			db.Close()
		}
		if err == nil {
			return nil
		}
		select {
		case <-s.exited:
			return fmt.Errorf("postgres exited at start: %s", s.log)
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("postgres did not accept a login within 30s (%v): %s", err, s.log)
		}
	}
}

// URL is the address of database db, verified TLS, without the password.
func (s *Server) URL(db string) string {
	u := url.URL{Scheme: "postgres", User: url.User(User), Host: net.JoinHostPort("localhost", strconv.Itoa(s.Port)), Path: "/" + db}
	u.RawQuery = url.Values{"sslmode": {"verify-full"}, "sslrootcert": {s.CAFile}}.Encode()
	return u.String()
}

func (s *Server) open(db string) (*sql.DB, error) {
	u, err := url.Parse(s.URL(db))
	if err != nil {
		return nil, err
	}
	u.User = url.UserPassword(User, Password)
	return sql.Open("pgx", u.String())
}

// NewDatabase creates an empty database and returns its name.
func (s *Server) NewDatabase(ctx context.Context) (string, error) {
	s.mu.Lock()
	s.dbs++
	name := "numsync_" + strconv.Itoa(s.dbs)
	s.mu.Unlock()
	db, err := s.open("postgres")
	if err != nil {
		return "", err
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		return "", fmt.Errorf("create database %s: %w", name, err)
	}
	return name, nil
}

// Stop ends the server (a fast shutdown) and removes its files.
func (s *Server) Stop() {
	_ = s.cmd.Process.Signal(syscall.SIGINT)
	select {
	case <-s.exited:
	case <-time.After(20 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.exited
	}
	os.RemoveAll(s.dir)
}

// Shared is a cluster started on first use and stopped by [Shared.Stop],
// which a TestMain calls.
type Shared struct {
	once sync.Once
	s    *Server
	err  error
}

// Server returns the shared cluster, starting it on first use.
func (sh *Shared) Server() (*Server, error) {
	sh.once.Do(func() { sh.s, sh.err = Start(false) })
	return sh.s, sh.err
}

// NewURL creates a database in the shared cluster and returns its URL.
func (sh *Shared) NewURL(ctx context.Context) (string, error) {
	s, err := sh.Server()
	if err != nil {
		return "", err
	}
	name, err := s.NewDatabase(ctx)
	if err != nil {
		return "", err
	}
	return s.URL(name), nil
}

// Stop stops the cluster if it was started.
func (sh *Shared) Stop() {
	if sh.s != nil {
		sh.s.Stop()
	}
}

// NewDatabase is [Shared.NewURL], failing tb on error.
func (sh *Shared) NewDatabase(tb testing.TB) string {
	tb.Helper()
	u, err := sh.NewURL(context.Background())
	if err != nil {
		tb.Fatal(err)
	}
	return u
}

// runAs is the credential the cluster runs under: nil unless we are root.
func runAs() (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup("nobody")
	if err != nil {
		return nil, fmt.Errorf("PostgreSQL cannot run as root, and there is no user nobody to run it as: %w", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}

func chownAll(dir string, uid, gid int) error {
	return filepath.Walk(dir, func(p string, _ os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		return os.Chown(p, uid, gid)
	})
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("no free loopback port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// syncBuffer lets the server's output be read while it writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (w *syncBuffer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func (w *syncBuffer) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}
