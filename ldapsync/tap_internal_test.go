package ldapsync

import (
	"bytes"
	"errors"
	"io"
	"net"
	"reflect"
	"strings"
	"testing"

	ber "github.com/go-asn1-ber/asn1-ber"
	"github.com/go-ldap/ldap/v3"
)

// encodeEntry writes e as a SearchResultEntry with asn1-ber, the encoder
// go-ldap and its test servers use.
func encodeEntry(e *ldap.Entry) []byte {
	op := ber.Encode(ber.ClassApplication, ber.TypeConstructed, ldap.ApplicationSearchResultEntry, nil, "entry")
	op.AppendChild(ber.NewString(ber.ClassUniversal, ber.TypePrimitive, ber.TagOctetString, e.DN, "dn"))
	attrs := ber.Encode(ber.ClassUniversal, ber.TypeConstructed, ber.TagSequence, nil, "attributes")
	for _, a := range e.Attributes {
		pa := ber.Encode(ber.ClassUniversal, ber.TypeConstructed, ber.TagSequence, nil, "attribute")
		pa.AppendChild(ber.NewString(ber.ClassUniversal, ber.TypePrimitive, ber.TagOctetString, a.Name, "type"))
		vals := ber.Encode(ber.ClassUniversal, ber.TypeConstructed, ber.TagSet, nil, "vals")
		for _, v := range a.ByteValues {
			vals.AppendChild(ber.NewString(ber.ClassUniversal, ber.TypePrimitive, ber.TagOctetString, string(v), "value"))
		}
		pa.AppendChild(vals)
		attrs.AppendChild(pa)
	}
	op.AppendChild(attrs)
	return op.Bytes()
}

// message wraps an operation into an LDAPMessage with id 7.
func message(op []byte) []byte {
	m := ber.Encode(ber.ClassUniversal, ber.TypeConstructed, ber.TagSequence, nil, "message")
	m.AppendChild(ber.NewInteger(ber.ClassUniversal, ber.TypePrimitive, ber.TagInteger, int64(7), "id"))
	p, err := ber.DecodePacketErr(op)
	if err != nil {
		panic(err)
	}
	m.AppendChild(p)
	return m.Bytes()
}

func testEntry(dn string, pairs ...string) *ldap.Entry {
	e := &ldap.Entry{DN: dn}
	for i := 0; i+1 < len(pairs); i += 2 {
		var a *ldap.EntryAttribute
		if n := len(e.Attributes); n > 0 && e.Attributes[n-1].Name == pairs[i] {
			a = e.Attributes[n-1]
		} else {
			a = &ldap.EntryAttribute{Name: pairs[i]}
			e.Attributes = append(e.Attributes, a)
		}
		a.Values = append(a.Values, pairs[i+1])
		a.ByteValues = append(a.ByteValues, []byte(pairs[i+1]))
	}
	return e
}

func TestDecodeEntry(t *testing.T) {
	for _, e := range []*ldap.Entry{
		testEntry("CN=User 1,OU=Staff,DC=example,DC=com", "userPrincipalName", "u1@example.com",
			"memberOf", "CN=A,DC=example,DC=com", "memberOf", "CN=B,DC=example,DC=com",
			"objectGUID", "\x00\xff\x10binary\x00", "displayName", strings.Repeat("Zoë ", 100)),
		testEntry("", "empty", ""),
		{DN: "CN=No attributes"},
	} {
		got, op, err := decodeMessage(message(encodeEntry(e)))
		if err != nil || op != tagSearchResultEntry {
			t.Fatalf("%s: op 0x%02x, %v", e.DN, op, err)
		}
		if !reflect.DeepEqual(got, e) {
			t.Errorf("decoded\n%+v\nwant\n%+v", got, e)
		}
	}
	// Other messages are left to go-ldap.
	done := ber.Encode(ber.ClassApplication, ber.TypeConstructed, ldap.ApplicationSearchResultDone, nil, "done")
	done.AppendChild(ber.NewInteger(ber.ClassUniversal, ber.TypePrimitive, ber.TagEnumerated, int64(0), "code"))
	if e, op, err := decodeMessage(message(done.Bytes())); e != nil || op != 0x65 || err != nil {
		t.Errorf("SearchResultDone: %v, 0x%02x, %v", e, op, err)
	}
}

