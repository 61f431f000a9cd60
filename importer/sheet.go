package importer

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/numsync/numsync"
)

const (
	shUPN = iota
	shNumber
	shType
	shLocation
	shCategory
	shNotify
	shAction
	shQuarantine
)

var sheetSchema = []Column{
	shUPN:        {Name: "UserPrincipalName", Aliases: []string{"Identity", "UPN", "User"}, Required: true},
	shNumber:     {Name: "PhoneNumber", Aliases: []string{"TelephoneNumber", "Number", "LineUri"}, Required: true},
	shType:       {Name: "PhoneNumberType", Aliases: []string{"NumberType", "Type"}},
	shLocation:   {Name: "LocationId", Aliases: []string{"EmergencyLocation"}},
	shCategory:   {Name: "AssignmentCategory", Aliases: []string{"Category"}},
	shNotify:     {Name: "Notify", Aliases: []string{"EmailUser"}},
	shAction:     {Name: "Action"},
	shQuarantine: {Name: "AllowQuarantined"},
}

// UsageLocationFunc returns the usage location (ISO 3166 alpha-2) of the
// identity with the given [numsync.UPNKey], and whether the identity is
// known. Sheets use it as the default region of numbers written in national
// format. It is called from one goroutine at a time.
type UsageLocationFunc func(upnKey string) (usageLocation string, ok bool)

// SheetInfo describes one sheet that was read.
type SheetInfo struct {
	File    string
	Dialect Dialect
	Rows    int // data rows read, good and bad
	// Err is set when the file could not be read as a sheet at all (no
	// header, a missing column, broken quoting in the header): none of its
	// rows are in the result, and a reject says why. Callers must not treat
	// the identities of such a sheet as unnamed (authoritative mode).
	Err *RowError
}

// SheetResult is what a set of assignment sheets asks for.
type SheetResult struct {
	// Wishes are the accepted rows, in file and line order, each with its
	// source file and line. A wish repeated identically is here once.
	Wishes []numsync.Wish
	// Rejects are the rows (or files) that gave no wish, in file and line
	// order: BAD_ROW, BAD_NUMBER, NO_EXTENSION_ALLOWED, DUPLICATE_NUMBER,
	// CONFLICTING_ROWS.
	Rejects []numsync.Issue
	// Warnings are DUPLICATE_ROW for identical repeats and UNKNOWN_COLUMN
	// and NOT_UTF8 for files.
	Warnings []numsync.Issue
	RowsRead int
	Sheets   []SheetInfo
}

// SheetFiles expands paths to the sheets they name: a file is itself
// (whatever its extension), a directory gives its *.csv files (any case of
// the extension, not recursing) in name order. A directory without sheets
// is an error: running against an empty folder is never what was meant.
func SheetFiles(paths []string) ([]string, error) {
	var files []string
	seen := make(map[string]bool)
	add := func(f string) {
		// A sheet named twice (by itself and by its directory) is read once.
		if c := filepath.Clean(f); !seen[c] {
			seen[c] = true
			files = append(files, f)
		}
	}
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		if !st.IsDir() {
			add(p)
			continue
		}
		entries, err := os.ReadDir(p)
		if err != nil {
			return nil, err
		}
		found := false
		for _, e := range entries {
			if e.Type().IsRegular() && strings.EqualFold(filepath.Ext(e.Name()), ".csv") {
				add(filepath.Join(p, e.Name()))
				found = true
			}
		}
		if !found {
			return nil, fmt.Errorf("%s: no *.csv sheets in this directory", p)
		}
	}
	return files, nil
}

// ReadSheets reads the assignment sheets named by paths (files, or
// directories of *.csv read in name order; see [SheetFiles]) into wishes,
// one row at a time. Numbers are normalised to E.164, national numbers
// read with the usage location lookup gives for the row's identity (lookup
// may be nil). Every row either becomes a wish or a reject with file,
// physical line and reason; rows are then checked against each other
// across all sheets (DUPLICATE_NUMBER, CONFLICTING_ROWS, DUPLICATE_ROW).
//
// A file that cannot be read as a sheet is a reject for that file and
// does not stop the others. The error is for what no sheet can fix: a
// path that does not exist, an I/O error, ctx ending.
func ReadSheets(ctx context.Context, paths []string, lookup UsageLocationFunc, opts ...Option) (*SheetResult, error) {
	return readSheets(ctx, paths, lookup, runtime.GOMAXPROCS(0), opts...)
}

