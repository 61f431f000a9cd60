package ldapsync_test

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"text/template"
	"time"

	"github.com/numsync/numsync/internal/testpki"
)

// This file starts a real OpenLDAP slapd for the tests: a temporary
// slapd.conf with the AD test schema (testdata/ad.schema), two mdb
// databases loaded with slapadd before start, a size limit of 1000 entries
// per search that paged searches may exceed (as AD's MaxPageSize behaves),
// and ldap:// plus ldaps:// listeners on free loopback ports, with a CA
// generated here.

const installHint = "the LDAP tests need OpenLDAP's slapd and slapadd, and ldapsearch for the benchmark: apt-get install slapd ldap-utils"

// Credentials of the test directory. The bind account is an ordinary entry,
// not the rootdn, because slapd exempts the rootdn from size limits.
const (
	bindDN       = "cn=svc-numsync,ou=Service,dc=example,dc=com"
	bindPassword = "correct horse battery staple"
	secureBindDN = "cn=svc,dc=secure,dc=test"
	// writerDN may also write msRTCSIP-Line, as the account an admin lets
	// numsync clear lines with.
	writerDN = "cn=svc-line-writer,ou=Service,dc=example,dc=com"
)

// slapd is one running server.
type slapd struct {
	dir      string
	url      string // ldap://127.0.0.1:port
	ldapsURL string // ldaps://localhost:port
	caFile   string
	cmd      *exec.Cmd
	stderr   *bytes.Buffer
	exited   chan struct{}
}

// findTool looks for an OpenLDAP program in PATH and where distributions
// install it outside PATH for non-root users.
func findTool(name string) (string, error) {
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	for _, dir := range []string{"/usr/sbin", "/usr/local/sbin", "/usr/local/libexec", "/usr/libexec", "/opt/homebrew/opt/openldap/libexec"} {
		p := filepath.Join(dir, name)
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("%s not found: %s", name, installHint)
}

// moduleDir finds where back_mdb is installed as a module, or "" when
// slapd has it built in.
func moduleDir() string {
	for _, dir := range []string{"/usr/lib/ldap", "/usr/lib64/openldap", "/usr/lib/openldap", "/usr/libexec/openldap", "/usr/local/libexec/openldap"} {
		if m, _ := filepath.Glob(filepath.Join(dir, "back_mdb*")); len(m) > 0 {
			return dir
		}
	}
	return ""
}

// schemaDir finds the schema files of the installed OpenLDAP.
func schemaDir() (string, error) {
	for _, dir := range []string{"/etc/ldap/schema", "/etc/openldap/schema", "/usr/local/etc/openldap/schema"} {
		if _, err := os.Stat(filepath.Join(dir, "inetorgperson.schema")); err == nil {
			return dir, nil
		}
	}
	return "", fmt.Errorf("OpenLDAP schema files (inetorgperson.schema) not found: %s", installHint)
}

var confTemplate = template.Must(template.New("slapd.conf").Parse(`
include {{.Schema}}/core.schema
include {{.Schema}}/cosine.schema
include {{.Schema}}/inetorgperson.schema
include {{.ADSchema}}
pidfile {{.Dir}}/slapd.pid
argsfile {{.Dir}}/slapd.args
{{if .Modules}}modulepath {{.Modules}}
moduleload back_mdb
{{end}}
TLSCACertificateFile {{.Dir}}/ca.pem
TLSCertificateFile {{.Dir}}/server.pem
TLSCertificateKeyFile {{.Dir}}/server-key.pem
# As AD: at most 1000 entries per search, pages of at most 1000, no limit
# on the whole of a paged search.
sizelimit size.soft=1000 size.hard=1000 size.pr=1000 size.prtotal=unlimited

database mdb
maxsize 2147483648
suffix "dc=example,dc=com"
directory {{.Dir}}/example
index objectClass eq
access to attrs=userPassword by anonymous auth by * none
access to attrs=msRTCSIP-Line by dn.exact="{{.Writer}}" write by users read by * none
access to * by users read by * none

# A database whose accounts may only bind over TLS, as a DC requiring
# LDAP signing does.
database mdb
maxsize 104857600
suffix "dc=secure,dc=test"
directory {{.Dir}}/secure
security simple_bind=128
access to attrs=userPassword by anonymous auth by * none
access to * by users read by * none
`))

// startSlapd writes the config and data into dir, loads users users with
// slapadd and starts slapd. Call stop (or kill) when done.
func startSlapd(dir string, users int) (*slapd, error) {
	slapdBin, err := findTool("slapd")
	if err != nil {
		return nil, err
	}
	slapadd, err := findTool("slapadd")
	if err != nil {
		return nil, err
	}
	schema, err := schemaDir()
	if err != nil {
		return nil, err
	}
	adSchema, err := filepath.Abs("testdata/ad.schema")
	if err != nil {
		return nil, err
	}
	for _, d := range []string{"example", "secure"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o700); err != nil {
			return nil, err
		}
	}
	pki, err := testpki.New("localhost", "127.0.0.1")
	if err != nil {
		return nil, err
	}
	if err := pki.WriteFiles(dir); err != nil {
		return nil, err
	}
	conf := filepath.Join(dir, "slapd.conf")
	var b bytes.Buffer
	if err := confTemplate.Execute(&b, map[string]string{"Schema": schema, "ADSchema": adSchema, "Dir": dir, "Modules": moduleDir(), "Writer": writerDN}); err != nil {
		return nil, err
	}
	if err := os.WriteFile(conf, b.Bytes(), 0o600); err != nil {
		return nil, err
	}
	loads := map[string][]byte{
		"dc=example,dc=com": encodeLDIF(exampleTree(users)),
		"dc=secure,dc=test": encodeLDIF(secureTree()),
	}
	for suffix, data := range loads {
		file := filepath.Join(dir, strings.ReplaceAll(suffix, ",", "_")+".ldif")
		if err := os.WriteFile(file, data, 0o600); err != nil {
			return nil, err
		}
		out, err := exec.Command(slapadd, "-q", "-f", conf, "-b", suffix, "-l", file).CombinedOutput()
		if err != nil {
			return nil, fmt.Errorf("slapadd %s: %v\n%s", suffix, err, out)
		}
	}

	port, sport := freePort(), freePort()
	if port == 0 || sport == 0 {
		return nil, fmt.Errorf("no free loopback port")
	}
	s := &slapd{
		dir:      dir,
		url:      fmt.Sprintf("ldap://127.0.0.1:%d", port),
		ldapsURL: fmt.Sprintf("ldaps://localhost:%d", sport),
		caFile:   filepath.Join(dir, "ca.pem"),
		stderr:   &bytes.Buffer{},
		exited:   make(chan struct{}),
	}
	// -d keeps slapd in the foreground, where the test can stop or kill it.
	s.cmd = exec.Command(slapdBin, "-f", conf, "-h", s.url+"/ "+fmt.Sprintf("ldaps://127.0.0.1:%d/", sport), "-d", "0")
	s.cmd.Stderr = &syncWriter{w: s.stderr}
	s.cmd.Stdout = s.cmd.Stderr
	dieWithTest(s.cmd)
	if err := s.cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting slapd: %v", err)
	}
	go func() {
		_ = s.cmd.Wait()
		close(s.exited)
	}()
	deadline := time.Now().Add(15 * time.Second)
	for _, p := range []int{port, sport} {
		for {
			c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", p), time.Second)
			if err == nil {
				c.Close()
				break
			}
			select {
			case <-s.exited:
				return nil, fmt.Errorf("slapd exited at start: %s", s.stderr)
			case <-time.After(20 * time.Millisecond):
			}
			if time.Now().After(deadline) {
				s.kill()
				return nil, fmt.Errorf("slapd did not listen on port %d within 15s: %s", p, s.stderr)
			}
		}
	}
	return s, nil
}

