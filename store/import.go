package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/numsync/numsync"
)

var numberCols = []string{"type", "country", "capabilities", "location_id", "location_update_supported", "operator", "source", "activation_state",
	"outside_id", "outside_type", "outside_category"}

// ImportNumbers upserts inventory numbers in one transaction. The export is
// the tenant's truth, so each listed number's assignment is set to what its
// record says: held by the record's holder in its category, or free when
// HolderID is empty; a changed assignment counts as an update, and a number
// the holder held in that category before is freed. A holder id that matches
// no user, a holder given two numbers in one category, a number listed twice
// and a record the store cannot hold (no E.164, unknown type, an extension on
// a non Direct Routing number) are returned as problems with the record's
// file and line; the first two load the number as held by a
// [numsync.OutsideHolder] (taken, never free), the others skip the record. A number freed by the import gets released_at = now, and the
// EnterpriseVoice flag of every holder that gained or lost a number follows
// whether they hold one.
//
// file, when set, is recorded in the same transaction, and refused when it
// was written before the last applied run (see [numsync.OlderExportError]).
//
// The users and the current assignments are read once into memory, which
// costs memory in proportion to the tenant but saves several statements per
// record: a 100,000-number import is a few seconds, not a minute.
func (s *Store) ImportNumbers(ctx context.Context, recs []numsync.InventoryRecord, file *numsync.ExportFile) (numsync.ImportResult, error) {
	var res numsync.ImportResult
	err := s.write(ctx, func(tx *sql.Tx) error {
		if err := checkExportAge(ctx, tx, file); err != nil {
			return err
		}
		p := newStmts(ctx, tx)
		defer p.close()
		num, err := newUpserter(p, "numbers", []string{"e164", "ext"}, numberCols)
		if err != nil {
			return err
		}
		im := &numberImport{
			seenNum:  map[numsync.Number]numsync.Source{},
			seenSlot: map[numsync.Slot]numsync.Source{},
			touched:  map[string]bool{},
			released: map[numsync.Number]bool{},
			problems: &res.Problems,
		}
		if err := im.load(ctx, tx); err != nil {
			return err
		}
		for i := range recs {
			if err := ctx.Err(); err != nil {
				return err
			}
			rec := &recs[i]
			n := rec.InventoryNumber
			if !im.valid(rec) {
				continue
			}
			if first, dup := im.seenNum[n.Number]; dup {
				im.problem(rec, numsync.DuplicateNumber, "", fmt.Sprintf("number listed again (first at %s); this row is ignored", first),
					"remove the duplicate row from the export")
				continue
			}
			im.seenNum[n.Number] = rec.Source
			locUpdate := n.LocationUpdateSupported
			if rec.LocationUpdateUnstated {
				locUpdate = !im.operatorManaged[n.Number]
			}
			moved, outside := im.assign(rec)
			o, err := num.upsert(ctx, n.E164, n.Ext, string(n.Type), n.Country, joinList(n.Capabilities), n.LocationID,
				boolInt(locUpdate), n.Operator, n.Source, n.ActivationState, outside.ID, outside.Type, string(outside.Category))
			if err != nil {
				return err
			}
			if moved && o == unchanged {
				o = updated
			}
			count(&res, o)
		}
		if err := num.flush(ctx); err != nil {
			return err
		}
		// The assignments were worked out in memory; the store gets the
		// difference in a few multi-row statements, as an apply does.
		if err := im.write(ctx, tx); err != nil {
			return err
		}
		if err := finishImport(ctx, tx, &res, res.Added+res.Updated > 0, file); err != nil {
			return err
		}
		return im.audit(ctx, tx, res.Revision)
	})
	if err != nil {
		return numsync.ImportResult{}, fmt.Errorf("import numbers: %w", err)
	}
	return res, nil
}

// assignmentCols are the columns scanHoldings reads, in its order.
const assignmentCols = "upn_key, category, e164, ext"

// scanHoldings returns a row scanner that reads one row of assignmentCols
// into both directions of the assignments: who holds which number, and
// which number each slot holds.
func scanHoldings(bySlot map[numsync.Slot]numsync.Number, byNumber map[numsync.Number]numsync.Slot) func(*sql.Rows) error {
	return func(r *sql.Rows) error {
		var s numsync.Slot
		var n numsync.Number
		if err := r.Scan(&s.UPNKey, &s.Category, &n.E164, &n.Ext); err != nil {
			return err
		}
		bySlot[s] = n
		byNumber[n] = s
		return nil
	}
}

