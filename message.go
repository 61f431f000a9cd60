package numsync

import "time"

// Message is a notification email waiting in (or sent from) the outbox.
type Message struct {
	ID     int64
	RunID  string
	UPN    string
	To     string
	Raw    []byte // the whole RFC 5322 message
	SentAt time.Time
}
