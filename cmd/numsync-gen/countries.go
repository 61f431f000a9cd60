package main

import (
	"fmt"
	"strconv"

	"github.com/numsync/numsync"
)

// A block is a run of 10^tail consecutive numbers sharing prefix (E.164
// digits without "+"). area is the length of the area code at the start of
// the national number, so that numbers can be written the way people do.
type block struct {
	prefix string
	tail   int
	area   int
}

// A numberRange is a family of 10,000-number blocks: prefix cc+area+mid for
// every mid in [from, to], mid written with midWidth digits.
type numberRange struct {
	area     string
	midWidth int
	from, to int
}

// rangeBlock is the size of every block of a numberRange.
const rangeBlock = 10000

// location is an emergency address of the sample company.
type location struct {
	description, company, house, street, city, state, postal string
}

// country is everything the generator knows about one country: where its
// numbers come from (fictional ranges first, so that small tenants look
// fictional, then large ranges that are valid for scale), how its people
// are named and where its offices are.
type country struct {
	iso     string
	name    string
	cc      string // country calling code
	trunk   string // national trunk prefix ("0"), empty where there is none
	nanp    bool   // North American numbering: national form "(425) 555-0100"
	weight  int
	extra   bool // used only for tenants of at least extraCountriesFrom users
	pool    *namePool
	fict    []block
	ranges  []numberRange
	offices [2]location
}

// extraCountriesFrom is the tenant size from which the countries beyond the
// first five are used: a 50-user sample over 11 countries would be thin.
const extraCountriesFrom = 1000

