// Package notify delivers the notification emails that an apply queued in
// the store's outbox ("Email user with telephone number information") to a
// mail server over SMTP, and records each one as sent the moment the server
// has taken it.
//
// It owns the SMTP session: STARTTLS with certificate verification, AUTH
// PLAIN with a password read from the environment or a file, retries on the
// next run. It must not write messages (the planner does, inside the apply
// transaction) nor know how the store keeps them: it talks to the store only
// through the three methods of [Outbox].
package notify
