package ldapsync

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"regexp"
	"strings"
	"syscall"
	"time"

	ber "github.com/go-asn1-ber/asn1-ber"
	"github.com/go-ldap/ldap/v3"
	"go.uber.org/zap"
)

// Error is a failure to reach, bind to or read the directory. Its message
// names the URL and says what to change.
type Error struct {
	URL string
	Msg string
	Err error // the cause, from the network, TLS or LDAP layer
}

func (e *Error) Error() string { return e.URL + ": " + e.Msg }

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// ldapSource walks a live directory with paged searches.
type ldapSource struct {
	cfg   Config
	attrs []string
	log   *zap.Logger
}

func (s *ldapSource) name() string    { return s.cfg.URL }
func (s *ldapSource) bases() []string { return s.cfg.BaseDNs }

func (s *ldapSource) fail(msg string, err error) *Error {
	return &Error{URL: s.cfg.URL, Msg: msg, Err: err}
}

// connect dials, secures and binds. The connection is closed when ctx ends,
// which also ends any operation waiting on it, or when release is called.
// go-ldap reads the connection through the returned [tapConn], which search
// taps for its entries; with decoder: go-ldap there is no tap (nil) and
// go-ldap reads the connection itself.
func (s *ldapSource) connect(ctx context.Context) (*ldap.Conn, *tapConn, func(), error) {
	pw, err := s.cfg.password()
	if err != nil {
		return nil, nil, nil, err
	}
	u, err := url.Parse(s.cfg.URL)
	if err != nil {
		return nil, nil, nil, s.fail("not a URL", err)
	}
	ldaps := u.Scheme == "ldaps"
	host := u.Host
	if u.Port() == "" {
		port := ldap.DefaultLdapPort
		if ldaps {
			port = ldap.DefaultLdapsPort
		}
		host = net.JoinHostPort(u.Hostname(), port)
	}
	tlsCfg := &tls.Config{ServerName: u.Hostname(), MinVersion: tls.VersionTLS12, InsecureSkipVerify: s.cfg.InsecureSkipVerify}
	if s.cfg.CAFile != "" {
		pem, err := os.ReadFile(s.cfg.CAFile)
		if err != nil {
			return nil, nil, nil, fmt.Errorf("reading directory.ca_file: %w", err)
		}
		tlsCfg.RootCAs = x509.NewCertPool()
		if !tlsCfg.RootCAs.AppendCertsFromPEM(pem) {
			return nil, nil, nil, fmt.Errorf("directory.ca_file %s holds no PEM certificate", s.cfg.CAFile)
		}
	}

	// The connect phase (TCP, TLS, StartTLS) is bounded by connect_timeout
	// through a deadline on the socket; the bind and every page by
	// timeout, which the LDAP client enforces per operation.
	deadline := time.Now().Add(s.cfg.ConnectTimeout)
	dialer := net.Dialer{Deadline: deadline}
	raw, err := dialer.DialContext(ctx, "tcp", host)
	if err != nil {
		return nil, nil, nil, s.connectError(ctx, err)
	}
	if err := raw.SetDeadline(deadline); err != nil {
		raw.Close()
		return nil, nil, nil, s.fail("cannot connect", err)
	}
	c := raw
	if ldaps || s.cfg.StartTLS {
		if !ldaps {
			// StartTLS is done here rather than by go-ldap, which would
			// put TLS above the tapConn, where only ciphertext passes.
			if err := startTLS(raw); err != nil {
				raw.Close()
				return nil, nil, nil, s.connectError(ctx, err)
			}
		}
		tc := tls.Client(raw, tlsCfg)
		if err := tc.HandshakeContext(ctx); err != nil {
			raw.Close()
			return nil, nil, nil, s.connectError(ctx, err)
		}
		c = tc
	}
	if err := raw.SetDeadline(time.Time{}); err != nil {
		raw.Close()
		return nil, nil, nil, s.fail("cannot connect", err)
	}
	var tap *tapConn
	if s.cfg.Decoder == DecoderFast {
		tap = newTapConn(c)
		c = tap
	}
	conn := ldap.NewConn(c, ldaps || s.cfg.StartTLS)
	conn.Start()
	conn.SetTimeout(s.cfg.Timeout)
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	release := func() {
		stop()
		conn.Close()
	}
	if err := conn.Bind(s.cfg.BindDN, pw); err != nil {
		release()
		return nil, nil, nil, s.bindError(ctx, err)
	}
	return conn, tap, release, nil
}

// startTLSOID names the StartTLS extended operation (RFC 4511 section 4.14).
const startTLSOID = "1.3.6.1.4.1.1466.20037"

