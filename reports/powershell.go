package reports

import (
	"bufio"
	"bytes"
	"fmt"
	"strconv"
	"strings"

	"github.com/numsync/numsync"
)

// isPSQuote reports whether PowerShell's tokenizer takes r for a single
// quote: besides the apostrophe it accepts the typographic quotes that
// word processors substitute (U+2018, U+2019, U+201A, U+201B), so those
// must be doubled as well or a value could end its string early.
func isPSQuote(r rune) bool {
	switch r {
	case '\'', '\u2018', '\u2019', '\u201A', '\u201B':
		return true
	}
	return false
}

// psQuote writes s as a PowerShell single-quoted string, in which nothing
// is expanded ($, backtick and double quotes are literal) and a quote
// character is written twice. Values a single line cannot carry (control
// characters, line separators, invalid UTF-8) are refused rather than
// altered: a script that did something other than the plan says would be
// worse than none.
func psQuote(s string) (string, error) {
	var b strings.Builder
	b.Grow(len(s) + 2)
	if err := appendPSQuote(&b, s); err != nil {
		return "", err
	}
	return b.String(), nil
}

// appendPSQuote writes s to b as psQuote quotes it. On error b holds part
// of the value and the caller drops it.
func appendPSQuote(b quoteWriter, s string) error {
	if err := numsync.CheckQuotable(s); err != nil {
		return err
	}
	b.WriteByte('\'')
	for _, r := range s {
		if isPSQuote(r) {
			b.WriteRune(r)
		}
		b.WriteRune(r)
	}
	b.WriteByte('\'')
	return nil
}

// quoteWriter is where appendPSQuote writes: a strings.Builder for one
// value, the script's reused bytes.Buffer for a call.
type quoteWriter interface {
	WriteByte(c byte) error
	WriteRune(r rune) (int, error)
}

// psScript writes the steps of a PowerShell script: a comment, a logged
// message and one cmdlet call each. See [writePSScript].
type psScript struct {
	// out receives the steps; nil in the counting pass, which only counts
	// them and collects the values that cannot be quoted.
	out     *bufio.Writer
	refused []string
	steps   int
	// line is the call being written: it goes out only once every value
	// is quoted, so a refused value leaves no part of its call. Buffers,
	// not strings.Builders: Reset keeps their memory for the next step.
	line bytes.Buffer
	// log is the description of the step being written.
	log bytes.Buffer
}

// comment adds a comment line made of parts; the text is reduced to one
// printable line.
func (s *psScript) comment(parts ...string) {
	if s.out == nil {
		return
	}
	s.log.Reset()
	for _, p := range parts {
		s.log.WriteString(p)
	}
	s.out.WriteString("# ")
	s.out.WriteString(numsync.OneLine(s.log.String()))
	s.out.WriteByte('\n')
}

func (s *psScript) blank() {
	if s.out != nil {
		s.out.WriteByte('\n')
	}
}

// psArg is one parameter of a cmdlet call: a quoted value or a bare word
// (for constants chosen by this package).
type psArg struct {
	name  string
	value string
	bare  bool   // value is a constant of this package, written unquoted
	wrap  string // if set, a format with one %s for the quoted value
}

// call adds one logged cmdlet call; what, joined, describes the step in
// the log.
func (s *psScript) call(cmdlet string, args []psArg, what ...string) {
	line := &s.line
	line.Reset()
	line.WriteString(cmdlet)
	for _, a := range args {
		line.WriteString(" -")
		line.WriteString(a.name)
		switch {
		case a.bare:
			line.WriteByte(' ')
			line.WriteString(a.value)
		case a.wrap != "":
			q, err := psQuote(a.value)
			if err != nil {
				s.refuse(a, err)
				return
			}
			line.WriteByte(' ')
			fmt.Fprintf(line, a.wrap, q)
		default:
			line.WriteByte(' ')
			if err := appendPSQuote(line, a.value); err != nil {
				s.refuse(a, err)
				return
			}
		}
	}
	s.steps++
	if s.out == nil {
		return
	}
	s.log.Reset()
	s.log.WriteString("step ")
	s.log.WriteString(strconv.Itoa(s.steps))
	s.log.WriteString(": ")
	for _, p := range what {
		s.log.WriteString(p)
	}
	s.out.WriteString("Write-Step ")
	if logText, err := psQuote(s.log.String()); err == nil {
		s.out.WriteString(logText)
	} else {
		// The values are already known to quote; only the description could
		// fail, and it is made of them.
		fmt.Fprintf(s.out, "'step %d'", s.steps)
	}
	s.out.WriteByte('\n')
	s.out.Write(line.Bytes())
	s.out.WriteByte('\n')
}

// refuse records a value that cannot be quoted; the script then throws
// instead of running any step.
func (s *psScript) refuse(a psArg, err error) {
	s.refused = append(s.refused, fmt.Sprintf("-%s of step %d: %v", a.name, s.steps+1, err))
}

// psBOM starts each script: Windows PowerShell 5.1 reads a script without
// a byte order mark in the ANSI code page, which would garble non-ASCII
// names and distinguished names.
const psBOM = "\uFEFF"

// psLogHeader is the part of every script's header that makes it stop at
// the first error and log each step; logName is the log file's name beside
// the script.
func psLogHeader(logName string) string {
	return `Set-StrictMode -Version 3.0
$ErrorActionPreference = 'Stop'
$numsyncLog = Join-Path -Path $PSScriptRoot -ChildPath '` + logName + `'
function Write-Step([string]$Text) {
    $line = '{0} {1}' -f (Get-Date).ToString('o'), $Text
    Write-Host $line
    Add-Content -LiteralPath $numsyncLog -Value $line -Encoding UTF8
}
`
}

// writePSScript writes a script: comment header, code header, then the
// steps or, if any value cannot be quoted, a throw naming the values, so
// that running it changes nothing. The header needs the number of steps
// and the refusals before any step is written, so steps runs twice: once
// to count, once to write straight into w.
func writePSScript(w *bufio.Writer, comments []string, header string, steps func(*psScript)) {
	var count psScript
	steps(&count)
	w.WriteString(psBOM)
	for _, c := range comments {
		if c == "" {
			w.WriteString("#\n")
			continue
		}
		w.WriteString("# " + numsync.OneLine(c) + "\n")
	}
	w.WriteString(header)
	w.WriteString("\n")
	if len(count.refused) > 0 {
		w.WriteString("# numsync refused to write the steps of this script: some values cannot be quoted safely.\n")
		for _, r := range count.refused {
			w.WriteString("# " + numsync.OneLine(r) + "\n")
		}
		msg, _ := psQuote(fmt.Sprintf("numsync: this script was not written because %d values cannot be quoted safely; see the comments above", len(count.refused)))
		w.WriteString("throw " + msg + "\n")
		return
	}
	fmt.Fprintf(w, "Write-Step 'start: %d steps'\n", count.steps)
	steps(&psScript{out: w})
	w.WriteString("\nWrite-Step 'done'\n")
}
