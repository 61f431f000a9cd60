package ldapsync

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"

	"github.com/go-ldap/ldap/v3"
)

// Reading a large directory with go-ldap alone costs about three times what
// ldapsearch takes (docs/design.md allows 1.5): go-ldap decodes every
// message into a tree of asn1-ber packets, and asn1-ber copies each subtree
// into its parent (go-asn1-ber/asn1-ber issue 49) and gives every value a
// buffer of at least 512 bytes, some 450 allocations and 26 kB per AD user;
// each entry then passes three goroutines. A tapConn sits under go-ldap and
// takes the entries of the search it is tapped for out of the byte stream,
// decoding them with [decodeEntry] straight into [ldap.Entry] values. All
// else (bind, the search's end with its paging cookie and result code,
// references, any other reply) goes on to go-ldap as it came, so go-ldap
// still runs the protocol: message ids, timeouts, abandon, errors.

// maxMessage bounds one LDAP message. AD entries with photos and
// certificates reach a few hundred kilobytes; far more is not a directory
// entry worth waiting for.
const maxMessage = 64 << 20

// BER identifiers of the search results: [APPLICATION 4] and
// [APPLICATION 19], constructed.
const (
	tagSearchResultEntry     = 0x64
	tagSearchResultReference = 0x73
)

// tapConn is the connection go-ldap reads from.
type tapConn struct {
	net.Conn
	br      *bufio.Reader
	pending []byte // the rest of a message go-ldap has not read yet
	buf     []byte // reused for each message
	tap     atomic.Pointer[tap]
}

func newTapConn(c net.Conn) *tapConn {
	return &tapConn{Conn: c, br: bufio.NewReaderSize(c, 64<<10)}
}

// tap takes the entries of one search. The entries channel is closed when
// the search's first message that is not an entry arrives (its end, as a
// rule), before go-ldap sees it, or when the connection fails.
type tap struct {
	entries chan *ldap.Entry
	stop    chan struct{} // closed by the reader of entries when it gives up
	once    sync.Once
}

func newTap() *tap {
	return &tap{entries: make(chan *ldap.Entry, 64), stop: make(chan struct{})}
}

func (t *tap) end() { t.once.Do(func() { close(t.entries) }) }

// start taps the next search; the caller must call finish when done with it.
func (c *tapConn) start() *tap {
	t := newTap()
	c.tap.Store(t)
	return t
}

// finish stops tapping t; entries still arriving are dropped.
func (c *tapConn) finish(t *tap) {
	close(t.stop)
	c.tap.CompareAndSwap(t, nil)
}

// Read gives go-ldap the messages that are not tapped entries.
func (c *tapConn) Read(p []byte) (int, error) {
	for len(c.pending) == 0 {
		msg, err := c.next()
		if err != nil {
			if t := c.tap.Load(); t != nil {
				t.end()
			}
			return 0, err
		}
		t := c.tap.Load()
		if t == nil {
			c.pending = msg
			break
		}
		e, op, err := decodeMessage(msg)
		if op == tagSearchResultReference {
			c.pending = msg
			break
		}
		if op != tagSearchResultEntry {
			// The search ends (or something unexpected comes): the
			// entries stop before go-ldap learns of it, so the reader of
			// the entries has them all once go-ldap reports the end.
			c.tap.CompareAndSwap(t, nil)
			t.end()
			c.pending = msg
			break
		}
		if err != nil {
			t.end()
			return 0, err
		}
		select {
		case t.entries <- e:
		case <-t.stop:
		}
	}
	n := copy(p, c.pending)
	c.pending = c.pending[n:]
	return n, nil
}

// next reads one whole LDAPMessage (a BER SEQUENCE of definite length, as
// RFC 4511 section 5.1 requires) into c.buf.
func (c *tapConn) next() ([]byte, error) {
	head := c.buf[:0]
	id, err := c.br.ReadByte()
	if err != nil {
		return nil, err
	}
	if id != 0x30 {
		return nil, fmt.Errorf("ldap message starts with tag 0x%02x, not a SEQUENCE", id)
	}
	l, err := c.br.ReadByte()
	if err != nil {
		return nil, io.ErrUnexpectedEOF
	}
	head = append(head, id, l)
	size := int(l)
	if l&0x80 != 0 {
		n := int(l & 0x7f)
		if n == 0 || n > 4 {
			return nil, fmt.Errorf("ldap message with a length of %d bytes: not a definite length", n)
		}
		size = 0
		for range n {
			b, err := c.br.ReadByte()
			if err != nil {
				return nil, io.ErrUnexpectedEOF
			}
			head = append(head, b)
			size = size<<8 | int(b)
		}
	}
	if size > maxMessage {
		return nil, fmt.Errorf("ldap message of %d bytes is larger than %d", size, maxMessage)
	}
	hl := len(head)
	if cap(head) < hl+size {
		// Entries vary in size: keep the buffer of the largest so far.
		grown := make([]byte, hl, hl+size)
		copy(grown, head)
		head = grown
	}
	msg := head[:hl+size]
	if _, err := io.ReadFull(c.br, msg[hl:]); err != nil {
		return nil, io.ErrUnexpectedEOF
	}
	c.buf = msg[:0]
	return msg, nil
}