// Option tunes [ReadSheets].
type Option func(*sheetSet)

// KnownNumberFunc returns the number written e164 ("+" and digits) when
// the caller already holds it as a valid number, typically from the
// tenant's inventory, and false otherwise.
type KnownNumberFunc func(e164 string) (numsync.Number, bool)

// WithKnownNumbers has a number written exactly in E.164 that known
// recognises taken as known returns it, without validating it against the
// numbering plan again. The inventory's numbers were validated when they
// were imported, and validating numbers is most of the cost of reading a
// sheet; sharing the inventory's copy of the number also saves memory.
func WithKnownNumbers(known KnownNumberFunc) Option {
	return func(s *sheetSet) { s.known = known }
}

// WithProgress has fn told how many bytes of the sheets have been read so
// far, as reading goes on (for a progress bar).
func WithProgress(fn func(bytes int64)) Option {
	return func(s *sheetSet) { s.progress = fn }
}

func readSheets(ctx context.Context, paths []string, lookup UsageLocationFunc, workers int, opts ...Option) (*SheetResult, error) {
	files, err := SheetFiles(paths)
	if err != nil {
		return nil, err
	}
	s := newSheetSet(lookup, workers)
	for _, o := range opts {
		o(s)
	}
	for _, f := range files {
		if err := s.readFile(ctx, f); err != nil {
			return nil, err
		}
	}
	return s.result(), nil
}

// sheetSet gathers the rows of all sheets of one run. Memory grows with
// the distinct wishes (identities and numbers), not with the rows read:
// identical repeats are folded into their first row as a source.
type sheetSet struct {
	lookup    UsageLocationFunc
	known     KnownNumberFunc // nil: every number is validated
	workers   int             // goroutines normalising numbers; 1 reads serially
	res       SheetResult
	rows      []sheetRow
	byWish    map[numsync.Wish]int32 // wish with UPN key and no source -> row
	byIdent   rowGroups[identKey]    // identity and category -> rows
	byNumber  rowGroups[string]      // number -> rows
	order     map[string]int         // file -> position, for sorting issues
	progress  func(bytes int64)      // nil: nobody watches
	bytesRead int64                  // for progress
}

type sheetRow struct {
	wish    numsync.Wish
	key     string           // numsync.UPNKey of the identity
	repeats []numsync.Source // identical rows after the first
}

func newSheetSet(lookup UsageLocationFunc, workers int) *sheetSet {
	if lookup == nil {
		lookup = func(string) (string, bool) { return "", false }
	}
	return &sheetSet{
		lookup:   lookup,
		workers:  workers,
		byWish:   make(map[numsync.Wish]int32),
		byIdent:  newRowGroups[identKey](),
		byNumber: newRowGroups[string](),
		order:    make(map[string]int),
	}
}

func (s *sheetSet) readFile(ctx context.Context, file string) error {
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	if s.progress == nil {
		return s.read(ctx, f, file)
	}
	return s.read(ctx, &progressReader{r: f, s: s}, file)
}

// progressReader tells the sheet set's watcher how far reading has got.
type progressReader struct {
	r io.Reader
	s *sheetSet
}

func (p *progressReader) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	p.s.bytesRead += int64(n)
	p.s.progress(p.s.bytesRead)
	return n, err
}

// read reads one sheet from in, named file in sources and messages.
func (s *sheetSet) read(ctx context.Context, in io.Reader, file string) error {
	if _, ok := s.order[file]; !ok {
		s.order[file] = len(s.order)
	}
	info := SheetInfo{File: file}
	defer func() { s.res.Sheets = append(s.res.Sheets, info) }()
	r, err := NewReader(in, file, sheetSchema)
	var re *RowError
	if errors.As(err, &re) {
		info.Err = re
		s.res.Rejects = append(s.res.Rejects, re.Issue())
		return nil
	}
	if err != nil {
		return fmt.Errorf("reading %s: %w", file, err)
	}
	info.Dialect = r.Dialect()
	s.res.Warnings = append(s.res.Warnings, r.Warnings()...)
	if s.workers > 1 {
		err = s.readParallel(ctx, r, &info)
	} else {
		err = s.readSerial(ctx, r, &info)
	}
	if err != nil && ctx.Err() == nil {
		err = fmt.Errorf("reading %s: %w", file, err)
	}
	return err
}