var countries = []*country{
	{iso: "US", name: "United States", cc: "1", nanp: true, weight: 30, pool: &enNames,
		fict:   []block{{"142555501", 2, 3}},
		ranges: nanpRanges("425", "206", "312", "646", "415", "617"),
		offices: [2]location{
			{"Redmond HQ", "Contoso Ltd", "1", "Contoso Way", "Redmond", "WA", "98052"},
			{"New York Office", "Contoso Ltd", "200", "Fabrikam Avenue", "New York", "NY", "10001"},
		}},
	{iso: "GB", name: "United Kingdom", cc: "44", trunk: "0", weight: 18, pool: &enNames,
		// Ofcom's ranges for drama use.
		fict:   []block{{"442079460", 3, 2}, {"441614960", 3, 3}, {"441134960", 3, 3}, {"441214960", 3, 3}},
		ranges: []numberRange{{"20", 4, 3000, 3999}, {"20", 4, 8000, 8999}},
		offices: [2]location{
			{"London Office", "Contoso UK Ltd", "10", "Northwind Street", "London", "", "EC1A 1BB"},
			{"Manchester Office", "Contoso UK Ltd", "5", "Tailspin Road", "Manchester", "", "M1 1AE"},
		}},
	{iso: "DE", name: "Germany", cc: "49", trunk: "0", weight: 14, pool: &deNames,
		ranges: []numberRange{{"30", 4, 5550, 9999}, {"89", 4, 5550, 9999}, {"40", 4, 5550, 9999}},
		offices: [2]location{
			{"Berlin Büro", "Contoso GmbH", "12", "Musterstraße", "Berlin", "Berlin", "10115"},
			{"München Büro", "Contoso GmbH", "3", "Beispielweg", "München", "Bayern", "80331"},
		}},
	{iso: "FR", name: "France", cc: "33", trunk: "0", weight: 12, pool: &frNames,
		// ARCEP's ranges for fiction.
		fict:   []block{{"3319900", 4, 1}, {"3326191", 4, 1}, {"3335301", 4, 1}, {"3346571", 4, 1}, {"3353649", 4, 1}},
		ranges: []numberRange{{"1", 4, 4000, 9999}},
		offices: [2]location{
			{"Bureau de Paris", "Contoso SAS", "8", "Rue de l'Exemple", "Paris", "Île-de-France", "75001"},
			{"Bureau de Lyon", "Contoso SAS", "21", "Quai Fictif", "Lyon", "Auvergne-Rhône-Alpes", "69002"},
		}},
	{iso: "AU", name: "Australia", cc: "61", trunk: "0", weight: 8, pool: &enNames,
		// ACMA's ranges for fiction.
		fict:   []block{{"6125550", 4, 1}, {"6137010", 4, 1}, {"6175550", 4, 1}, {"6187010", 4, 1}},
		ranges: []numberRange{{"2", 4, 8000, 9999}, {"3", 4, 9000, 9999}},
		offices: [2]location{
			{"Sydney Office", "Contoso Pty Ltd", "1", "Sample Street", "Sydney", "NSW", "2000"},
			{"Melbourne Office", "Contoso Pty Ltd", "45", "Example Lane", "Melbourne", "VIC", "3000"},
		}},
	{iso: "CA", name: "Canada", cc: "1", nanp: true, weight: 5, extra: true, pool: &enNames,
		fict:   []block{{"141655501", 2, 3}},
		ranges: nanpRanges("416", "604", "514"),
		offices: [2]location{
			{"Toronto Office", "Contoso Canada Inc", "100", "Fictional Street West", "Toronto", "ON", "M5H 2N2"},
			{"Vancouver Office", "Contoso Canada Inc", "9", "Sample Road", "Vancouver", "BC", "V6B 1A1"},
		}},
	{iso: "NL", name: "Netherlands", cc: "31", trunk: "0", weight: 4, extra: true, pool: &nlNames,
		ranges: []numberRange{{"20", 3, 555, 999}},
		offices: [2]location{
			{"Kantoor Amsterdam", "Contoso B.V.", "7", "Voorbeeldstraat", "Amsterdam", "Noord-Holland", "1012 AB"},
			{"Kantoor Rotterdam", "Contoso B.V.", "30", "Proefkade", "Rotterdam", "Zuid-Holland", "3011 AA"},
		}},
	{iso: "ES", name: "Spain", cc: "34", weight: 4, extra: true, pool: &esNames,
		ranges: []numberRange{{"91", 3, 555, 999}},
		offices: [2]location{
			{"Oficina Madrid", "Contoso España S.L.", "14", "Calle Ejemplo", "Madrid", "Madrid", "28013"},
			{"Oficina Barcelona", "Contoso España S.L.", "2", "Carrer Fictici", "Barcelona", "Cataluña", "08002"},
		}},
	{iso: "SE", name: "Sweden", cc: "46", trunk: "0", weight: 3, extra: true, pool: &svNames,
		ranges: []numberRange{{"8", 4, 5550, 9999}},
		offices: [2]location{
			{"Kontor Stockholm", "Contoso AB", "11", "Exempelgatan", "Stockholm", "", "111 22"},
			{"Kontor Göteborg", "Contoso AB", "4", "Provvägen", "Göteborg", "", "411 01"},
		}},
	{iso: "JP", name: "Japan", cc: "81", trunk: "0", weight: 2, extra: true, pool: &jaNames,
		ranges: []numberRange{{"3", 4, 5555, 9999}},
		offices: [2]location{
			{"Tokyo Office", "Contoso KK", "1-2-3", "Sample-cho", "Chiyoda-ku", "Tokyo", "100-0001"},
			{"Osaka Office", "Contoso KK", "4-5", "Rei-dori", "Kita-ku", "Osaka", "530-0001"},
		}},
	{iso: "IE", name: "Ireland", cc: "353", trunk: "0", weight: 2, extra: true, pool: &enNames,
		ranges: []numberRange{{"1", 3, 555, 999}},
		offices: [2]location{
			{"Dublin Office", "Contoso Ireland Ltd", "6", "Sample Quay", "Dublin", "", "D02 X285"},
			{"Cork Office", "Contoso Ireland Ltd", "19", "Example Street", "Cork", "", "T12 AB34"},
		}},
}

// nanpRanges lists, for each area code, the exchanges 201–999 except 555
// (kept for the fictional 555-01xx block) and the N11 service codes.
func nanpRanges(areas ...string) []numberRange {
	var rs []numberRange
	for _, a := range areas {
		from := 201
		for x := 201; x <= 1000; x++ {
			if x == 1000 || x == 555 || x%100 == 11 {
				if x > from {
					rs = append(rs, numberRange{a, 3, from, x - 1})
				}
				from = x + 1
			}
		}
	}
	return rs
}

// fictSize is how many numbers the fictional blocks hold.
func (c *country) fictSize() uint32 {
	var n uint32
	for _, b := range c.fict {
		n += pow10(b.tail)
	}
	return n
}

// capacity is how many numbers the country can supply in all.
func (c *country) capacity() uint64 {
	n := uint64(c.fictSize())
	for _, r := range c.ranges {
		n += uint64(r.to-r.from+1) * rangeBlock
	}
	return n
}

