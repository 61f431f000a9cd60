package notify

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/mail"
	"net/smtp"
	"net/textproto"
	"os"
	"time"

	"go.uber.org/zap"

	"github.com/numsync/numsync"
)

// Result says what one [Send] did. It is meaningful even when Send returns
// an error: messages counted in Sent were delivered and recorded.
type Result struct {
	Sent     int       // accepted by the server and marked sent in the store
	Failed   int       // tried and not delivered: len(Failures); they stay in the outbox
	Skipped  int       // not tried, because the run was stopped or the server was unreachable
	Failures []Failure // in outbox order
}

// Failure is a message the server did not take. It stays in the outbox and
// is tried again by the next [Send].
type Failure struct {
	ID    int64
	RunID string
	UPN   string
	To    string
	// Permanent is set when the server refused with a 5xx reply (unknown
	// mailbox, policy): trying again unchanged will likely fail again, so a
	// person should look at the address.
	Permanent bool
	Err       error
}

func (f Failure) Error() string {
	return fmt.Sprintf("notification %d to %s (%s): %v", f.ID, f.To, f.UPN, f.Err)
}

// Unwrap returns the SMTP or network error, so that errors.As finds a
// *textproto.Error with the server's reply code.
func (f Failure) Unwrap() error { return f.Err }

// Outbox is the part of [numsync.Store] that Send uses: the messages
// waiting, and the record that one was sent.
type Outbox interface {
	Outbox(ctx context.Context, after int64, limit int) ([]numsync.Message, error)
	OutboxLen(ctx context.Context) (int, error)
	MarkSent(ctx context.Context, id int64, at time.Time) error
}

var _ Outbox = numsync.Store(nil)

// Send delivers the store's outbox over SMTP, one connection for the whole
// batch. Each message is marked sent the moment the server has accepted its
// DATA, so a crash can deliver twice at most the one message in flight.
//
// A message the server refuses (a 4xx or 5xx reply to MAIL, RCPT or DATA)
// is reported in [Result.Failures] and the others go on. A broken
// connection is opened again; a message that broke it before its data was
// complete is tried once more on the new connection. If the server cannot
// be reached, or refuses the session (TLS, authentication), Send stops and
// returns the error, counting the messages it did not try in
// [Result.Skipped]; they stay in the outbox.
//
// Cancelling ctx (the first SIGTERM) stops Send between messages; the one in
// flight is finished, within cfg.Timeout, and recorded. Send must run while
// the caller holds the store's writer lock, so that two runs never send the
// same outbox at once.
func Send(ctx context.Context, st Outbox, cfg Config, log *zap.Logger) (Result, error) {
	var res Result
	if err := cfg.Validate(); err != nil {
		return res, err
	}
	total, err := st.OutboxLen(ctx)
	if err != nil {
		return res, fmt.Errorf("send notifications: %w", err)
	}
	if total == 0 {
		return res, nil
	}
	log = log.With(zap.String("smtp", cfg.addr()))
	d, err := newDialer(cfg, log)
	if err != nil {
		return res, err
	}
	s := &session{dialer: d}
	defer s.quit()

	// The store outlives a cancelled ctx: a message the server accepted must
	// be recorded even when the stop signal came while it was in flight.
	record := context.WithoutCancel(ctx)
	// The outbox is read a page at a time: a migration queues a message per
	// number, and their bodies need not all be in memory at once.
	var page []numsync.Message
	var after int64
	left := func(done int) int { return max(total-done, 0) }
	for tried := 0; ; tried++ {
		if len(page) == 0 {
			if page, err = st.Outbox(record, after, outboxPage); err != nil {
				res.Skipped = left(tried)
				return res, fmt.Errorf("send notifications: %w", err)
			}
			if len(page) == 0 {
				break
			}
		}
		m := page[0]
		page, after = page[1:], m.ID
		if err := ctx.Err(); err != nil {
			res.Skipped = left(tried)
			return res, fmt.Errorf("send notifications: stopped with %d left in the outbox: %w", res.Skipped, err)
		}
		err := s.deliver(ctx, &m)
		var down *connectError
		if errors.As(err, &down) {
			res.Skipped = left(tried)
			return res, err
		}
		if err != nil {
			f := Failure{ID: m.ID, RunID: m.RunID, UPN: m.UPN, To: m.To, Permanent: permanent(err), Err: err}
			res.Failures = append(res.Failures, f)
			res.Failed++
			log.Warn("notification not delivered", zap.Int64("id", m.ID), zap.String("run", m.RunID),
				zap.String("upn", m.UPN), zap.String("to", m.To), zap.Bool("permanent", f.Permanent), zap.Error(err))
			continue
		}
		if err := st.MarkSent(record, m.ID, time.Now()); err != nil {
			res.Skipped = left(tried + 1)
			return res, fmt.Errorf("notification %d to %s was delivered but not recorded, so the next run sends it again: %w", m.ID, m.To, err)
		}
		res.Sent++
		log.Debug("notification sent", zap.Int64("id", m.ID), zap.String("run", m.RunID),
			zap.String("upn", m.UPN), zap.String("to", m.To))
	}
	log.Info("notifications sent", zap.Int("sent", res.Sent), zap.Int("failed", res.Failed))
	return res, nil
}