// errBER is a message that is not the BER its tags announce.
var errBER = errors.New("malformed BER in a search result entry")

// tlv splits the first BER element off b: its identifier, its content and
// what follows. Only what LDAP uses is accepted: one-byte tags and definite
// lengths of up to four bytes.
func tlv(b []byte) (id byte, content, rest []byte, err error) {
	if len(b) < 2 || b[0]&0x1f == 0x1f {
		return 0, nil, nil, errBER
	}
	id, l := b[0], int(b[1])
	b = b[2:]
	if l&0x80 != 0 {
		n := l & 0x7f
		if n == 0 || n > 4 || len(b) < n {
			return 0, nil, nil, errBER
		}
		l = 0
		for _, c := range b[:n] {
			l = l<<8 | int(c)
		}
		b = b[n:]
	}
	if l > len(b) {
		return 0, nil, nil, errBER
	}
	return id, b[:l], b[l:], nil
}

// decodeMessage returns the identifier of the operation in msg, one whole
// LDAPMessage (0 when it is not one), and decodes it when it is a
// SearchResultEntry. The entry's values share one copy of the message, as
// byte slices and as strings, so that msg can be reused.
func decodeMessage(msg []byte) (e *ldap.Entry, op byte, err error) {
	id, body, _, err := tlv(msg)
	if err != nil || id != 0x30 {
		return nil, 0, nil
	}
	if id, _, body, err = tlv(body); err != nil || id != 0x02 || len(body) == 0 { // messageID INTEGER
		return nil, 0, nil
	}
	if body[0] != tagSearchResultEntry {
		return nil, body[0], nil
	}
	e, err = decodeEntry(body)
	return e, tagSearchResultEntry, err
}

// decodeEntry decodes the SearchResultEntry that op starts with:
//
//	SearchResultEntry ::= [APPLICATION 4] SEQUENCE {
//	    objectName LDAPDN,                          -- OCTET STRING
//	    attributes SEQUENCE OF SEQUENCE {
//	        type OCTET STRING, vals SET OF OCTET STRING } }
func decodeEntry(op []byte) (*ldap.Entry, error) {
	id, content, _, err := tlv(op)
	if err != nil || id != tagSearchResultEntry {
		return nil, errBER
	}
	own := append([]byte(nil), content...)
	text := string(own)
	str := func(b []byte) string {
		// b lies within own: the same bytes in text.
		off := cap(own) - cap(b)
		return text[off : off+len(b)]
	}
	id, dn, rest, err := tlv(own)
	if err != nil || id != 0x04 {
		return nil, errBER
	}
	id, attrs, rest, err := tlv(rest)
	if err != nil || id != 0x30 || len(rest) > 0 {
		return nil, errBER
	}
	e := &ldap.Entry{DN: str(dn)}
	for len(attrs) > 0 {
		var pa []byte
		if id, pa, attrs, err = tlv(attrs); err != nil || id != 0x30 {
			return nil, errBER
		}
		id, name, pa, err := tlv(pa)
		if err != nil || id != 0x04 {
			return nil, errBER
		}
		id, vals, pa, err := tlv(pa)
		if err != nil || id != 0x31 || len(pa) > 0 {
			return nil, errBER
		}
		a := &ldap.EntryAttribute{Name: str(name)}
		for len(vals) > 0 {
			var v []byte
			if id, v, vals, err = tlv(vals); err != nil || id != 0x04 {
				return nil, errBER
			}
			a.ByteValues = append(a.ByteValues, v[:len(v):len(v)])
			a.Values = append(a.Values, str(v))
		}
		e.Attributes = append(e.Attributes, a)
	}
	return e, nil
}