// numberImport is the state of one ImportNumbers transaction.
type numberImport struct {
	upns     map[string]string   // upn_key -> upn
	byObject map[string][]string // object key -> upn_keys
	// byNumber and bySlot are the assignments as the import goes; initial
	// is what the store held before it.
	byNumber map[numsync.Number]numsync.Slot
	bySlot   map[numsync.Slot]numsync.Number
	initial  map[numsync.Slot]numsync.Number
	seenNum  map[numsync.Number]numsync.Source
	seenSlot map[numsync.Slot]numsync.Source
	touched  map[string]bool         // users whose assignments changed
	released map[numsync.Number]bool // numbers freed by the export
	problems *[]numsync.Issue
	// operatorManaged holds the stored numbers whose emergency location
	// cannot be updated (LocationUpdateSupported false).
	operatorManaged map[numsync.Number]bool
	// why says, for each slot the import took a number from, which export
	// rows did and why; dropped are those slots once written.
	why     map[numsync.Slot][]string
	dropped []numsync.Slot
}

// load reads the users, the assignments and the operator-managed numbers
// the import works against.
func (im *numberImport) load(ctx context.Context, tx *sql.Tx) error {
	im.upns = map[string]string{}
	im.byObject = map[string][]string{}
	err := eachRow(ctx, tx, "SELECT upn_key, upn, object_key FROM users", func(r *sql.Rows) error {
		var key, upn, obj string
		if err := r.Scan(&key, &upn, &obj); err != nil {
			return err
		}
		im.upns[key] = upn
		if obj != "" {
			im.byObject[obj] = append(im.byObject[obj], key)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("read users: %w", err)
	}
	im.operatorManaged = map[numsync.Number]bool{}
	err = eachRow(ctx, tx, "SELECT e164, ext FROM numbers WHERE location_update_supported = 0", func(r *sql.Rows) error {
		var n numsync.Number
		if err := r.Scan(&n.E164, &n.Ext); err != nil {
			return err
		}
		im.operatorManaged[n] = true
		return nil
	})
	if err != nil {
		return fmt.Errorf("read numbers: %w", err)
	}
	im.byNumber = map[numsync.Number]numsync.Slot{}
	im.bySlot = map[numsync.Slot]numsync.Number{}
	err = eachRow(ctx, tx, "SELECT "+assignmentCols+" FROM assignments", scanHoldings(im.bySlot, im.byNumber))
	if err != nil {
		return fmt.Errorf("read assignments: %w", err)
	}
	im.initial = maps.Clone(im.bySlot)
	return nil
}

func (im *numberImport) problem(rec *numsync.InventoryRecord, code numsync.Reason, upn, msg, hint string) {
	*im.problems = append(*im.problems, numsync.Issue{
		Code: code, UPN: upn, Number: rec.Number.String(), File: rec.Source.File, Line: rec.Source.Line, Message: msg, Hint: hint,
	})
}

// valid reports whether the store can hold the record, reporting why not.
func (im *numberImport) valid(rec *numsync.InventoryRecord) bool {
	n := rec.InventoryNumber
	switch {
	case !strings.HasPrefix(n.E164, "+") || len(n.E164) < 2 || n.E164[1] < '1' || n.E164[1] > '9':
		im.problem(rec, numsync.BadNumber, "", fmt.Sprintf("%q is not an E.164 number; this row is ignored", n.E164), "")
	case n.Type != numsync.CallingPlan && n.Type != numsync.OperatorConnect && n.Type != numsync.DirectRouting:
		im.problem(rec, numsync.BadRow, "", fmt.Sprintf("unknown number type %q; this row is ignored", n.Type),
			"the type must be CallingPlan, OperatorConnect or DirectRouting")
	case n.Ext != "" && n.Type != numsync.DirectRouting:
		im.problem(rec, numsync.NoExtensionAllowed, "", fmt.Sprintf("%s cannot carry an extension; this row is ignored", n.Type.ANumber()), "")
	default:
		return true
	}
	return false
}

// wanted returns the slot the record asks its number to be in, or the zero
// slot when it is free or its holder cannot be loaded as an assignment.
// A holder the store cannot match to exactly one user (or whose row cannot
// be loaded as theirs) is returned as an identity outside the directory
// after reporting why: the number is held by someone, so it is not free.
func (im *numberImport) wanted(rec *numsync.InventoryRecord) (numsync.Slot, numsync.OutsideHolder) {
	if rec.HolderID == "" {
		return numsync.Slot{}, numsync.OutsideHolder{}
	}
	outside := numsync.OutsideHolder{ID: rec.HolderID, Type: rec.HolderType, Category: rec.Category}
	kept := "; the number is kept as held by " + outside.String()
	keys := im.byObject[numsync.ObjectKey(rec.HolderID)]
	switch len(keys) {
	case 0:
		im.problem(rec, numsync.UnknownHolder, "", fmt.Sprintf("holder %s matches no known user%s, so no row can take it", rec.HolderID, kept),
			"nothing to do for a cloud-only user or resource account; for a directory user, check that the directory attribute mapped to object_id holds the cloud object id (msDS-ExternalDirectoryObjectId), sync the directory and import the inventory again")
		return numsync.Slot{}, outside
	case 1:
	default:
		im.problem(rec, numsync.UnknownHolder, "", fmt.Sprintf("holder %s matches more than one user (%s, %s)%s",
			rec.HolderID, im.upns[keys[0]], im.upns[keys[1]], kept), "give each user its own object id")
		return numsync.Slot{}, outside
	}
	upn := im.upns[keys[0]]
	cat, err := numsync.ParseCategory(string(rec.Category))
	if err != nil {
		im.problem(rec, numsync.BadRow, upn, err.Error()+kept, "")
		return numsync.Slot{}, outside
	}
	want := numsync.Slot{UPNKey: keys[0], Category: cat}
	if first, dup := im.seenSlot[want]; dup {
		im.problem(rec, numsync.ConflictingRows, upn,
			fmt.Sprintf("%s already holds a %s number from %s%s", upn, cat, first, kept),
			"an identity holds at most one number per category: fix the export or the holder's other row")
		return numsync.Slot{}, outside
	}
	im.seenSlot[want] = rec.Source
	return want, numsync.OutsideHolder{}
}

// assign makes the number's assignment what the record says, reporting
// whether it changed and the identity outside the directory that holds
// the number, if one does.
func (im *numberImport) assign(rec *numsync.InventoryRecord) (bool, numsync.OutsideHolder) {
	n := rec.Number
	problems := len(*im.problems)
	want, outside := im.wanted(rec)
	cur, held := im.byNumber[n]
	if cur == want {
		return false, outside
	}
	if held {
		why := "the export lists " + n.String() + " as free"
		switch {
		case len(*im.problems) > problems:
			p := (*im.problems)[len(*im.problems)-1]
			why = string(p.Code) + ": " + p.Message
		case want.UPNKey != "":
			why = "the export gives " + n.String() + " to " + im.upns[want.UPNKey]
		}
		im.dropBecause(cur, rec, why)
		im.unassign(n, cur, want.UPNKey == "" && outside.IsZero())
	}
	if want.UPNKey == "" {
		return true, outside
	}
	// The export is the truth: whatever number the holder had in this
	// category before is no longer theirs.
	if old, ok := im.bySlot[want]; ok {
		im.dropBecause(want, rec, fmt.Sprintf("the export gives %s another %s number, %s", im.upns[want.UPNKey], want.Category, n))
		im.unassign(old, want, true)
	}
	im.byNumber[n] = want
	im.bySlot[want] = n
	im.touched[want.UPNKey] = true
	return true, outside
}

// dropBecause notes that rec takes sl's number away, and why.
func (im *numberImport) dropBecause(sl numsync.Slot, rec *numsync.InventoryRecord, why string) {
	if im.why == nil {
		im.why = map[numsync.Slot][]string{}
	}
	im.why[sl] = append(im.why[sl], rec.Source.String()+": "+why)
}

// unassign frees n from sl, starting its quarantine if it stays free.
func (im *numberImport) unassign(n numsync.Number, sl numsync.Slot, released bool) {
	delete(im.byNumber, n)
	delete(im.bySlot, sl)
	im.touched[sl.UPNKey] = true
	if released {
		im.released[n] = true
	}
}

// write stores the assignments the import ended with: the rows that
// differ from what the store held, the released numbers' quarantine start
// and the EnterpriseVoice flag of every identity whose numbers changed.
func (im *numberImport) write(ctx context.Context, tx *sql.Tx) error {
	var dropped []numsync.Slot
	for s, n := range im.initial {
		if now, ok := im.bySlot[s]; !ok || now != n {
			dropped = append(dropped, s)
		}
	}
	var held []holding
	for s, n := range im.bySlot {
		if was, ok := im.initial[s]; !ok || was != n {
			held = append(held, holding{s, n})
		}
	}
	if err := writeAssignments(ctx, tx, dropped, held); err != nil {
		return err
	}
	im.dropped = dropped
	if err := markReleased(ctx, tx, time.Now(), im.released); err != nil {
		return err
	}
	return setVoice(ctx, tx, im.touched)
}

// importActor is who the audit names for what an import changed.
const importActor = "inventory import"

// audit records what the import took away: a run of status imported at
// revision rev, with one audit entry per assignment the import dropped
// or replaced, naming the export rows that did it and why. An import that
// only added assignments (a first load) records nothing.
func (im *numberImport) audit(ctx context.Context, tx *sql.Tx, rev int64) error {
	if len(im.dropped) == 0 {
		return nil
	}
	now := time.Now()
	run := numsync.Run{Actor: importActor, Started: now, Ended: now, Status: numsync.RunImported, Revision: rev}
	ops := make([]numsync.Op, len(im.dropped))
	for i, s := range im.dropped {
		op := numsync.Op{Action: numsync.Remove, UPN: im.upns[s.UPNKey], Category: s.Category, Before: &numsync.Holding{Number: im.initial[s]}}
		if n, ok := im.bySlot[s]; ok {
			op.Action, op.After = numsync.Change, &numsync.Holding{Number: n}
			run.Counts.Change++
		} else {
			run.Counts.Remove++
		}
		ops[i] = op
	}
	run.Message = fmt.Sprintf("the inventory export took away %d assignments and changed %d (see the audit)", run.Counts.Remove, run.Counts.Change)
	id, err := insertRun(ctx, tx, run)
	if err != nil {
		return err
	}
	err = batchExec(ctx, tx, "INSERT INTO audit (run_id, at, actor, action, upn_key, category, op, reason) VALUES ", "", nil, 8, len(ops),
		func(i int, args []any) ([]any, error) {
			op := &ops[i]
			js, err := json.Marshal(op)
			return append(args, id, dbTime(now), importActor, string(op.Action), im.dropped[i].UPNKey, string(op.Category), string(js),
				strings.Join(im.why[im.dropped[i]], "; ")), err
		})
	if err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	return nil
}

// eachRow calls fn for every row of query with args.
func eachRow(ctx context.Context, tx *sql.Tx, query string, fn func(*sql.Rows) error, args ...any) error {
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

var userCols = []string{"upn", "display_name", "mail", "object_id", "object_key", "dn", "kind", "usage_location",
	"enabled", "licenses", "onprem_line", "source", "absent"}

// ImportUsers upserts users in one transaction; a user present in the import
// is no longer absent. With opts.MarkAbsent, users of opts.Source that the
// import does not list are marked absent (never deleted: they may still hold
// numbers). Users are stored with opts.Source when it is set. A user without
// a UPN, of an unknown kind, or listed twice (the later entry) is returned as
// a problem and skipped. EnterpriseVoice is not imported: applying sets it.
func (s *Store) ImportUsers(ctx context.Context, users []numsync.User, opts numsync.UserImportOptions) (numsync.ImportResult, error) {
	if opts.MarkAbsent && opts.Source == "" {
		return numsync.ImportResult{}, errors.New("import users: marking absent users needs the source they come from")
	}
	var res numsync.ImportResult
	err := s.write(ctx, func(tx *sql.Tx) error {
		p := newStmts(ctx, tx)
		defer p.close()
		up, err := newUpserter(p, "users", []string{"upn_key"}, userCols)
		if err != nil {
			return err
		}
		if p.err != nil {
			return p.err
		}
		// Rows are checked in file order (the first of two rows for a user
		// wins) and written in key order: inserts then go to the end of
		// the table instead of all over it, which halves the time of a
		// first import.
		seen := make(map[string]bool, len(users))
		type row struct {
			key string
			u   *numsync.User
		}
		rows := make([]row, 0, len(users))
		for i := range users {
			u := &users[i]
			key := u.Key()
			var msg string
			switch {
			case key == "":
				msg = fmt.Sprintf("user %d of the import has no user principal name; it is ignored", i+1)
			case u.Kind != "" && u.Kind != numsync.KindUser && u.Kind != numsync.KindResource:
				msg = fmt.Sprintf("unknown kind %q; the user is ignored", u.Kind)
			case seen[key]:
				msg = "user listed twice; the later entry is ignored"
			}
			if msg != "" {
				res.Problems = append(res.Problems, numsync.Issue{Code: numsync.BadRow, UPN: u.UPN, Message: msg})
				continue
			}
			seen[key] = true
			rows = append(rows, row{key, u})
		}
		slices.SortFunc(rows, func(a, b row) int { return strings.Compare(a.key, b.key) })
		err = bulkLoad(ctx, tx, s.eng, "users", len(up.stored) == 0, func() error {
			for _, r := range rows {
				if err := ctx.Err(); err != nil {
					return err
				}
				u := r.u
				kind := u.Kind
				if kind == "" {
					kind = numsync.KindUser
				}
				src := u.Source
				if opts.Source != "" {
					src = opts.Source
				}
				lic := slices.Compact(slices.Sorted(slices.Values(u.Licenses)))
				o, err := up.upsert(ctx, r.key, strings.TrimSpace(u.UPN), u.DisplayName, u.Mail, u.ObjectID, numsync.ObjectKey(u.ObjectID), u.DN,
					string(kind), u.UsageLocation, boolInt(u.Enabled), joinList(lic), u.OnPremLine, src, 0)
				if err != nil {
					return err
				}
				count(&res, o)
			}
			return up.flush(ctx)
		})
		if err != nil {
			return err
		}
		if opts.MarkAbsent {
			n, err := markAbsent(ctx, tx, opts.Source, seen)
			if err != nil {
				return err
			}
			res.Absent = n
		}
		if res.Adopted, err = adoptOutside(ctx, tx, &res.Problems); err != nil {
			return err
		}
		return finishImport(ctx, tx, &res, res.Added+res.Updated+res.Absent+res.Adopted > 0, opts.File)
	})
	if err != nil {
		return numsync.ImportResult{}, fmt.Errorf("import users: %w", err)
	}
	return res, nil
}

// adoptOutside makes each number held by an identity outside the directory
// an ordinary assignment of the user that now carries the holder's object
// id, in the category the export gave. A holder id that still matches no
// user stays outside; one that matches several users, or a user who holds
// another number in that category, stays outside too and is reported.
func adoptOutside(ctx context.Context, tx *sql.Tx, problems *[]numsync.Issue) (int, error) {
	type outsideNumber struct {
		n numsync.Number
		h numsync.OutsideHolder
	}
	var outside []outsideNumber
	err := eachRow(ctx, tx, "SELECT e164, ext, outside_id, outside_type, outside_category FROM numbers WHERE outside_id <> '' ORDER BY e164, ext",
		func(r *sql.Rows) error {
			var o outsideNumber
			if err := r.Scan(&o.n.E164, &o.n.Ext, &o.h.ID, &o.h.Type, &o.h.Category); err != nil {
				return err
			}
			outside = append(outside, o)
			return nil
		})
	if err != nil || len(outside) == 0 {
		return 0, err
	}
	var held []holding
	taken := map[numsync.Slot]numsync.Number{}
	touched := map[string]bool{}
	for _, o := range outside {
		var keys, upns []string
		err := eachRow(ctx, tx, "SELECT upn_key, upn FROM users WHERE object_key = ? ORDER BY upn_key LIMIT 2", func(r *sql.Rows) error {
			var k, u string
			err := r.Scan(&k, &u)
			keys, upns = append(keys, k), append(upns, u)
			return err
		}, numsync.ObjectKey(o.h.ID))
		if err != nil {
			return 0, fmt.Errorf("match the holder of %s: %w", o.n, err)
		}
		issue := func(code numsync.Reason, upn, msg, hint string) {
			*problems = append(*problems, numsync.Issue{Code: code, UPN: upn, Number: o.n.String(), Message: msg, Hint: hint})
		}
		if len(keys) == 0 {
			continue
		}
		if len(keys) > 1 {
			issue(numsync.UnknownHolder, "", fmt.Sprintf("%s holds %s, and its id matches more than one user (%s, %s); it stays outside the directory",
				o.h, o.n, upns[0], upns[1]), "give each user its own object id")
			continue
		}
		cat, err := numsync.ParseCategory(string(o.h.Category))
		if err != nil {
			cat = numsync.Primary
		}
		s := numsync.Slot{UPNKey: keys[0], Category: cat}
		cur, dup := taken[s]
		err = tx.QueryRowContext(ctx, "SELECT e164, ext FROM assignments WHERE upn_key = ? AND category = ?", s.UPNKey, string(s.Category)).Scan(&cur.E164, &cur.Ext)
		switch {
		case err == nil || dup:
			issue(numsync.ConflictingRows, upns[0], fmt.Sprintf("%s now matches %s, who already holds a %s number (%s); %s stays with the outside holder",
				o.h, upns[0], cat, cur, o.n), "import a current inventory export: it says which number the user holds")
			continue
		case !errors.Is(err, sql.ErrNoRows):
			return 0, fmt.Errorf("read the assignments of %s: %w", upns[0], err)
		}
		taken[s] = o.n
		touched[s.UPNKey] = true
		held = append(held, holding{s, o.n})
	}
	if len(held) == 0 {
		return 0, nil
	}
	if err := writeAssignments(ctx, tx, nil, held); err != nil {
		return 0, err
	}
	err = batchExec(ctx, tx, "UPDATE numbers SET outside_id = '', outside_type = '', outside_category = '' WHERE (e164, ext) IN (VALUES ", ")", nil, 2, len(held),
		func(i int, args []any) ([]any, error) { return append(args, held[i].n.E164, held[i].n.Ext), nil })
	if err != nil {
		return 0, fmt.Errorf("adopt numbers held outside the directory: %w", err)
	}
	return len(held), setVoice(ctx, tx, touched)
}

// markAbsent marks the present users of source that are not in seen absent.
func markAbsent(ctx context.Context, tx *sql.Tx, source string, seen map[string]bool) (int, error) {
	rows, err := tx.QueryContext(ctx, "SELECT upn_key FROM users WHERE source = ? AND absent = 0", source)
	if err != nil {
		return 0, fmt.Errorf("find absent users: %w", err)
	}
	var gone []string
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			rows.Close()
			return 0, err
		}
		if !seen[k] {
			gone = append(gone, k)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("find absent users: %w", err)
	}
	st, err := tx.PrepareContext(ctx, "UPDATE users SET absent = 1 WHERE upn_key = ?")
	if err != nil {
		return 0, err
	}
	defer st.Close()
	for _, k := range gone {
		if _, err := st.ExecContext(ctx, k); err != nil {
			return 0, fmt.Errorf("mark %s absent: %w", k, err)
		}
	}
	return len(gone), nil
}

var locationCols = []string{"description", "country", "company_name", "house_number", "street_name", "city", "state_or_prov", "postal_code"}

// ImportLocations upserts emergency locations in one transaction, with the
// record of file when it is set. A location without an id or listed twice
// (the later entry) is returned as a problem and skipped.
func (s *Store) ImportLocations(ctx context.Context, locs []numsync.EmergencyLocation, file *numsync.ExportFile) (numsync.ImportResult, error) {
	var res numsync.ImportResult
	err := s.write(ctx, func(tx *sql.Tx) error {
		p := newStmts(ctx, tx)
		defer p.close()
		up, err := newUpserter(p, "locations", []string{"id"}, locationCols)
		if err != nil {
			return err
		}
		if p.err != nil {
			return p.err
		}
		seen := make(map[string]bool, len(locs))
		for i, l := range locs {
			var msg string
			switch {
			case l.ID == "":
				msg = fmt.Sprintf("location %d of the import (%q) has no id; it is ignored", i+1, l.Description)
			case seen[l.ID]:
				msg = fmt.Sprintf("location %s listed twice; the later entry is ignored", l.ID)
			}
			if msg != "" {
				res.Problems = append(res.Problems, numsync.Issue{Code: numsync.BadRow, Message: msg})
				continue
			}
			seen[l.ID] = true
			o, err := up.upsert(ctx, l.ID, l.Description, l.Country, l.CompanyName, l.HouseNumber, l.StreetName, l.City, l.StateOrProv, l.PostalCode)
			if err != nil {
				return err
			}
			count(&res, o)
		}
		if err := up.flush(ctx); err != nil {
			return err
		}
		return finishImport(ctx, tx, &res, res.Added+res.Updated > 0, file)
	})
	if err != nil {
		return numsync.ImportResult{}, fmt.Errorf("import locations: %w", err)
	}
	return res, nil
}

// finishImport records the export file the import loaded (when there is
// one), raises the revision when the import changed something and records
// the revision the store is at.
func finishImport(ctx context.Context, tx *sql.Tx, res *numsync.ImportResult, changed bool, file *numsync.ExportFile) error {
	if err := recordExport(ctx, tx, file); err != nil {
		return err
	}
	var err error
	if changed {
		res.Revision, err = bump(ctx, tx)
	} else {
		res.Revision, err = revision(ctx, tx)
	}
	return err
}

func sortedKeys(m map[string]bool) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