// nextPending reads the next row and settles everything but its number.
// It returns io.EOF at the end of the file.
func (s *sheetSet) nextPending(r *Reader) (pendingRow, error) {
	rec, err := r.Next()
	var re *RowError
	if errors.As(err, &re) {
		if rec.r != nil {
			// Name the identity, so that a later authoritative run leaves it alone.
			re.UPN = strings.Clone(rec.Value(shUPN))
		}
		return pendingRow{err: re}, nil
	}
	if err != nil {
		return pendingRow{}, err
	}
	return s.prepare(rec), nil
}

func (s *sheetSet) readSerial(ctx context.Context, r *Reader, info *SheetInfo) error {
	for n := 0; ; n++ {
		if n%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		p, err := s.nextPending(r)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		p.normalise()
		s.addRow(info, p)
	}
}

// batchSize is how many rows travel together through the parallel reader;
// large enough that channel hand-offs cost little per row, small enough
// that the rows in flight stay a few hundred kilobytes.
const batchSize = 256

type rowBatch struct {
	seq  int
	rows []pendingRow
}

// readParallel reads rows on one goroutine, normalises their numbers on
// s.workers others (parsing and validating numbers is most of the work)
// and adds them here in file order. A fixed set of batches circulates, so
// memory stays flat however long the file is.
func (s *sheetSet) readParallel(ctx context.Context, r *Reader, info *SheetInfo) error {
	free := make(chan *rowBatch, 4*s.workers)
	for range cap(free) {
		free <- &rowBatch{rows: make([]pendingRow, 0, batchSize)}
	}
	work := make(chan *rowBatch, s.workers)
	done := make(chan *rowBatch, cap(free))
	var readErr error
	go func() {
		defer close(work)
		for seq := 0; ; seq++ {
			b := <-free
			b.seq, b.rows = seq, b.rows[:0]
			if readErr = ctx.Err(); readErr != nil {
				return
			}
			for len(b.rows) < batchSize {
				p, err := s.nextPending(r)
				if err != nil {
					if !errors.Is(err, io.EOF) {
						readErr = err
					}
					work <- b
					return
				}
				b.rows = append(b.rows, p)
			}
			work <- b
		}
	}()
	var wg sync.WaitGroup
	for range s.workers {
		wg.Go(func() {
			for b := range work {
				for i := range b.rows {
					b.rows[i].normalise()
				}
				done <- b
			}
		})
	}
	go func() {
		wg.Wait()
		close(done)
	}()
	waiting := make(map[int]*rowBatch)
	next := 0
	for b := range done {
		waiting[b.seq] = b
		for b, ok := waiting[next]; ok; b, ok = waiting[next] {
			delete(waiting, next)
			for _, p := range b.rows {
				s.addRow(info, p)
			}
			next++
			free <- b
		}
	}
	return readErr
}

func (s *sheetSet) addRow(info *SheetInfo, p pendingRow) {
	info.Rows++
	s.res.RowsRead++
	s.add(p)
}

// pendingRow is a sheet row between reading and normalising its number:
// everything but the number is settled, and nothing refers to the
// reader's buffers any more.
type pendingRow struct {
	wish    numsync.Wish
	raw     string // number as written; "" to remove
	region  string // default region for national numbers
	numCol  string // header of the number column, for messages
	err     *RowError
	unknown bool // lookup did not know the identity
	// hidden warns of a cell holding a bidirectional or invisible control.
	hidden *numsync.Issue
}

