package planner

import (
	"bytes"
	"fmt"
	"mime/quotedprintable"
	"net/mail"
	"slices"
	"strings"
	"time"

	"github.com/numsync/numsync"
	"github.com/numsync/numsync/internal/par"
)

const (
	defaultMailFrom = "numsync@localhost"
	mailSubject     = "Your Teams phone number"
)

func needsMail(p *numsync.Plan) bool {
	for _, op := range p.Ops {
		if op.Notify && op.After != nil {
			return true
		}
	}
	return false
}

// messages writes one notification email per assign or change with Notify
// on ("Email user with telephone number information"), addressed to the
// user's mail address, or the UPN when the directory has none.
func messages(p *numsync.Plan, t *numsync.Tenant, from string, now time.Time, digest string) []numsync.Message {
	if from == "" {
		from = defaultMailFrom
	}
	users := make(map[string]*numsync.User, len(t.Users))
	for i := range t.Users {
		users[t.Users[i].Key()] = &t.Users[i]
	}
	locs := make(map[string]*numsync.EmergencyLocation, len(t.Locations))
	for i := range t.Locations {
		locs[strings.ToLower(t.Locations[i].ID)] = &t.Locations[i]
	}
	domain := "localhost"
	if a, err := mail.ParseAddress(from); err == nil {
		if _, d, ok := strings.Cut(a.Address, "@"); ok {
			domain = d
		}
	}
	// Formatting the numbers is most of the work, and each message stands
	// alone: the ops are cut into runs that the cores write side by side,
	// and the runs are joined in plan order.
	const run = 1024
	parts := make([][]numsync.Message, (len(p.Ops)+run-1)/run)
	par.Each(len(parts), func(k int) {
		for i := k * run; i < min((k+1)*run, len(p.Ops)); i++ {
			op := p.Ops[i]
			if !op.Notify || op.After == nil {
				continue
			}
			u := users[numsync.UPNKey(op.UPN)]
			to := mail.Address{Address: op.UPN}
			if u != nil {
				to.Name = u.DisplayName
				if u.Mail != "" {
					to.Address = u.Mail
				}
			}
			id := fmt.Sprintf("<%d.%d.%.16s@%s>", now.UnixNano(), i+1, digest, domain)
			parts[k] = append(parts[k], numsync.Message{
				UPN: op.UPN,
				To:  to.Address,
				Raw: notice(from, to, id, now, op, u, locs),
			})
		}
	})
	return slices.Concat(parts...)
}

// notice writes one RFC 5322 message with a quoted-printable UTF-8 text
// body, so that it passes any mail relay unchanged.
func notice(from string, to mail.Address, id string, now time.Time, op numsync.Op, u *numsync.User, locs map[string]*numsync.EmergencyLocation) []byte {
	var b bytes.Buffer
	header := func(k, v string) { fmt.Fprintf(&b, "%s: %s\r\n", k, v) }
	header("From", from)
	header("To", to.String())
	header("Subject", mailSubject)
	header("Date", now.Format(time.RFC1123Z))
	header("Message-ID", id)
	header("MIME-Version", "1.0")
	header("Content-Type", "text/plain; charset=UTF-8")
	header("Content-Transfer-Encoding", "quoted-printable")
	b.WriteString("\r\n")

	var body strings.Builder
	name := op.UPN
	if u != nil && u.DisplayName != "" {
		name = u.DisplayName
	}
	fmt.Fprintf(&body, "Hello %s,\n\n", name)
	if op.Action == numsync.Change && op.Before != nil && op.Before.Number != op.After.Number {
		fmt.Fprintf(&body, "your Microsoft Teams phone number has changed from %s.\n\n", op.Before.Number.Display())
	} else if op.Action == numsync.Change {
		body.WriteString("the details of your Microsoft Teams phone number have changed.\n\n")
	} else {
		body.WriteString("you have a Microsoft Teams phone number.\n\n")
	}
	fmt.Fprintf(&body, "Phone number:       %s\n", op.After.Number.Display())
	fmt.Fprintf(&body, "Number type:        %s\n", op.After.Type.Label())
	fmt.Fprintf(&body, "Used for:           %s\n", categoryName(op.Category))
	fmt.Fprintf(&body, "Emergency location: %s\n", locationText(op.After.Location, locs))
	body.WriteString("\nPeople can call you on this number in Teams. If something looks wrong, contact your Teams administrator.\n")

	qp := quotedprintable.NewWriter(&b)
	qp.Write([]byte(strings.ReplaceAll(body.String(), "\n", "\r\n")))
	qp.Close()
	return b.Bytes()
}

func categoryName(c numsync.Category) string {
	if c == numsync.Private {
		return "incoming calls only (private number)"
	}
	return "your calls (primary number)"
}

func locationText(id string, locs map[string]*numsync.EmergencyLocation) string {
	if id == "" {
		return "none set"
	}
	l := locs[strings.ToLower(id)]
	if l == nil {
		return id
	}
	var parts []string
	for _, s := range []string{l.Description, strings.TrimSpace(l.HouseNumber + " " + l.StreetName), l.City, l.PostalCode, l.Country} {
		if s = strings.TrimSpace(s); s != "" {
			parts = append(parts, s)
		}
	}
	if len(parts) == 0 {
		return id
	}
	return strings.Join(parts, ", ")
}