// startTLS asks the server on c to start TLS, as the first message of the
// connection. It reads the answer byte by byte, so that nothing of the TLS
// handshake that follows is consumed.
func startTLS(c net.Conn) error {
	req := ber.Encode(ber.ClassUniversal, ber.TypeConstructed, ber.TagSequence, nil, "LDAP Request")
	req.AppendChild(ber.NewInteger(ber.ClassUniversal, ber.TypePrimitive, ber.TagInteger, int64(1), "MessageID"))
	ext := ber.Encode(ber.ClassApplication, ber.TypeConstructed, ldap.ApplicationExtendedRequest, nil, "Start TLS")
	ext.AppendChild(ber.NewString(ber.ClassContext, ber.TypePrimitive, 0, startTLSOID, "TLS Extended Command"))
	req.AppendChild(ext)
	if _, err := c.Write(req.Bytes()); err != nil {
		return err
	}
	resp, err := ber.ReadPacket(c)
	if err != nil {
		return ldap.NewError(ldap.ErrorNetwork, err)
	}
	return ldap.GetLDAPError(resp)
}

// connectError explains a failure to open a secured connection.
func (s *ldapSource) connectError(ctx context.Context, err error) error {
	var (
		dnsErr     *net.DNSError
		netErr     net.Error
		unknownCA  x509.UnknownAuthorityError
		hostErr    x509.HostnameError
		invalidErr x509.CertificateInvalidError
	)
	switch {
	case ctx.Err() != nil:
		return s.fail("connection abandoned", ctx.Err())
	case errors.As(err, &unknownCA), strings.Contains(err.Error(), "certificate signed by unknown authority"):
		// StartTLS failures reach us as text only, hence the string test.
		return s.fail("the server's TLS certificate is not signed by a trusted CA: set directory.ca_file to the PEM file of the CA that issued it", err)
	case errors.As(err, &hostErr), strings.Contains(err.Error(), "certificate is valid for"):
		return s.fail("the server's TLS certificate does not name this host: put a name the certificate holds in directory.url", err)
	case errors.As(err, &invalidErr), strings.Contains(err.Error(), "x509:"):
		return s.fail(fmt.Sprintf("the server's TLS certificate was refused (%v)", err), err)
	case errors.As(err, &dnsErr):
		return s.fail(fmt.Sprintf("cannot resolve %q: check the host name in directory.url", dnsErr.Name), err)
	case errors.Is(err, syscall.ECONNREFUSED):
		return s.fail("connection refused: check the host and port in directory.url and that the directory server is running", err)
	case errors.Is(err, os.ErrDeadlineExceeded), errors.As(err, &netErr) && netErr.Timeout():
		return s.fail(fmt.Sprintf("no answer within directory.connect_timeout (%s): check the host, port and firewalls", s.cfg.ConnectTimeout), err)
	case ldap.IsErrorWithCode(err, ldap.LDAPResultProtocolError), ldap.IsErrorWithCode(err, ldap.LDAPResultUnavailable):
		return s.fail("the server refused StartTLS: use ldaps:// or configure TLS on the server", err)
	}
	return s.fail(fmt.Sprintf("cannot connect: %v", err), err)
}

// adBindData matches the "data 52e" sub-code AD puts in the diagnostic
// message of a failed bind.
var adBindData = regexp.MustCompile(`\bdata ([0-9a-fA-F]{3,8})\b`)

// adBindReasons explains AD's bind sub-codes.
var adBindReasons = map[string]string{
	"525": "the account does not exist",
	"52e": "the password is wrong",
	"530": "the account may not log on at this time",
	"531": "the account may not log on from this workstation",
	"532": "the password has expired",
	"533": "the account is disabled",
	"701": "the account has expired",
	"773": "the password must be reset",
	"775": "the account is locked out",
}

// bindError explains a bind the server refused.
func (s *ldapSource) bindError(ctx context.Context, err error) error {
	switch {
	case ctx.Err() != nil:
		return s.fail("bind abandoned", ctx.Err())
	case ldap.IsErrorWithCode(err, ldap.LDAPResultInvalidCredentials):
		msg := "bind rejected (invalid credentials)"
		if m := adBindData.FindStringSubmatch(err.Error()); m != nil {
			if why, ok := adBindReasons[strings.ToLower(m[1])]; ok {
				msg += ": " + why
			}
		}
		return s.fail(fmt.Sprintf("%s: check directory.bind_dn (%s) and the password in %s", msg, s.cfg.BindDN, s.cfg.passwordSource()), err)
	case ldap.IsErrorWithCode(err, ldap.LDAPResultStrongAuthRequired), ldap.IsErrorWithCode(err, ldap.LDAPResultConfidentialityRequired):
		return s.fail("bind refused: the server requires signing or TLS: use ldaps:// or start_tls: true", err)
	case ldap.IsErrorWithCode(err, ldap.LDAPResultUnwillingToPerform), ldap.IsErrorWithCode(err, ldap.LDAPResultInappropriateAuthentication):
		return s.fail(fmt.Sprintf("bind refused (%v): check directory.bind_dn and that the account may bind with a password", err), err)
	}
	return s.readError(ctx, "bind", err)
}