func (s *sheetSet) prepare(rec Record) pendingRow {
	upn := strings.Clone(rec.Value(shUPN))
	p := pendingRow{numCol: rec.ColumnName(shNumber)}
	p.wish.UPN = upn
	p.wish.Source = numsync.Source{File: rec.r.file, Line: rec.Line}
	p.hidden = rec.hiddenWarning(upn)
	fail := func(col int, err error) pendingRow {
		p.err = rec.Error(col, numsync.BadRow, err, "")
		p.err.UPN = upn
		p.err.Number = s.numberAsRead(upn, rec.Value(shNumber))
		return p
	}
	if upn == "" {
		return fail(shUPN, errors.New("empty user principal name"))
	}
	remove := false
	switch strings.ToLower(rec.Value(shAction)) {
	case "", "assign", "add", "set":
	case "remove", "unassign", "delete":
		remove = true
	default:
		return fail(shAction, fmt.Errorf("unknown action %q (want assign or remove)", rec.Value(shAction)))
	}
	var err error
	if p.wish.Category, err = numsync.ParseCategory(rec.Value(shCategory)); err != nil {
		return fail(shCategory, err)
	}
	if p.wish.Type, err = numsync.ParseNumberType(rec.Value(shType)); err != nil {
		return fail(shType, err)
	}
	if p.wish.Notify, err = parseBool(rec.Value(shNotify), true); err != nil {
		return fail(shNotify, err)
	}
	if p.wish.AllowQuarantined, err = parseBool(rec.Value(shQuarantine), false); err != nil {
		return fail(shQuarantine, err)
	}
	p.wish.LocationID = strings.Clone(rec.Value(shLocation))
	raw := rec.Value(shNumber)
	if remove || strings.EqualFold(raw, "none") {
		return p
	}
	if sel, ok := cutPrefixFold(strings.TrimSpace(raw), numsync.NextPrefix); ok {
		parsed, err := numsync.ParseSelector(sel)
		if err != nil {
			p.err = rec.Error(shNumber, numsync.BadRow, err,
				"write next:RANGE, or next: with site=, country=, type= or range= pairs separated by ; (or by commas in a quoted cell)")
			p.err.UPN = upn
			p.err.Number = raw
			return p
		}
		p.wish.Next = parsed.String()
		return p
	}
	if n, ok := s.knownNumber(raw); ok {
		p.wish.Number = n
		return p
	}
	p.raw = strings.Clone(raw)
	if p.raw != "" {
		var known bool
		p.region, known = s.lookup(numsync.UPNKey(upn))
		p.unknown = !known
	}
	return p
}

// numberAsRead is the number cell of a row refused for another cell, as
// it reads (normalised) when it can be read, else as written: a reject
// names its number the way the rest of the reports do.
func (s *sheetSet) numberAsRead(upn, raw string) string {
	if raw == "" {
		return ""
	}
	region, _ := s.lookup(numsync.UPNKey(upn))
	if n, err := numsync.ParseNumber(raw, region); err == nil {
		return n.String()
	}
	return raw
}

// knownNumber is the number raw names when raw is in E.164 and the
// caller knows it (see [WithKnownNumbers]).
func (s *sheetSet) knownNumber(raw string) (numsync.Number, bool) {
	if s.known == nil {
		return numsync.Number{}, false
	}
	t := strings.TrimSpace(raw)
	if len(t) < 2 || t[0] != '+' {
		return numsync.Number{}, false
	}
	for i := 1; i < len(t); i++ {
		if t[i] < '0' || t[i] > '9' {
			return numsync.Number{}, false
		}
	}
	n, ok := s.known(t)
	// Only the number itself: what ParseNumber would make of t.
	return n, ok && n.E164 == t && n.Ext == ""
}

// normalise parses the row's number. It touches nothing but p, so rows
// can be normalised in parallel.
func (p *pendingRow) normalise() {
	if p.err != nil || p.raw == "" {
		return
	}
	// A reject carries the number as read when it could be read, else
	// the cell as written.
	fail := func(code numsync.Reason, number string, err error, hint string) {
		p.err = &RowError{File: p.wish.Source.File, Line: p.wish.Source.Line, Column: p.numCol, Code: code,
			UPN: p.wish.UPN, Number: number, Err: err, Hint: hint}
	}
	n, err := numsync.ParseNumber(p.raw, p.region)
	switch {
	case err != nil && p.unknown:
		fail(numsync.BadNumber, p.raw, fmt.Errorf("%w (%s is not a known user, so national numbers cannot be read)", err, p.wish.UPN), "")
	case err != nil:
		fail(numsync.BadNumber, p.raw, err, "")
	case n.Ext != "" && p.wish.Type != "" && p.wish.Type != numsync.DirectRouting:
		fail(numsync.NoExtensionAllowed, n.String(), fmt.Errorf("%s carries an extension, which only Direct Routing numbers may; the row says %s", n, p.wish.Type),
			"drop the extension, or set the type to DirectRouting if the number is routed by your own SBC")
	default:
		p.wish.Number = n
	}
}