// outboxPage is how many messages [Send] reads from the outbox at a time.
const outboxPage = 256

// Check connects to the server as [Send] would (STARTTLS, certificate,
// AUTH) and says goodbye without sending anything, for `numsync config
// check`.
func Check(ctx context.Context, cfg Config, log *zap.Logger) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	d, err := newDialer(cfg, log.With(zap.String("smtp", cfg.addr())))
	if err != nil {
		return err
	}
	c, _, err := d.dial(ctx)
	if err != nil {
		return err
	}
	if err := c.Quit(); err != nil {
		c.Close()
		return fmt.Errorf("smtp %s: QUIT: %w", cfg.addr(), err)
	}
	return nil
}

// connectError is a failure to open a usable session: the same would happen
// to every message, so Send stops.
type connectError struct {
	addr string
	err  error
}

func (e *connectError) Error() string { return fmt.Sprintf("smtp %s: %v", e.addr, e.err) }
func (e *connectError) Unwrap() error { return e.err }

// dialer opens authenticated, verified sessions with one server.
type dialer struct {
	cfg   Config
	addr  string
	hello string
	tls   *tls.Config // nil when STARTTLS is off
	auth  smtp.Auth
	log   *zap.Logger
}

func newDialer(cfg Config, log *zap.Logger) (*dialer, error) {
	d := &dialer{cfg: cfg, addr: cfg.addr(), hello: "localhost", log: log}
	// Some servers refuse EHLO localhost from a remote peer; our own name is
	// what RFC 5321 asks for.
	if h, err := os.Hostname(); err == nil && h != "" {
		d.hello = h
	}
	if cfg.startTLS() {
		tc, err := cfg.tlsConfig()
		if err != nil {
			return nil, err
		}
		d.tls = tc
	} else {
		log.Warn("smtp starttls is off: notifications and their recipients go to the server unencrypted",
			zap.Bool("loopback", loopback(cfg.Host)))
	}
	auth, err := cfg.auth(log)
	if err != nil {
		return nil, err
	}
	d.auth = auth
	return d, nil
}

// dial opens a session ready for MAIL FROM.
func (d *dialer) dial(ctx context.Context) (*smtp.Client, net.Conn, error) {
	fail := func(err error) (*smtp.Client, net.Conn, error) {
		return nil, nil, &connectError{addr: d.addr, err: err}
	}
	nd := net.Dialer{Timeout: d.cfg.timeout()}
	conn, err := nd.DialContext(ctx, "tcp", d.addr)
	if err != nil {
		return fail(err)
	}
	conn.SetDeadline(time.Now().Add(d.cfg.timeout()))
	c, err := smtp.NewClient(conn, d.cfg.Host)
	if err != nil {
		conn.Close()
		return fail(fmt.Errorf("greeting: %w", err))
	}
	step := func(what string, err error) (*smtp.Client, net.Conn, error) {
		c.Close()
		return fail(fmt.Errorf("%s: %w", what, err))
	}
	if err := c.Hello(d.hello); err != nil {
		return step("EHLO", err)
	}
	if d.tls != nil {
		if ok, _ := c.Extension("STARTTLS"); !ok {
			return step("STARTTLS", errors.New("the server does not offer it; set smtp starttls: false only for a relay on this host"))
		}
		if err := c.StartTLS(d.tls); err != nil {
			return step("STARTTLS", err)
		}
	}
	if d.auth != nil {
		if ok, _ := c.Extension("AUTH"); !ok {
			return step("AUTH", errors.New("the server does not offer authentication; drop smtp username if it is an open relay for this host"))
		}
		if err := c.Auth(d.auth); err != nil {
			return step("AUTH PLAIN as "+d.cfg.Username, err)
		}
	}
	d.log.Debug("smtp session open", zap.Bool("tls", d.tls != nil), zap.Bool("auth", d.auth != nil))
	return c, conn, nil
}