// readError explains a failure during an operation.
func (s *ldapSource) readError(ctx context.Context, doing string, err error) error {
	switch {
	case ctx.Err() != nil:
		return s.fail(doing+" abandoned", ctx.Err())
	case ldap.IsErrorWithCode(err, ldap.ErrorNetwork) && strings.Contains(err.Error(), "timed out"):
		return s.fail(fmt.Sprintf("%s: no answer within directory.timeout (%s)", doing, s.cfg.Timeout), err)
	case ldap.IsErrorWithCode(err, ldap.ErrorNetwork):
		cause := err
		var le *ldap.Error
		if errors.As(err, &le) && le.Err != nil {
			cause = le.Err
		}
		return s.fail(fmt.Sprintf("%s: the connection was lost (%v)", doing, cause), err)
	case ldap.IsErrorWithCode(err, ldap.LDAPResultNoSuchObject):
		return s.fail(doing+": the base DN does not exist: check directory.base_dns", err)
	case ldap.IsErrorWithCode(err, ldap.LDAPResultSizeLimitExceeded):
		return s.fail(doing+": the server stopped at its size limit although the search was paged: lower directory.page_size or raise the limit for this account", err)
	case ldap.IsErrorWithCode(err, ldap.LDAPResultInsufficientAccessRights):
		return s.fail(doing+": the bind account may not read there: grant it read access", err)
	case ldap.IsErrorWithCode(err, ldap.LDAPResultUnavailableCriticalExtension):
		return s.fail(doing+": the server does not support paged results, which numsync needs to read large directories", err)
	case ldap.IsErrorWithCode(err, ldap.LDAPResultReferral):
		return s.fail(doing+": the base DN is held by another server (referral): search that server instead", err)
	}
	return s.fail(fmt.Sprintf("%s: %v", doing, err), err)
}

func (s *ldapSource) walk(ctx context.Context, entry func(int, *ldap.Entry, int) error, reference func(int, string)) error {
	conn, tap, release, err := s.connect(ctx)
	if err != nil {
		return err
	}
	defer release()
	for i, base := range s.cfg.BaseDNs {
		if err := s.search(ctx, conn, tap, i, base, entry, reference); err != nil {
			return err
		}
	}
	return nil
}

// search reads one base DN page by page. Each page is streamed to entry as
// it arrives; only the page buffer is held.
func (s *ldapSource) search(ctx context.Context, conn *ldap.Conn, tap *tapConn, base int, dn string, entry func(int, *ldap.Entry, int) error, reference func(int, string)) error {
	paging := criticalPaging{ldap.NewControlPaging(uint32(s.cfg.PageSize))}
	req := ldap.NewSearchRequest(dn, ldap.ScopeWholeSubtree, ldap.NeverDerefAliases, 0, 0, false,
		s.cfg.Filter, s.attrs, []ldap.Control{paging})
	read := 0
	for page := 1; ; page++ {
		cookie, n, err := s.page(ctx, conn, tap, req, base, entry, reference)
		read += n
		var stopped *callbackError
		if errors.As(err, &stopped) {
			return stopped.err
		}
		if err != nil {
			var le *Error
			if errors.As(err, &le) {
				return err
			}
			return s.readError(ctx, fmt.Sprintf("searching %q (page %d, after %d entries; the directory was not read completely)", dn, page, read), err)
		}
		if len(cookie) == 0 {
			return nil
		}
		paging.SetCookie(cookie)
	}
}

// pageEnd is what go-ldap reports of a page: everything but its entries,
// which the tap delivers (or, with no tap, go-ldap too).
type pageEnd struct {
	cookie []byte
	ended  bool // the server's paged-results control came back
	refs   []string
	err    error
}

// note records the referral or paging control of the search's current
// message.
func (end *pageEnd) note(resp ldap.Response) {
	if ref := resp.Referral(); ref != "" {
		end.refs = append(end.refs, ref)
	}
	if c, ok := ldap.FindControl(resp.Controls(), ldap.ControlTypePaging).(*ldap.ControlPaging); ok {
		end.cookie, end.ended = c.Cookie, true
	}
}

