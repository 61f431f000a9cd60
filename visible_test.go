package numsync

import "testing"

func TestHiddenCharactersAreShown(t *testing.T) {
	for in, want := range map[string]string{
		"rtl\u202Emoc.evil@contoso.com": "rtl⟨U+202E⟩moc.evil@contoso.com",
		"a\u200Bb\u2066c\u2069\uFEFF":   "a⟨U+200B⟩b⟨U+2066⟩c⟨U+2069⟩⟨U+FEFF⟩",
		"nul\x00here":                   "nul⟨U+0000⟩here",
		"plain@contoso.com":             "plain@contoso.com",
		"Zoë Ångström":                  "Zoë Ångström",
	} {
		if got := ShowHidden(in); got != want {
			t.Errorf("ShowHidden(%q) = %q, want %q", in, got, want)
		}
	}
	if got := OneLine("two\r\nlines\x1b[31m\x00\u202E"); got != "two  lines [31m⟨U+0000⟩⟨U+202E⟩" {
		t.Errorf("OneLine = %q", got)
	}
	for r := rune(0); r <= 0x10FFFF; r++ {
		if r >= 0xD800 && r <= 0xDFFF {
			continue
		}
		if HasHidden("x"+string(r)+"y") != IsHidden(r) {
			t.Fatalf("HasHidden of U+%04X = %v, IsHidden %v", r, !IsHidden(r), IsHidden(r))
		}
	}
	if CheckQuotable("evil\r\nRemove-Item") == nil || CheckQuotable("o’connor@contoso.com") != nil {
		t.Error("CheckQuotable is wrong")
	}
}