// add files a normalised row: a reject, a repeat of an earlier row, or a
// new row whose clashes are judged in result.
func (s *sheetSet) add(p pendingRow) {
	if p.hidden != nil {
		s.res.Warnings = append(s.res.Warnings, *p.hidden)
	}
	if p.err != nil {
		s.res.Rejects = append(s.res.Rejects, p.err.Issue())
		return
	}
	key := numsync.UPNKey(p.wish.UPN)
	same := p.wish
	same.UPN, same.Source = key, numsync.Source{}
	if i, ok := s.byWish[same]; ok {
		s.rows[i].repeats = append(s.rows[i].repeats, p.wish.Source)
		return
	}
	i := int32(len(s.rows))
	s.rows = append(s.rows, sheetRow{wish: p.wish, key: key})
	s.byWish[same] = i
	s.byIdent.add(identKey{key, p.wish.Category}, i)
	if !p.wish.Number.IsZero() {
		s.byNumber.add(p.wish.Number.String(), i)
	}
}

// identKey is an identity (its UPN key) and an assignment category.
type identKey struct {
	upn      string
	category numsync.Category
}

// rowGroups finds the rows that share a key. Almost every key has one row,
// kept in a map of its own; a slice is made only for keys that repeat.
type rowGroups[K comparable] struct {
	first map[K]int32
	more  map[K][]int32 // every row of a repeated key, the first included
}

func newRowGroups[K comparable]() rowGroups[K] {
	return rowGroups[K]{first: make(map[K]int32), more: make(map[K][]int32)}
}

func (g rowGroups[K]) add(k K, row int32) {
	first, ok := g.first[k]
	switch {
	case !ok:
		g.first[k] = row
	case g.more[k] == nil:
		g.more[k] = []int32{first, row}
	default:
		g.more[k] = append(g.more[k], row)
	}
}

// repeated returns the rows of a key that more than one row has, else nil.
func (g rowGroups[K]) repeated(k K) []int32 { return g.more[k] }

// result judges the rows against each other and returns the outcome. A row
// whose number another identity wants is a DUPLICATE_NUMBER; otherwise a
// row of an identity with different wishes for one category is one of
// CONFLICTING_ROWS; the rest are wishes, their identical repeats warnings.
// Each row's message names a bounded number of the others, so that the
// work stays linear even when thousands of rows clash.
func (s *sheetSet) result() *SheetResult {
	res := &s.res
	holders := make(map[string]*numberHolders)
	res.Wishes = make([]numsync.Wish, 0, len(s.rows))
	for i, row := range s.rows {
		w := row.wish
		sources := func() []numsync.Source { return append([]numsync.Source{w.Source}, row.repeats...) }
		if n := w.Number.String(); !w.Number.IsZero() && len(s.byNumber.repeated(n)) > 1 {
			h := holders[n]
			if h == nil {
				h = s.holdersOf(s.byNumber.repeated(n))
				holders[n] = h
			}
			if others, total := h.othersThan(row.key); total > 0 {
				names := make([]string, len(others))
				for k, j := range others {
					names[k] = s.rows[j].wish.UPN + " (" + sourceList(s.rows[j]) + ")"
				}
				s.reject(sources(), w, numsync.DuplicateNumber, fmt.Sprintf("%s is also wanted by %s", w.Number, capList(names, total, "; ")),
					"give each number to one identity; remove it from the other rows")
				continue
			}
		}
		if group := s.byIdent.repeated(identKey{row.key, w.Category}); len(group) > 1 {
			var names []string
			for _, j := range group {
				if int(j) != i && len(names) < listMost {
					names = append(names, sourceList(s.rows[j])+" ("+describe(s.rows[j].wish)+")")
				}
			}
			s.reject(sources(), w, numsync.ConflictingRows,
				fmt.Sprintf("%s %s: this row wants %s, other rows want something else: %s", w.UPN, w.Category, describe(w), capList(names, len(group)-1, "; ")),
				"keep one row per identity and category")
			continue
		}
		res.Wishes = append(res.Wishes, w)
		for _, src := range row.repeats {
			res.Warnings = append(res.Warnings, numsync.Issue{Code: numsync.DuplicateRow, UPN: w.UPN, Number: w.Number.String(),
				File: src.File, Line: src.Line, Message: "the same as " + w.Source.String() + "; kept once"})
		}
	}
	s.sortIssues(res.Rejects)
	s.sortIssues(res.Warnings)
	// A copy: a pointer into s would keep every row and grouping of s
	// (about as much memory as the wishes) alive for as long as the
	// caller plans with the result.
	out := *res
	return &out
}