// page runs one page of a paged search, returning the cookie for the next.
// The entries come from the tap; go-ldap, in a goroutine of its own here,
// reports the rest.
func (s *ldapSource) page(ctx context.Context, conn *ldap.Conn, tc *tapConn, req *ldap.SearchRequest, base int, entry func(int, *ldap.Entry, int) error, reference func(int, string)) (cookie []byte, n int, err error) {
	if tc == nil {
		return s.plainPage(ctx, conn, req, base, entry, reference)
	}
	pctx, cancel := context.WithCancel(ctx)
	// Cancelling tells the client to abandon the page when entry fails
	// half-way.
	defer cancel()
	t := tc.start()
	defer tc.finish(t)
	resp := conn.SearchAsync(pctx, req, 1)
	done := make(chan pageEnd, 1)
	go func() {
		var end pageEnd
		for resp.Next() {
			if resp.Entry() != nil && end.err == nil {
				// Unreachable while the tap works: every entry of a tapped
				// search goes to the tap. Never lose one silently.
				end.err = ldap.NewError(ldap.ErrorUnexpectedResponse, errors.New("an entry bypassed the reader"))
			}
			end.note(resp)
		}
		if err := resp.Err(); err != nil {
			end.err = err
		}
		done <- end
	}()

	deliver := func(e *ldap.Entry) error {
		n++
		if err := entry(base, e, 0); err != nil {
			return &callbackError{err}
		}
		return nil
	}
	var end pageEnd
wait:
	for {
		select {
		case e, ok := <-t.entries:
			if !ok {
				// The page ended or the connection failed: go-ldap
				// reports which.
				end = <-done
				break wait
			}
			if err := deliver(e); err != nil {
				return nil, n, err
			}
		case end = <-done:
			// The server's end of the page (with its paging control)
			// passed the tap, which closed the entries before go-ldap saw
			// it. A page that ended otherwise (timeout, abandon, a
			// connection already closed) may leave them open for good,
			// and what is left in them is not wanted.
			if end.err == nil && end.ended && ctx.Err() == nil {
				for e := range t.entries {
					if err := deliver(e); err != nil {
						return nil, n, err
					}
				}
			}
			break wait
		}
	}
	cookie, err = s.endPage(ctx, end, base, reference)
	return cookie, n, err
}

// plainPage is page with go-ldap decoding the entries (decoder: go-ldap):
// slower, and there so that a go-ldap upgrade that breaks the tap leaves a
// way to read the directory.
func (s *ldapSource) plainPage(ctx context.Context, conn *ldap.Conn, req *ldap.SearchRequest, base int, entry func(int, *ldap.Entry, int) error, reference func(int, string)) (cookie []byte, n int, err error) {
	pctx, cancel := context.WithCancel(ctx)
	defer cancel()
	resp := conn.SearchAsync(pctx, req, 1)
	var end pageEnd
	for resp.Next() {
		if e := resp.Entry(); e != nil {
			n++
			if err := entry(base, e, 0); err != nil {
				return nil, n, &callbackError{err}
			}
		}
		end.note(resp)
	}
	end.err = resp.Err()
	cookie, err = s.endPage(ctx, end, base, reference)
	return cookie, n, err
}

// endPage reports a page's referrals and tells a complete page (its
// cookie for the next) from one cut short.
func (s *ldapSource) endPage(ctx context.Context, end pageEnd, base int, reference func(int, string)) (cookie []byte, err error) {
	for _, ref := range end.refs {
		reference(base, ref)
	}
	if end.err != nil {
		return nil, end.err
	}
	// The client reports a cancelled search as a clean end.
	if err := ctx.Err(); err != nil {
		return nil, s.fail("reading abandoned", err)
	}
	// The client also ends a search on a connection that is already closed
	// without an error. As the paging control is critical, a server that
	// finished the page has sent one back.
	if !end.ended {
		return nil, ldap.NewError(ldap.ErrorNetwork, errors.New("the page ended without the server's paged-results control: the connection was closed"))
	}
	return end.cookie, nil
}

// criticalPaging is the paged-results control marked critical, so that a
// server that cannot page refuses the search instead of cutting it at its
// size limit.
type criticalPaging struct{ *ldap.ControlPaging }

// Encode inserts the criticality flag between the control's type and value.
func (c criticalPaging) Encode() *ber.Packet {
	p := c.ControlPaging.Encode()
	out := ber.Encode(ber.ClassUniversal, ber.TypeConstructed, ber.TagSequence, nil, "Control")
	out.AppendChild(p.Children[0])
	out.AppendChild(ber.NewBoolean(ber.ClassUniversal, ber.TypePrimitive, ber.TagBoolean, true, "Criticality"))
	out.AppendChild(p.Children[1])
	return out
}

// callbackError carries an error of the caller's function through the
// search, so it is returned as it is rather than explained as an LDAP one.
type callbackError struct{ err error }

func (e *callbackError) Error() string { return e.err.Error() }
