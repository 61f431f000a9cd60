package main

import (
	"fmt"
	"io"

	"numsync"
)

// printIssue writes one issue as one line: "file:line: CODE: message", with
// the hint on an indented line below.
func printIssue(w io.Writer, is numsync.Issue) {
	where := is.File
	if is.Line > 0 {
		where = fmt.Sprintf("%s:%d", is.File, is.Line)
	}
	if where != "" {
		where += ": "
	}
	col := ""
	if is.Column != "" {
		col = "column " + is.Column + ": "
	}
	fmt.Fprintf(w, "%s%s%s: %s\n", where, col, is.Code, is.Message)
	if is.Hint != "" {
		fmt.Fprintf(w, "  hint: %s\n", is.Hint)
	}
}