func pow10(n int) uint32 {
	p := uint32(1)
	for range n {
		p *= 10
	}
	return p
}

// blockOf returns the block holding the addr-th number of the country and
// the number's offset in it. Addresses count from the first fictional
// number; the country's numbers are ascending in address order.
func (c *country) blockOf(addr uint32) (block, uint32, bool) {
	for _, b := range c.fict {
		size := pow10(b.tail)
		if addr < size {
			return b, addr, true
		}
		addr -= size
	}
	idx := addr / rangeBlock
	for _, r := range c.ranges {
		n := uint32(r.to - r.from + 1)
		if idx < n {
			mid := strconv.Itoa(r.from + int(idx))
			for len(mid) < r.midWidth {
				mid = "0" + mid
			}
			return block{prefix: c.cc + r.area + mid, tail: 4, area: len(r.area)}, addr % rangeBlock, true
		}
		idx -= n
	}
	return block{}, 0, false
}

// appendE164 appends "+" and the digits of the addr-th number.
func (c *country) appendE164(dst []byte, addr uint32) []byte {
	b, off, ok := c.blockOf(addr)
	if !ok {
		// Unreachable from any input: layOutNumbers and spare check the
		// capacity before they hand out an address.
		panic(fmt.Sprintf("numsync-gen: %s has no number %d", c.iso, addr))
	}
	dst = append(dst, '+')
	dst = append(dst, b.prefix...)
	return appendPadded(dst, off, b.tail)
}

func appendPadded(dst []byte, v uint32, width int) []byte {
	var buf [10]byte
	for i := width - 1; i >= 0; i-- {
		buf[i] = byte('0' + v%10)
		v /= 10
	}
	return append(dst, buf[:width]...)
}

// e164 returns the addr-th number as a string.
func (c *country) e164(addr uint32) string { return string(c.appendE164(nil, addr)) }

// numberStyle is a way people write a number in a sheet.
type numberStyle uint8

const (
	styleE164     numberStyle = iota // +14255550123
	styleSpaced                      // +1 425 555 0123
	styleTel                         // tel:+14255550123
	styleNoPlus                      // 14255550123: E.164 with the "+" lost
	styleNational                    // (425) 555-0123, 030 5550 1234
)

// format writes the addr-th number in style s.
func (c *country) format(addr uint32, s numberStyle) string {
	e := c.e164(addr)
	if s == styleE164 {
		return e
	}
	b, _, _ := c.blockOf(addr)
	nsn := e[1+len(c.cc):]
	area, rest := nsn[:b.area], nsn[b.area:]
	switch s {
	case styleSpaced:
		return "+" + c.cc + " " + area + " " + rest
	case styleTel:
		return "tel:" + e
	case styleNoPlus:
		return e[1:]
	}
	if c.nanp {
		return "(" + area + ") " + rest[:3] + "-" + rest[3:]
	}
	if len(rest) >= 7 {
		rest = rest[:len(rest)-4] + " " + rest[len(rest)-4:]
	}
	return c.trunk + area + " " + rest
}

// checkBlock verifies with numsync.ParseNumber that the block holding addr
// yields valid numbers of the country: its first and last number and a few
// in between. Validity in libphonenumber is decided by prefix and length,
// so a block whose ends and samples pass is valid throughout (the tests
// check every number of moderate tenants one by one).
func (c *country) checkBlock(addr uint32) error {
	b, off, ok := c.blockOf(addr)
	if !ok {
		return fmt.Errorf("%s: the generator's ranges hold no number %d; use fewer users", c.iso, addr)
	}
	start := addr - off
	size := pow10(b.tail)
	for _, o := range []uint32{0, size - 1, size / 2, size / 3, size * 7 / 9} {
		e := c.e164(start + o)
		n, err := numsync.ParseNumber(e, "")
		if err != nil {
			return fmt.Errorf("%s range %s: %w", c.iso, b.prefix, err)
		}
		if got := n.Country(); got != c.iso {
			return fmt.Errorf("%s range %s: %s belongs to %q", c.iso, b.prefix, e, got)
		}
	}
	return nil
}

// blockStart returns the address of the first number of addr's block.
func (c *country) blockStart(addr uint32) uint32 {
	_, off, _ := c.blockOf(addr)
	return addr - off
}
