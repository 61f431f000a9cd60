package main

import (
	"strings"
	"testing"

	"github.com/numsync/numsync"
)

// What came from a sheet never reaches the terminal raw: a NUL, an escape
// sequence or a right-to-left override is shown, not sent.
func TestPrintIssueShowsHostileCharacters(t *testing.T) {
	var b strings.Builder
	printIssue(&b, "", numsync.Issue{Code: numsync.UnknownUser, File: "s.csv", Line: 3,
		Message: "nul\x00 \x1b[2J rtl\u202Emoc.evil@contoso.com is not in the directory", Hint: "check\r\nthe spelling"})
	out := b.String()
	if strings.ContainsAny(out, "\x00\x1b\u202E\r") {
		t.Errorf("printed raw control characters: %q", out)
	}
	want := "s.csv:3: UNKNOWN_USER: nul⟨U+0000⟩  [2J rtl⟨U+202E⟩moc.evil@contoso.com is not in the directory\n  hint: check  the spelling\n"
	if out != want {
		t.Errorf("printed %q\nwant    %q", out, want)
	}
}