// FuzzDecodeEntry checks the lean decoder against asn1-ber: whatever it
// accepts, asn1-ber reads as the same entry, and re-encoding gives it back.
func FuzzDecodeEntry(f *testing.F) {
	f.Add(encodeEntry(testEntry("CN=A,DC=x", "cn", "A", "memberOf", "CN=G,DC=x", "memberOf", "CN=H,DC=x")))
	f.Add(encodeEntry(testEntry("CN=B,DC=x", "objectGUID", "\x00\x01\x02")))
	f.Add([]byte{0x64, 0x84, 0xff, 0xff, 0xff, 0xff})
	f.Add([]byte{0x64, 0x80, 0x04, 0x00, 0x30, 0x00, 0x00, 0x00})
	f.Fuzz(func(t *testing.T, data []byte) {
		e, err := decodeEntry(data)
		if err != nil {
			return
		}
		p, err := ber.DecodePacketErr(data)
		if err != nil {
			t.Fatalf("accepted what asn1-ber refuses (%v): %+v", err, e)
		}
		if len(p.Children) != 2 || p.Children[0].Data.String() != e.DN || len(p.Children[1].Children) != len(e.Attributes) {
			t.Fatalf("asn1-ber reads another entry than %+v", e)
		}
		for i, pa := range p.Children[1].Children {
			a := e.Attributes[i]
			if len(pa.Children) != 2 || pa.Children[0].Data.String() != a.Name || len(pa.Children[1].Children) != len(a.ByteValues) {
				t.Fatalf("attribute %d: asn1-ber reads another one than %+v", i, a)
			}
			for j, v := range pa.Children[1].Children {
				if !bytes.Equal(v.Data.Bytes(), a.ByteValues[j]) || a.Values[j] != string(a.ByteValues[j]) {
					t.Fatalf("attribute %s value %d: %q, asn1-ber reads %q", a.Name, j, a.ByteValues[j], v.Data.Bytes())
				}
			}
		}
		again, err := decodeEntry(encodeEntry(e))
		if err != nil || !reflect.DeepEqual(again, e) {
			t.Fatalf("re-encoded entry reads as %+v, %v; want %+v", again, err, e)
		}
	})
}

// byteConn is a connection that reads from a fixed stream.
type byteConn struct {
	net.Conn
	r io.Reader
}

func (c byteConn) Read(p []byte) (int, error) { return c.r.Read(p) }

func TestTapConnFraming(t *testing.T) {
	entry := message(encodeEntry(testEntry("CN=A,DC=x", "cn", "A")))
	done := ber.Encode(ber.ClassApplication, ber.TypeConstructed, ldap.ApplicationSearchResultDone, nil, "done")
	done.AppendChild(ber.NewInteger(ber.ClassUniversal, ber.TypePrimitive, ber.TagEnumerated, int64(0), "code"))
	doneMsg := message(done.Bytes())

	t.Run("TappedEntriesAreTakenOut", func(t *testing.T) {
		c := newTapConn(byteConn{r: bytes.NewReader(append(append(append([]byte{}, entry...), entry...), doneMsg...))})
		tp := c.start()
		defer c.finish(tp)
		var passed bytes.Buffer
		errc := make(chan error, 1)
		go func() {
			_, err := io.Copy(&passed, c)
			errc <- err
		}()
		n := 0
		for e := range tp.entries {
			if e.DN != "CN=A,DC=x" {
				t.Errorf("entry %+v", e)
			}
			n++
		}
		if err := <-errc; err != nil {
			t.Fatal(err)
		}
		if n != 2 || !bytes.Equal(passed.Bytes(), doneMsg) {
			t.Errorf("%d entries taken, %x passed on; want 2 and the end of the search", n, passed.Bytes())
		}
	})
	t.Run("UntappedEverythingPasses", func(t *testing.T) {
		in := append(append([]byte{}, entry...), doneMsg...)
		got, err := io.ReadAll(newTapConn(byteConn{r: bytes.NewReader(in)}))
		if err != nil || !bytes.Equal(got, in) {
			t.Errorf("passed %x, %v; want %x", got, err, in)
		}
	})
	for name, stream := range map[string][]byte{
		"NotASequence":   {0x04, 0x00},
		"Indefinite":     {0x30, 0x80, 0x02, 0x01, 0x01, 0x00, 0x00},
		"TooLong":        {0x30, 0x84, 0x7f, 0xff, 0xff, 0xff},
		"Truncated":      entry[:len(entry)-3],
		"BadTappedEntry": message([]byte{0x64, 0x02, 0x05, 0x00}),
	} {
		t.Run(name, func(t *testing.T) {
			c := newTapConn(byteConn{r: bytes.NewReader(stream)})
			tp := c.start()
			defer c.finish(tp)
			_, err := io.ReadAll(c)
			if err == nil || errors.Is(err, io.EOF) {
				t.Errorf("read %x without an error", stream)
			}
			if _, open := <-tp.entries; open {
				t.Error("entries still open after the stream failed")
			}
		})
	}
}
