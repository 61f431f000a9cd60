package numsync

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// IsControl reports whether r could break a line or steer a terminal: the
// C0 and C1 control characters (NUL, line breaks, escape…) and the Unicode
// line and paragraph separators.
func IsControl(r rune) bool {
	return r < 0x20 || (r >= 0x7f && r <= 0x9f) || r == '\u2028' || r == '\u2029'
}

// IsHidden reports whether r is a bidirectional or invisible control: a
// character that shows nothing itself but can make text read as something
// else ("rtl\u202Emoc.evil@contoso.com" reads as another domain). These are
// the zero-width characters and direction marks U+200B–U+200F, the
// embeddings and overrides U+202A–U+202E, the isolates U+2066–U+2069 and
// U+FEFF.
func IsHidden(r rune) bool {
	return (r >= 0x200B && r <= 0x200F) || (r >= 0x202A && r <= 0x202E) || (r >= 0x2066 && r <= 0x2069) || r == 0xFEFF
}

// HasHidden reports whether s holds a character [IsHidden] names. Every
// such character is encoded in UTF-8 starting with byte 0xE2 or 0xEF, so
// the common case (neither byte) is one fast scan per byte value: imports
// check every cell of every row.
func HasHidden(s string) bool {
	if strings.IndexByte(s, 0xE2) < 0 && strings.IndexByte(s, 0xEF) < 0 {
		return false
	}
	return strings.IndexFunc(s, IsHidden) >= 0
}

// ShowHidden returns s with every hidden character ([IsHidden]) and every
// NUL written out as "⟨U+202E⟩", so that a person reading a report sees
// the character instead of its effect. Everything else is left as it is.
func ShowHidden(s string) string {
	if strings.IndexFunc(s, func(r rune) bool { return r == 0 || IsHidden(r) }) < 0 {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if r == 0 || IsHidden(r) {
			fmt.Fprintf(&b, "⟨U+%04X⟩", r)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// CheckQuotable says why s cannot be written as one quoted value of a
// script line (teams-apply.ps1, ad-cleanup.ps1): it is not valid UTF-8, or
// it holds a line break or another control character. nil means it can.
func CheckQuotable(s string) error {
	if !utf8.ValidString(s) {
		return fmt.Errorf("%q is not valid UTF-8", s)
	}
	if strings.IndexFunc(s, IsControl) >= 0 {
		return fmt.Errorf("%q contains a control character or line break", s)
	}
	return nil
}

// OneLine makes s safe to show on one line of a terminal, a report, a
// script comment or a log: control characters (escape sequences and line
// breaks included) and the Unicode line separators become spaces, invalid
// UTF-8 becomes U+FFFD, and NUL and the hidden characters are shown as
// [ShowHidden] shows them rather than obeyed.
func OneLine(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	return ShowHidden(strings.Map(func(r rune) rune {
		if r != 0 && IsControl(r) {
			return ' '
		}
		return r
	}, s))
}