// session is the batch's connection, opened on first use and again after
// it broke.
type session struct {
	*dialer
	c    *smtp.Client
	conn net.Conn
	used bool // a message has gone through this connection
}

// deliver sends one message. An error is a *connectError (no session could
// be opened) or the reason the server did not take the message.
func (s *session) deliver(ctx context.Context, m *numsync.Message) error {
	from, err := s.envelopeFrom(m)
	if err != nil {
		return err
	}
	for {
		if s.c == nil {
			if s.c, s.conn, err = s.dial(ctx); err != nil {
				return err
			}
			s.used = false
		}
		retry := s.used
		complete, err := s.transact(from, m)
		if err == nil {
			s.used = true
			return nil
		}
		if !broken(err) {
			// The server said no to this message but the session is fine;
			// RSET so that the next message starts clean.
			if s.c.Reset() != nil {
				s.drop()
			}
			return err
		}
		s.drop()
		// A connection that carried earlier messages may just have been
		// closed by the server (idle or per-connection limits). Once the
		// data is complete the server may have the message, and sending it
		// again could deliver it twice: leave that to the next run.
		if !retry || complete {
			return err
		}
		s.log.Info("smtp connection lost; reconnecting", zap.Error(err))
	}
}

// transact runs one SMTP mail transaction. complete reports whether the
// whole message reached the server (the final dot was written), after which
// an error leaves it unknown whether the server kept it.
func (s *session) transact(from string, m *numsync.Message) (complete bool, err error) {
	s.conn.SetDeadline(time.Now().Add(s.cfg.timeout()))
	if err := s.c.Mail(from); err != nil {
		return false, fmt.Errorf("MAIL FROM:<%s>: %w", from, err)
	}
	if err := s.c.Rcpt(m.To); err != nil {
		return false, fmt.Errorf("RCPT TO:<%s>: %w", m.To, err)
	}
	w, err := s.c.Data()
	if err != nil {
		return false, fmt.Errorf("DATA: %w", err)
	}
	if _, err := w.Write(m.Raw); err != nil {
		w.Close()
		return false, fmt.Errorf("DATA: %w", err)
	}
	if err := w.Close(); err != nil {
		if broken(err) {
			return true, fmt.Errorf("end of DATA, the server may have kept the message and the next run sends it again: %w", err)
		}
		return true, fmt.Errorf("end of DATA: %w", err)
	}
	return true, nil
}

// envelopeFrom is the configured sender or else the message's From.
func (s *session) envelopeFrom(m *numsync.Message) (string, error) {
	if from := s.cfg.envelopeFrom(); from != "" {
		return from, nil
	}
	hdr, err := mail.ReadMessage(bytes.NewReader(m.Raw))
	if err != nil {
		return "", fmt.Errorf("no smtp from configured and the message cannot be read: %w", err)
	}
	a, err := mail.ParseAddress(hdr.Header.Get("From"))
	if err != nil {
		return "", fmt.Errorf("no smtp from configured and the message's From header is not an address: %w", err)
	}
	return a.Address, nil
}

func (s *session) drop() {
	if s.c != nil {
		s.c.Close()
		s.c, s.conn = nil, nil
	}
}

func (s *session) quit() {
	if s.c != nil {
		s.conn.SetDeadline(time.Now().Add(s.cfg.timeout()))
		s.c.Quit()
		s.drop()
	}
}

// broken says whether err left the connection unusable: anything but a
// reply of the server, and the reply 421 with which a server closes.
func broken(err error) bool {
	var reply *textproto.Error
	return !errors.As(err, &reply) || reply.Code == 421
}

// permanent says whether the server refused for good (a 5xx reply).
func permanent(err error) bool {
	var reply *textproto.Error
	return errors.As(err, &reply) && reply.Code >= 500 && reply.Code < 600
}