// stop ends slapd cleanly.
func (s *slapd) stop() {
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
	case <-time.After(10 * time.Second):
		s.kill()
	}
}

// kill ends slapd at once, as a crash or a pulled cable would.
func (s *slapd) kill() {
	_ = s.cmd.Process.Kill()
	<-s.exited
}

// freePort asks the kernel for a free loopback port. slapd binds it a
// moment later; another process taking it in between would make slapd fail
// to start, which startSlapd reports.
func freePort() int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// syncWriter lets slapd's output be read while slapd writes it.
type syncWriter struct {
	mu sync.Mutex
	w  *bytes.Buffer
}

func (w *syncWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.w.Write(p)
}

// sharedUsers is the size of the directory most tests read: several pages
// and several times the server's size limit.
const sharedUsers = 4000

// lazyServer is a server started on first use and stopped by TestMain.
type lazyServer struct {
	once sync.Once
	s    *slapd
	err  error
}

// lazyServers holds one server per directory size.
var lazyServers = map[int]*lazyServer{sharedUsers: {}, benchUsers: {}}

// sharedServer returns the server with users users, starting it on first
// use. Tests must not stop or kill it.
func sharedServer(tb testing.TB) *slapd { return lazyStart(tb, sharedUsers) }

func lazyStart(tb testing.TB, users int) *slapd {
	tb.Helper()
	skipShort(tb)
	l := lazyServers[users]
	l.once.Do(func() {
		dir, err := os.MkdirTemp("", "numsync-slapd-")
		if err != nil {
			l.err = err
			return
		}
		l.s, l.err = startSlapd(dir, users)
	})
	if l.err != nil {
		tb.Fatal(l.err)
	}
	return l.s
}

// skipShort skips a test that needs a slapd under go test -short, the
// contributors' quick loop; scripts/test runs it.
func skipShort(tb testing.TB) {
	if testing.Short() {
		tb.Skip("starts slapd; runs without -short (scripts/test)")
	}
}

// ownServer starts a server the test may kill.
func ownServer(tb testing.TB, users int) *slapd {
	tb.Helper()
	skipShort(tb)
	s, err := startSlapd(tb.TempDir(), users)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(s.stop)
	return s
}

func TestMain(m *testing.M) {
	code := m.Run()
	for _, l := range lazyServers {
		if l.s != nil {
			l.s.stop()
			os.RemoveAll(l.s.dir)
		}
	}
	os.Exit(code)
}
