package ldapsync

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/go-ldap/ldap/v3"
	"go.uber.org/zap"
)

// ClearOutcome is what [Directory.ClearLines] did, or would do, for one user.
type ClearOutcome string

// The outcomes of clearing one user's msRTCSIP-Line.
const (
	// Cleared: the value the clean-up list names was deleted.
	Cleared ClearOutcome = "cleared"
	// WouldClear: a dry-run found the value the list names; applying
	// would delete it.
	WouldClear ClearOutcome = "would clear"
	// AlreadyEmpty: the entry has no msRTCSIP-Line; nothing to do.
	AlreadyEmpty ClearOutcome = "already empty"
	// ChangedSince: the entry holds another value than the one the list was
	// made with. It is left alone: someone set it since, and only a new
	// plan can tell whether it still blocks.
	ChangedSince ClearOutcome = "changed since"
	// NotFound: no entry has the DN, nor the UPN, the list names.
	NotFound ClearOutcome = "not found"
	// Failed: the server refused the read or the modify; Err says why.
	Failed ClearOutcome = "error"
)

// ClearResult is the outcome for one [CleanupEntry].
type ClearResult struct {
	Entry CleanupEntry
	// DN is the entry the directory holds for the user: Entry.DN, or where
	// a search by UPN found it (the user may have moved). Empty if not found.
	DN string
	// Found is msRTCSIP-Line as the directory held it before, unnormalised.
	Found   string
	Outcome ClearOutcome
	// Detail says in one sentence what happened and, where needed, what to do.
	Detail string
	// Err is the cause of a [Failed] outcome when the server refused: an
	// *ldap.Error carrying the LDAP result code. It is nil when numsync
	// itself declined (the DN now names another user, the list names no
	// value); Detail says why.
	Err error
}

// ClearLines deletes msRTCSIP-Line (the configured line attribute) of each
// user in entries, with one LDAP modify per user, binding as the configured
// account, which must be allowed to write that attribute.
//
// The modify deletes the specific value the entry holds only when it is the
// value the clean-up list was made with (compared after normalising, as a
// directory read would): a line set to something else since is reported as
// [ChangedSince] and left alone, and one changed between the read and the
// modify makes the server refuse the delete, which is reported the same way.
//
// Unless apply is true nothing is written: the directory is still connected
// to, bound to and read, so a dry-run reports what applying would do
// ([WouldClear] instead of [Cleared]).
//
// Each entry gets a result; a refusal of one user's modify does not stop the
// others. The error is for what stops the whole run: the directory is an
// LDIF export, the connection or bind fails, the connection is lost, or ctx
// ends. It comes with the results of the users handled before.
func (d *Directory) ClearLines(ctx context.Context, entries []CleanupEntry, apply bool) ([]ClearResult, error) {
	src, ok := d.src.(*ldapSource)
	if !ok {
		return nil, fmt.Errorf("%s is an LDIF export: numsync cannot write to it. Apply ad-cleanup.ldif with ldapmodify or run ad-cleanup.ps1, or set directory.url to a domain controller and unset directory.ldif_file", d.src.name())
	}
	conn, _, release, err := src.connect(ctx)
	if err != nil {
		return nil, err
	}
	defer release()
	c := &clearer{d: d, src: src, conn: conn, apply: apply}
	results := make([]ClearResult, 0, len(entries))
	for _, e := range entries {
		if err := ctx.Err(); err != nil {
			return results, src.fail("clearing msRTCSIP-Line abandoned", err)
		}
		r := c.clear(e)
		if r.Err != nil && (ldap.IsErrorWithCode(r.Err, ldap.ErrorNetwork) || conn.IsClosing()) {
			// A connection that died under a pending operation fails it
			// with the reader's error, which carries no LDAP code.
			lost := r.Err
			if !ldap.IsErrorWithCode(lost, ldap.ErrorNetwork) {
				lost = ldap.NewError(ldap.ErrorNetwork, lost)
			}
			return results, src.readError(ctx, fmt.Sprintf("clearing %s of %s (after %d of %d users; the others were not changed)", d.m.attrs.Line, who(e), len(results), len(entries)), lost)
		}
		results = append(results, r)
		d.log.Info("msRTCSIP-Line clean-up", zap.String("outcome", string(r.Outcome)), zap.Bool("dry_run", !apply),
			zap.String("upn", e.UPN), zap.String("dn", r.DN), zap.String("found", r.Found), zap.String("detail", r.Detail))
	}
	return results, nil
}

// clearer clears lines over one bound connection.
type clearer struct {
	d     *Directory
	src   *ldapSource
	conn  *ldap.Conn
	apply bool
}