// numberHolders are the rows wanting one number, grouped by identity in
// the order the identities first appear.
type numberHolders struct {
	keys  []string
	rows  map[string][]int32
	total int
}

func (s *sheetSet) holdersOf(group []int32) *numberHolders {
	h := &numberHolders{rows: make(map[string][]int32), total: len(group)}
	for _, j := range group {
		k := s.rows[j].key
		if _, ok := h.rows[k]; !ok {
			h.keys = append(h.keys, k)
		}
		h.rows[k] = append(h.rows[k], j)
	}
	return h
}

// othersThan returns up to listMost rows of identities other than key, and
// how many such rows there are.
func (h *numberHolders) othersThan(key string) (rows []int32, total int) {
	for _, k := range h.keys {
		if len(rows) == listMost {
			break
		}
		if k != key {
			rows = append(rows, h.rows[k][:min(len(h.rows[k]), listMost-len(rows))]...)
		}
	}
	return rows, h.total - len(h.rows[key])
}

func (s *sheetSet) reject(sources []numsync.Source, w numsync.Wish, code numsync.Reason, msg, hint string) {
	for _, src := range sources {
		s.res.Rejects = append(s.res.Rejects, numsync.Issue{Code: code, UPN: w.UPN, Number: w.Number.String(),
			File: src.File, Line: src.Line, Message: msg, Hint: hint})
	}
}

func (s *sheetSet) sortIssues(issues []numsync.Issue) {
	slices.SortStableFunc(issues, func(a, b numsync.Issue) int {
		return cmp.Or(cmp.Compare(s.order[a.File], s.order[b.File]), cmp.Compare(a.Line, b.Line))
	})
}

// listMost is how many other rows a message names; a number wanted by
// thousands of rows must not give thousand-line messages.
const listMost = 5

// sourceList writes where a row and its repeats are: "a.csv:2, a.csv:9".
func sourceList(r sheetRow) string {
	srcs := []string{r.wish.Source.String()}
	for _, src := range r.repeats[:min(len(r.repeats), listMost-1)] {
		srcs = append(srcs, src.String())
	}
	return capList(srcs, 1+len(r.repeats), ", ")
}

// capList joins the names of the first of total items.
func capList(names []string, total int, sep string) string {
	l := strings.Join(names, sep)
	if total > len(names) {
		l += fmt.Sprintf("%sand %d more", sep, total-len(names))
	}
	return l
}

// describe writes a wish for messages.
func describe(w numsync.Wish) string {
	if w.Remove() {
		return "no number"
	}
	d := w.Number.String()
	if w.Next != "" {
		d = numsync.NextPrefix + w.Next
	}
	if w.Type != "" {
		d += " " + string(w.Type)
	}
	if w.LocationID != "" {
		d += " at " + w.LocationID
	}
	if !w.Notify {
		d += " without email"
	}
	if w.AllowQuarantined {
		d += " allowing quarantine"
	}
	return d
}

// cutPrefixFold is strings.CutPrefix ignoring ASCII case.
func cutPrefixFold(s, prefix string) (string, bool) {
	if len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix) {
		return s[len(prefix):], true
	}
	return s, false
}
