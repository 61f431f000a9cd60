package notify_test

import (
	"crypto/tls"
	"errors"
	"io"
	"log"
	"net"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/numsync/numsync/internal/testpki"
)

// mailServer is a real SMTP server on loopback (emersion/go-smtp) that keeps
// what it receives, with knobs for the ways real servers say no.
type mailServer struct {
	host   string
	port   int
	caFile string // PEM of the CA that signed the server's certificate

	user, pass string // AUTH PLAIN required when user is set

	mu        sync.Mutex
	got       []received
	reject    map[string]*smtp.SMTPError // by recipient
	conns     int
	dropAfter int                // close a connection when it would carry more messages than this
	loseReply map[string]bool    // recipients whose message is kept but the connection closes before the reply
	onData    func(got received) // called after a message is kept
}

type received struct {
	From, To string
	Data     []byte
	TLS      bool
	User     string
}

type serverOptions struct {
	noTLS      bool
	user, pass string
}

func startServer(t testing.TB, o serverOptions) *mailServer {
	t.Helper()
	ms := &mailServer{user: o.user, pass: o.pass, reject: map[string]*smtp.SMTPError{}, loseReply: map[string]bool{}}
	srv := smtp.NewServer(smtp.BackendFunc(ms.newSession))
	srv.Domain = "mail.test"
	srv.ReadTimeout = 10 * time.Second
	srv.WriteTimeout = 10 * time.Second
	srv.ErrorLog = log.New(io.Discard, "", 0)
	if !o.noTLS {
		// The certificate names 127.0.0.1 only, no host name.
		pki, err := testpki.New("127.0.0.1")
		if err != nil {
			t.Fatal(err)
		}
		ms.caFile = filepath.Join(t.TempDir(), "ca.pem")
		if err := os.WriteFile(ms.caFile, pki.CAPEM, 0o644); err != nil {
			t.Fatal(err)
		}
		srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{pki.Server}}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen on loopback: %v", err)
	}
	go srv.Serve(countingListener{ln, ms})
	t.Cleanup(func() { srv.Close() })
	ms.host = "127.0.0.1"
	ms.port = ln.Addr().(*net.TCPAddr).Port
	return ms
}

func (ms *mailServer) newSession(c *smtp.Conn) (smtp.Session, error) {
	return &serverSession{ms: ms, conn: c}, nil
}

// countingListener counts connections: sessions are no measure, as the
// server starts a new one after STARTTLS.
type countingListener struct {
	net.Listener
	ms *mailServer
}

func (l countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil {
		l.ms.mu.Lock()
		l.ms.conns++
		l.ms.mu.Unlock()
	}
	return c, err
}

func (ms *mailServer) setReject(rcpt string, e *smtp.SMTPError) {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	if e == nil {
		delete(ms.reject, rcpt)
	} else {
		ms.reject[rcpt] = e
	}
}

func (ms *mailServer) received() []received {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	return append([]received(nil), ms.got...)
}

func (ms *mailServer) connections() int {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	return ms.conns
}

type serverSession struct {
	ms       *mailServer
	conn     *smtp.Conn
	user     string
	from, to string
	carried  int
}

func (s *serverSession) AuthMechanisms() []string {
	if s.ms.user == "" {
		return nil
	}
	return []string{sasl.Plain}
}

func (s *serverSession) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if user != s.ms.user || pass != s.ms.pass {
			return smtp.ErrAuthFailed
		}
		s.user = user
		return nil
	}), nil
}

func (s *serverSession) Mail(from string, _ *smtp.MailOptions) error {
	if s.ms.user != "" && s.user == "" {
		return smtp.ErrAuthRequired
	}
	s.ms.mu.Lock()
	drop := s.ms.dropAfter > 0 && s.carried >= s.ms.dropAfter
	s.ms.mu.Unlock()
	if drop {
		s.conn.Conn().Close()
		return errors.New("connection dropped by the test")
	}
	s.from = from
	return nil
}

func (s *serverSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.ms.mu.Lock()
	defer s.ms.mu.Unlock()
	if e := s.ms.reject[to]; e != nil {
		return e
	}
	s.to = to
	return nil
}

func (s *serverSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	_, isTLS := s.conn.TLSConnectionState()
	got := received{From: s.from, To: s.to, Data: b, TLS: isTLS, User: s.user}
	s.ms.mu.Lock()
	s.ms.got = append(s.ms.got, got)
	hook, lose := s.ms.onData, s.ms.loseReply[s.to]
	s.ms.mu.Unlock()
	if lose {
		s.conn.Conn().Close()
		return errors.New("reply lost by the test")
	}
	s.carried++
	if hook != nil {
		hook(got)
	}
	return nil
}

func (s *serverSession) Reset()        { s.from, s.to = "", "" }
func (s *serverSession) Logout() error { return nil }
