package importer

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/numsync/numsync"
)

// writeSheet writes a sheet of the given lines into a new directory.
func writeSheet(t *testing.T, lines ...string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "sheet.csv")
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// allocated returns how many bytes fn allocated.
func allocated(fn func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	fn()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// A hostile or damaged file costs bounded memory and gives short
// messages, whatever the size of its lines and cells.
func TestInputLimits(t *testing.T) {
	const header = "UserPrincipalName,PhoneNumber,PhoneNumberType"
	huge := strings.Repeat("X", 20<<20) // 20 MB without a line break

	t.Run("HugeHeaderLine", func(t *testing.T) {
		path := writeSheet(t, huge, "ann@contoso.com,+14255550101,CallingPlan")
		var res *SheetResult
		var err error
		n := allocated(func() { res, err = ReadSheets(context.Background(), []string{path}, nil) })
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Rejects) != 1 || res.Rejects[0].Code != numsync.BadRow || res.Rejects[0].Line != 1 ||
			!strings.Contains(res.Rejects[0].Message, "longer than the limit of 65536 bytes") {
			t.Fatalf("rejects %+v, want line 1 refused as longer than the limit", res.Rejects)
		}
		if n > 4<<20 {
			t.Errorf("reading a 20 MB header line allocated %d MB; the line should be skipped unread", n>>20)
		}
	})

	t.Run("HugeLineAmongRows", func(t *testing.T) {
		path := writeSheet(t, header, "ann@contoso.com,+14255550101,CallingPlan", huge, "bob@contoso.com,+14255550102,CallingPlan")
		res, err := ReadSheets(context.Background(), []string{path}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Rejects) != 1 || res.Rejects[0].Line != 3 || !strings.Contains(res.Rejects[0].Message, "limit") {
			t.Errorf("rejects %+v, want line 3 refused", res.Rejects)
		}
		if len(res.Wishes) != 2 || res.Wishes[1].Source.Line != 4 {
			t.Errorf("wishes %+v, want the rows around the long line, at their own lines", res.Wishes)
		}
	})

	t.Run("QuoteNeverClosed", func(t *testing.T) {
		// Short lines, but from line 3 on one quoted cell: encoding/csv
		// alone would make the rest of the file a single row in memory.
		rest := strings.Repeat("more text of the cell that never ends\n", 800_000) // 30 MB
		path := writeSheet(t, header, "ann@contoso.com,+14255550101,CallingPlan", `bob@contoso.com,"+14255550102`, rest)
		var res *SheetResult
		var err error
		n := allocated(func() { res, err = ReadSheets(context.Background(), []string{path}, nil) })
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Wishes) != 1 || len(res.Rejects) != 1 || res.Rejects[0].Line != 2 ||
			!strings.Contains(res.Rejects[0].Message, "runs on for more than the limit of 1048576 bytes") {
			t.Fatalf("wishes %+v rejects %+v, want ann's row and the runaway row refused after line 2", res.Wishes, res.Rejects)
		}
		if n > 16<<20 {
			t.Errorf("reading a 30 MB runaway row allocated %d MB", n>>20)
		}
	})

	t.Run("LongCell", func(t *testing.T) {
		path := writeSheet(t, header, "ann@contoso.com,"+strings.Repeat("1", MaxCellBytes+1)+",CallingPlan")
		res, err := ReadSheets(context.Background(), []string{path}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Rejects) != 1 || !strings.Contains(res.Rejects[0].Message, "cell 2 has 4097 bytes, more than the limit of 4096") {
			t.Errorf("rejects %+v, want the row refused naming the cell limit", res.Rejects)
		}
	})

	t.Run("MessagesAreClipped", func(t *testing.T) {
		// A cell under the limit that a message quotes, and a header of
		// many unknown columns that a warning lists.
		cols := make([]string, 200)
		for i := range cols {
			cols[i] = "Unknown" + strings.Repeat("c", 200) + string(rune('a'+i%26))
		}
		path := writeSheet(t, header+","+strings.Join(cols, ","),
			"ann@contoso.com,"+strings.Repeat("9", 4000)+",CallingPlan"+strings.Repeat(",", len(cols)))
		res, err := ReadSheets(context.Background(), []string{path}, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, is := range append(res.Rejects, res.Warnings...) {
			if len(is.Message) > 1<<10 || len(is.Number) > 1<<10 {
				t.Errorf("%s message of %d bytes (number %d): %.80s…", is.Code, len(is.Message), len(is.Number), is.Message)
			}
		}
		if len(res.Rejects)+len(res.Warnings) < 2 {
			t.Errorf("rejects %+v warnings %+v, want the number refused and the columns warned about", res.Rejects, res.Warnings)
		}
	})
}
