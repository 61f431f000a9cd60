package notify_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/textproto"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/numsync/numsync"
	"github.com/numsync/numsync/internal/testpki"
	"github.com/numsync/numsync/notify"
	"github.com/numsync/numsync/store"
)

const (
	smtpUser = "numsync@contoso.com"
	smtpPass = "s3cret-Pa55word!"
	passEnv  = "NUMSYNC_TEST_SMTP_PASSWORD"
)

// The users whose new numbers are announced, and the number each gets.
var people = []struct{ upn, mail, id, number string }{
	{"alice@contoso.com", "alice.smith@contoso.com", "11111111-aaaa-4aaa-8aaa-111111111111", "+14255550101"},
	{"bob@contoso.com", "bob.jones@contoso.com", "22222222-bbbb-4bbb-8bbb-222222222222", "+14255550102"},
	{"carol@contoso.com", "carol.white@contoso.com", "33333333-cccc-4ccc-8ccc-333333333333", "+14255550103"},
}

func openStore(t testing.TB, path string) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), path)
	if err != nil {
		t.Fatalf("open store %s: %v", path, err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// queued returns a store whose outbox holds one notification per person,
// queued by a real apply that assigns each their number.
func queued(t *testing.T) (*store.Store, string) {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "s.db")
	st := openStore(t, path)
	var users []numsync.User
	var recs []numsync.InventoryRecord
	var req numsync.ApplyRequest
	var msgs []numsync.Message
	for _, p := range people {
		users = append(users, numsync.User{
			UPN: p.upn, DisplayName: p.upn, Mail: p.mail, ObjectID: p.id, Kind: numsync.KindUser,
			UsageLocation: "US", Enabled: true, Source: "csv",
			Licenses: []numsync.License{numsync.LicenseCallingPlan, numsync.LicenseTeamsPhone},
		})
		n := numsync.Number{E164: p.number}
		recs = append(recs, numsync.InventoryRecord{InventoryNumber: numsync.InventoryNumber{
			Number: n, Type: numsync.CallingPlan, Country: "US", Capabilities: []numsync.Capability{numsync.CapUser},
			Source: numsync.SourceOnline,
		}})
		req.Ops = append(req.Ops, numsync.Op{
			Action: numsync.Assign, UPN: p.upn, Category: numsync.Primary, Notify: true,
			After: &numsync.Holding{Number: n, Type: numsync.CallingPlan},
		})
		msgs = append(msgs, numsync.Message{UPN: p.upn, To: p.mail, Raw: notice(p.mail, p.number)})
	}
	if _, err := st.ImportUsers(ctx, users, numsync.UserImportOptions{Source: "csv"}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.ImportNumbers(ctx, recs, nil); err != nil {
		t.Fatal(err)
	}
	rev, err := st.Revision(ctx)
	if err != nil {
		t.Fatal(err)
	}
	req.Revision, req.Actor, req.Counts = rev, "admin@contoso.com", numsync.Counts{Assign: len(people)}
	req.Messages = func() []numsync.Message { return msgs }
	if _, err := st.Apply(ctx, req); err != nil {
		t.Fatal(err)
	}
	return st, path
}

// notice is a notification as the planner writes it, with a line that
// starts with a dot to show that it survives SMTP's dot-stuffing.
func notice(to, number string) []byte {
	return []byte("From: Numsync <numsync@contoso.com>\r\n" +
		"To: " + to + "\r\n" +
		"Subject: Your Teams phone number\r\n" +
		"Message-ID: <" + number + "@contoso.com>\r\n" +
		"\r\n" +
		"Phone number: " + number + "\r\n" +
		". <- a line that starts with a dot\r\n")
}

func config(ms *mailServer) notify.Config {
	return notify.Config{
		Host: ms.host, Port: ms.port, CAFile: ms.caFile, Timeout: 10 * time.Second,
		Username: ms.user, PasswordEnv: passEnvIf(ms.user),
	}
}

func passEnvIf(user string) string {
	if user == "" {
		return ""
	}
	return passEnv
}

func authServer(t testing.TB) *mailServer {
	t.Setenv(passEnv, smtpPass)
	return startServer(t, serverOptions{user: smtpUser, pass: smtpPass})
}

// deliveredOnce checks that the server got each person's notice exactly
// once, over TLS and authenticated when the server asks for it.
func deliveredOnce(t *testing.T, ms *mailServer) {
	t.Helper()
	got := ms.received()
	count := map[string]int{}
	for _, r := range got {
		count[r.To]++
	}
	for _, p := range people {
		if count[p.mail] != 1 {
			t.Errorf("%s got %d notifications; want exactly 1", p.mail, count[p.mail])
		}
	}
	if len(got) != len(people) {
		t.Errorf("server got %d messages; want %d", len(got), len(people))
	}
	for _, r := range got {
		for _, p := range people {
			if r.To != p.mail {
				continue
			}
			if !bytes.Equal(r.Data, notice(p.mail, p.number)) {
				t.Errorf("message to %s arrived as\n%s\nwant\n%s", r.To, r.Data, notice(p.mail, p.number))
			}
			if !bytes.Contains(r.Data, []byte(p.number)) {
				t.Errorf("message to %s does not carry the new number %s", r.To, p.number)
			}
		}
		if ms.caFile != "" && !r.TLS {
			t.Errorf("message to %s went without TLS", r.To)
		}
		if r.User != ms.user {
			t.Errorf("message to %s sent as user %q; want %q", r.To, r.User, ms.user)
		}
	}
}

func outboxUPNs(t *testing.T, st numsync.Store) []string {
	t.Helper()
	msgs, err := st.Outbox(context.Background(), 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	var upns []string
	for _, m := range msgs {
		upns = append(upns, m.UPN)
	}
	return upns
}

func TestDeliversEachNotificationOnce(t *testing.T) {
	ctx := context.Background()
	ms := authServer(t)
	st, _ := queued(t)
	cfg := config(ms)

	res, err := notify.Send(ctx, st, cfg, zap.NewNop())
	if err != nil || res.Sent != len(people) || res.Failed != 0 || res.Skipped != 0 {
		t.Fatalf("Send = %+v, %v; want all %d sent", res, err, len(people))
	}
	deliveredOnce(t, ms)
	for _, r := range ms.received() {
		if r.From != "numsync@contoso.com" {
			t.Errorf("MAIL FROM %q; want the message's From address when smtp from is unset", r.From)
		}
	}
	if ms.connections() != 1 {
		t.Errorf("the batch used %d connections; want 1", ms.connections())
	}
	if left := outboxUPNs(t, st); len(left) != 0 {
		t.Errorf("outbox after sending: %v", left)
	}

	t.Run("SecondRunSendsNothing", func(t *testing.T) {
		res, err := notify.Send(ctx, st, cfg, zap.NewNop())
		if err != nil || res.Sent != 0 || res.Failed != 0 {
			t.Fatalf("second Send = %+v, %v; want nothing to do", res, err)
		}
		deliveredOnce(t, ms)
	})
}

func TestEnvelopeFromConfig(t *testing.T) {
	ms := authServer(t)
	st, _ := queued(t)
	cfg := config(ms)
	cfg.From = "Teams phone desk <phones@contoso.com>"
	if _, err := notify.Send(context.Background(), st, cfg, zap.NewNop()); err != nil {
		t.Fatal(err)
	}
	for _, r := range ms.received() {
		if r.From != "phones@contoso.com" {
			t.Errorf("MAIL FROM %q; want the configured phones@contoso.com", r.From)
		}
	}
}

func TestRefusedRecipientStaysInOutbox(t *testing.T) {
	for _, c := range []struct {
		name      string
		reply     *smtp.SMTPError
		permanent bool
	}{
		{"MailboxUnknown550", &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such mailbox"}, true},
		{"TryLater451", &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try again later"}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			ctx := context.Background()
			ms := authServer(t)
			st, path := queued(t)
			bob := people[1]
			ms.setReject(bob.mail, c.reply)

			res, err := notify.Send(ctx, st, config(ms), zap.NewNop())
			if err != nil {
				t.Fatalf("Send: %v", err)
			}
			if res.Sent != 2 || res.Failed != 1 || len(res.Failures) != 1 {
				t.Fatalf("Send = %+v; want 2 sent, bob failed", res)
			}
			f := res.Failures[0]
			var reply *textproto.Error
			if f.UPN != bob.upn || f.To != bob.mail || f.Permanent != c.permanent || !errors.As(f, &reply) || reply.Code != c.reply.Code {
				t.Errorf("failure = %+v (%v); want bob, permanent=%v, reply %d", f, f, c.permanent, c.reply.Code)
			}
			if !strings.Contains(f.Error(), bob.mail) || !strings.Contains(f.Error(), c.reply.Message) {
				t.Errorf("failure says %q; want the address and the server's reason", f.Error())
			}
			if got := outboxUPNs(t, st); len(got) != 1 || got[0] != bob.upn {
				t.Errorf("outbox = %v; want only bob's notice", got)
			}

			// The next run, from a restarted process, delivers bob's notice
			// once the server takes it, and nobody else's again.
			st.Close()
			st = openStore(t, path)
			ms.setReject(bob.mail, nil)
			res, err = notify.Send(ctx, st, config(ms), zap.NewNop())
			if err != nil || res.Sent != 1 || res.Failed != 0 {
				t.Fatalf("Send after the server recovered = %+v, %v; want bob's sent", res, err)
			}
			deliveredOnce(t, ms)
			if got := outboxUPNs(t, st); len(got) != 0 {
				t.Errorf("outbox = %v; want empty", got)
			}
		})
	}
}

func TestStopsBetweenMessagesAndResumesAfterRestart(t *testing.T) {
	ms := authServer(t)
	st, path := queued(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// SIGTERM arrives while the first message is with the server: that
	// message is finished and recorded, the rest wait for the next run.
	ms.onData = func(received) { cancel() }

	res, err := notify.Send(ctx, st, config(ms), zap.NewNop())
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Send with a stop signal = %v; want context.Canceled", err)
	}
	if res.Sent != 1 || res.Skipped != 2 || res.Failed != 0 {
		t.Fatalf("Send = %+v; want 1 sent, 2 skipped", res)
	}
	if got := outboxUPNs(t, st); len(got) != 2 {
		t.Fatalf("outbox = %v; want the two not sent", got)
	}

	st.Close()
	st = openStore(t, path)
	ms.onData = nil
	res, err = notify.Send(context.Background(), st, config(ms), zap.NewNop())
	if err != nil || res.Sent != 2 {
		t.Fatalf("Send after restart = %+v, %v; want the other 2 sent", res, err)
	}
	deliveredOnce(t, ms)
}

func TestReconnectsWhenTheServerDropsTheConnection(t *testing.T) {
	ms := authServer(t)
	st, _ := queued(t)
	// Servers limit messages per connection; this one hangs up on the
	// second message of every connection.
	ms.dropAfter = 1

	res, err := notify.Send(context.Background(), st, config(ms), zap.NewNop())
	if err != nil || res.Sent != len(people) || res.Failed != 0 {
		t.Fatalf("Send = %+v, %v; want all sent over fresh connections", res, err)
	}
	deliveredOnce(t, ms)
	if n := ms.connections(); n != len(people) {
		t.Errorf("used %d connections; want one per message (%d)", n, len(people))
	}
}

func TestRefusesAnUnverifiedServer(t *testing.T) {
	ctx := context.Background()
	ms := authServer(t)
	plain := startServer(t, serverOptions{noTLS: true, user: smtpUser, pass: smtpPass})
	for _, c := range []struct {
		name  string
		cfg   func() notify.Config
		check func(error) bool
	}{
		{"UntrustedCertificate", func() notify.Config {
			cfg := config(ms)
			cfg.CAFile = ""
			return cfg
		}, func(err error) bool {
			var unknown x509.UnknownAuthorityError
			return errors.As(err, &unknown)
		}},
		{"CertificateForAnotherName", func() notify.Config {
			cfg := config(ms)
			cfg.Host = "localhost" // the certificate is for 127.0.0.1 only
			return cfg
		}, func(err error) bool {
			var verr *tls.CertificateVerificationError
			return errors.As(err, &verr) && strings.Contains(err.Error(), "localhost")
		}},
		{"NoSTARTTLSOffered", func() notify.Config {
			cfg := config(plain)
			cfg.CAFile = ms.caFile
			return cfg
		}, func(err error) bool { return strings.Contains(err.Error(), "STARTTLS") }},
	} {
		t.Run(c.name, func(t *testing.T) {
			st, _ := queued(t)
			res, err := notify.Send(ctx, st, c.cfg(), zap.NewNop())
			if err == nil || !c.check(err) {
				t.Fatalf("Send = %+v, %v; want the server refused", res, err)
			}
			if res.Sent != 0 || res.Skipped != len(people) {
				t.Errorf("Send = %+v; want nothing sent, all skipped", res)
			}
			if got := outboxUPNs(t, st); len(got) != len(people) {
				t.Errorf("outbox = %v; want every message kept", got)
			}
		})
	}
	if n := len(ms.received()) + len(plain.received()); n != 0 {
		t.Errorf("servers got %d messages; want none", n)
	}
}

func TestPasswordFromEnvOrFileNeverLogged(t *testing.T) {
	ctx := context.Background()
	ms := authServer(t)
	passFile := filepath.Join(t.TempDir(), "smtp-password")
	if err := os.WriteFile(passFile, []byte(smtpPass+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	const wrong = "not-the-Pa55word"
	for _, c := range []struct {
		name   string
		cfg    func(*notify.Config)
		secret string
		ok     bool
	}{
		{"FromEnv", func(c *notify.Config) {}, smtpPass, true},
		{"FromFile", func(c *notify.Config) { c.PasswordEnv, c.PasswordFile = "", passFile }, smtpPass, true},
		{"WrongPassword", func(c *notify.Config) {
			t.Setenv("NUMSYNC_TEST_WRONG", wrong)
			c.PasswordEnv = "NUMSYNC_TEST_WRONG"
		}, wrong, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			st, _ := queued(t)
			before := len(ms.received())
			core, logs := observer.New(zapcore.DebugLevel)
			cfg := config(ms)
			c.cfg(&cfg)

			res, err := notify.Send(ctx, st, cfg, zap.New(core))
			if c.ok && (err != nil || res.Sent != len(people)) {
				t.Fatalf("Send = %+v, %v; want all sent", res, err)
			}
			if !c.ok {
				var reply *textproto.Error
				if !errors.As(err, &reply) || reply.Code != 535 || res.Sent != 0 {
					t.Fatalf("Send = %+v, %v; want refused with 535", res, err)
				}
				if len(ms.received()) != before {
					t.Errorf("server got mail from a client that failed to authenticate")
				}
			}
			if c.ok && logs.Len() == 0 {
				t.Fatal("nothing logged; the test would prove nothing")
			}
			for _, e := range logs.All() {
				line := e.Message + " " + fmt.Sprint(e.ContextMap())
				if strings.Contains(line, c.secret) {
					t.Errorf("password in log: %s", line)
				}
			}
			if err != nil && strings.Contains(err.Error(), c.secret) {
				t.Errorf("password in error: %v", err)
			}
		})
	}
}

func TestPlainRelayOnLoopback(t *testing.T) {
	ms := startServer(t, serverOptions{noTLS: true})
	st, _ := queued(t)
	off := false
	cfg := notify.Config{Host: ms.host, Port: ms.port, StartTLS: &off}
	core, logs := observer.New(zapcore.InfoLevel)

	res, err := notify.Send(context.Background(), st, cfg, zap.New(core))
	if err != nil || res.Sent != len(people) {
		t.Fatalf("Send = %+v, %v; want all sent", res, err)
	}
	deliveredOnce(t, ms)
	if logs.FilterMessageSnippet("starttls is off").FilterField(zap.Bool("loopback", true)).Len() != 1 {
		t.Errorf("no warning that mail goes unencrypted; logs: %v", logs.All())
	}
}

func TestGivesUpOnASilentServer(t *testing.T) {
	// A server that takes the connection and never greets must not hang
	// the nightly job.
	addr := testpki.SilentListener(t)
	_, port, _ := net.SplitHostPort(addr)
	portNum, _ := strconv.Atoi(port)
	st, _ := queued(t)
	cfg := notify.Config{Host: "127.0.0.1", Port: portNum, Timeout: 200 * time.Millisecond}
	res, err := notify.Send(context.Background(), st, cfg, zap.NewNop())
	var nerr net.Error
	if !errors.As(err, &nerr) || !nerr.Timeout() {
		t.Fatalf("Send = %+v, %v; want a timeout", res, err)
	}
	if got := outboxUPNs(t, st); len(got) != len(people) {
		t.Errorf("outbox = %v; want every message kept", got)
	}
}

func TestCheck(t *testing.T) {
	ctx := context.Background()
	ms := authServer(t)
	if err := notify.Check(ctx, config(ms), zap.NewNop()); err != nil {
		t.Errorf("Check against a good server: %v", err)
	}
	t.Setenv(passEnv, "wrong")
	if err := notify.Check(ctx, config(ms), zap.NewNop()); err == nil || !strings.Contains(err.Error(), "535") {
		t.Errorf("Check with a wrong password = %v; want the 535 refusal", err)
	}
	if len(ms.received()) != 0 {
		t.Errorf("Check sent mail")
	}
}

func TestLostReplyResendsOnlyThatMessage(t *testing.T) {
	ctx := context.Background()
	ms := authServer(t)
	st, _ := queued(t)
	// The server keeps bob's message, then the connection dies before its
	// reply: the one case in which a recipient may get a notice twice.
	bob := people[1]
	ms.mu.Lock()
	ms.loseReply[bob.mail] = true
	ms.mu.Unlock()

	res, err := notify.Send(ctx, st, config(ms), zap.NewNop())
	if err != nil || res.Sent != 2 || res.Failed != 1 || res.Failures[0].UPN != bob.upn {
		t.Fatalf("Send = %+v, %v; want 2 sent and bob's unknown", res, err)
	}
	if !strings.Contains(res.Failures[0].Error(), "sends it again") {
		t.Errorf("failure %q does not warn that it may be sent twice", res.Failures[0].Error())
	}

	ms.mu.Lock()
	ms.loseReply[bob.mail] = false
	ms.mu.Unlock()
	if res, err := notify.Send(ctx, st, config(ms), zap.NewNop()); err != nil || res.Sent != 1 {
		t.Fatalf("next Send = %+v, %v; want bob's sent", res, err)
	}
	count := map[string]int{}
	for _, r := range ms.received() {
		count[r.To]++
	}
	want := map[string]int{people[0].mail: 1, bob.mail: 2, people[2].mail: 1}
	if fmt.Sprint(count) != fmt.Sprint(want) {
		t.Errorf("deliveries = %v; want %v (only the message in flight twice)", count, want)
	}
}

func TestWarnsAboutAReadablePasswordFile(t *testing.T) {
	ms := authServer(t)
	passFile := filepath.Join(t.TempDir(), "smtp-password")
	if err := os.WriteFile(passFile, []byte(smtpPass), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := config(ms)
	cfg.PasswordEnv, cfg.PasswordFile = "", passFile
	core, logs := observer.New(zapcore.InfoLevel)
	if err := notify.Check(context.Background(), cfg, zap.New(core)); err != nil {
		t.Fatalf("Check: %v", err)
	}
	if logs.FilterMessageSnippet("chmod 600").FilterField(zap.String("file", passFile)).Len() != 1 {
		t.Errorf("no warning about the password file's mode; logs: %v", logs.All())
	}
}

// TestSendsAnOutboxOfSeveralPages queues more messages than Send reads at
// once, two of them refused (one on each page): every other message is
// delivered once, in queue order, and only the refused two stay queued.
func TestSendsAnOutboxOfSeveralPages(t *testing.T) {
	const n = 300
	ctx := context.Background()
	ms := startServer(t, serverOptions{})
	st := openStore(t, filepath.Join(t.TempDir(), "s.db"))
	var msgs []numsync.Message
	for i := range n {
		to := fmt.Sprintf("user%03d@contoso.com", i)
		msgs = append(msgs, numsync.Message{UPN: to, To: to, Raw: notice(to, fmt.Sprintf("+1425555%04d", i))})
	}
	req := numsync.ApplyRequest{Actor: "admin@contoso.com", Messages: func() []numsync.Message { return msgs }}
	if _, err := st.Apply(ctx, req); err != nil {
		t.Fatal(err)
	}
	refused := []string{msgs[10].To, msgs[280].To}
	for _, r := range refused {
		ms.setReject(r, &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such mailbox"})
	}

	res, err := notify.Send(ctx, st, config(ms), zap.NewNop())
	if err != nil || res.Sent != n-2 || res.Failed != 2 || res.Skipped != 0 {
		t.Fatalf("Send = %+v, %v; want %d sent, 2 failed", res, err, n-2)
	}
	got := ms.received()
	want := 0
	for _, r := range got {
		for want < n && slices.Contains(refused, msgs[want].To) {
			want++
		}
		if want >= n || r.To != msgs[want].To {
			t.Fatalf("delivered %s out of order or twice (expected %d: %s)", r.To, want, msgs[min(want, n-1)].To)
		}
		want++
	}
	if len(got) != n-2 {
		t.Errorf("server got %d messages, want %d", len(got), n-2)
	}
	if left := outboxUPNs(t, st); !slices.Equal(left, refused) {
		t.Errorf("outbox = %v; want the refused %v", left, refused)
	}
	if l, err := st.OutboxLen(ctx); err != nil || l != 2 {
		t.Errorf("OutboxLen = %d, %v; want 2", l, err)
	}
}