func (c *clearer) clear(e CleanupEntry) ClearResult {
	attr := c.d.m.attrs.Line
	r := ClearResult{Entry: e, Outcome: Failed}
	entry, detail, err := c.find(e)
	switch {
	case err != nil:
		r.Err, r.Detail = err, detail
		return r
	case entry == nil:
		r.Outcome, r.Detail = NotFound, detail
		return r
	}
	r.DN = entry.DN
	if e.UPN != "" {
		if upn := first(entry, c.d.m.attrs.UPN); !strings.EqualFold(strings.TrimSpace(upn), e.UPN) {
			r.Detail = fmt.Sprintf("%s now belongs to %q, not %s: not changed; plan again and use the new clean-up list", entry.DN, upn, e.UPN)
			return r
		}
	}
	r.Found = first(entry, attr)
	if r.Found == "" {
		r.Outcome, r.Detail = AlreadyEmpty, attr+" is already empty"
		return r
	}
	if e.CurrentLine == "" {
		r.Detail = fmt.Sprintf("%s is %q but the clean-up list names no value, so numsync cannot tell it is the one the plan saw: not changed; plan again", attr, r.Found)
		return r
	}
	if now := c.current(entry); now != e.CurrentLine {
		r.Outcome = ChangedSince
		r.Detail = fmt.Sprintf("%s is now %q, the clean-up list was made when it was %q: left as it is; plan again to see whether it still blocks", attr, r.Found, e.CurrentLine)
		return r
	}
	if !c.apply {
		r.Outcome, r.Detail = WouldClear, fmt.Sprintf("%s %q would be deleted (dry-run: nothing changed)", attr, r.Found)
		return r
	}
	req := ldap.NewModifyRequest(entry.DN, nil)
	req.Delete(attr, []string{r.Found})
	err = c.conn.Modify(req)
	switch {
	case err == nil:
		r.Outcome, r.Detail = Cleared, fmt.Sprintf("%s %q deleted", attr, r.Found)
	case ldap.IsErrorWithCode(err, ldap.LDAPResultNoSuchAttribute):
		// The value went between the read and the modify: the server
		// compares the deleted value, so a newer one was not removed.
		r.Outcome = ChangedSince
		r.Detail = fmt.Sprintf("%s changed between reading and deleting %q: left as it is; plan again to see whether it still blocks", attr, r.Found)
	case ldap.IsErrorWithCode(err, ldap.LDAPResultInsufficientAccessRights):
		r.Err, r.Detail = err, fmt.Sprintf("the server refused to delete %s (insufficient access rights): bind with an account that may write %s (directory.bind_dn)", attr, attr)
	default:
		r.Err, r.Detail = err, fmt.Sprintf("the server refused to delete %s: %v", attr, err)
	}
	return r
}

// current is the line attribute of e as a directory read maps it, so it
// compares with what the plan saw.
func (c *clearer) current(e *ldap.Entry) string {
	rec, ok := c.d.m.mapEntry(e, c.src.name(), 0)
	if !ok {
		return ""
	}
	return rec.User.OnPremLine
}

// find reads the user's entry: by DN when the list gives one, else (or
// when the DN is gone, as after a move) by UPN under the configured bases.
// A nil entry and nil error mean not found; detail then says where numsync
// looked.
func (c *clearer) find(e CleanupEntry) (entry *ldap.Entry, detail string, err error) {
	attrs := c.d.m.requested()
	if e.DN != "" {
		req := ldap.NewSearchRequest(e.DN, ldap.ScopeBaseObject, ldap.NeverDerefAliases, 1, 0, false, "(objectClass=*)", attrs, nil)
		res, err := c.conn.Search(req)
		switch {
		case err == nil && len(res.Entries) == 1:
			return res.Entries[0], "", nil
		case err == nil, ldap.IsErrorWithCode(err, ldap.LDAPResultNoSuchObject):
			if e.UPN == "" {
				return nil, "no entry has the DN " + e.DN, nil
			}
		default:
			return nil, fmt.Sprintf("reading %s failed: %v", e.DN, err), err
		}
	}
	filter := fmt.Sprintf("(&%s(%s=%s))", c.src.cfg.Filter, c.d.m.attrs.UPN, ldap.EscapeFilter(e.UPN))
	var found []*ldap.Entry
	for _, base := range c.src.cfg.BaseDNs {
		req := ldap.NewSearchRequest(base, ldap.ScopeWholeSubtree, ldap.NeverDerefAliases, 2, 0, false, filter, attrs, nil)
		res, err := c.conn.Search(req)
		if err != nil && !ldap.IsErrorWithCode(err, ldap.LDAPResultSizeLimitExceeded) {
			return nil, fmt.Sprintf("searching %s for %s failed: %v", base, e.UPN, err), err
		}
		if res != nil {
			found = append(found, res.Entries...)
		}
	}
	where := fmt.Sprintf("under %s", strings.Join(c.src.cfg.BaseDNs, "; "))
	switch len(found) {
	case 0:
		if e.DN != "" {
			return nil, fmt.Sprintf("no entry has the DN %s, and no user has %s %s %s", e.DN, c.d.m.attrs.UPN, e.UPN, where), nil
		}
		return nil, fmt.Sprintf("no user has %s %s %s", c.d.m.attrs.UPN, e.UPN, where), nil
	case 1:
		return found[0], "", nil
	}
	err = errors.New("more than one entry has this user principal name")
	return nil, fmt.Sprintf("more than one entry has %s %s %s: not changed; clear the right one by hand", c.d.m.attrs.UPN, e.UPN, where), err
}
