// Package numsync holds the domain of numsync: the users and resource
// accounts of an organisation, the phone numbers it owns, the emergency
// locations it has defined, who holds which number, and the rules (with
// their stable reason codes) that decide whether a wished-for assignment may
// happen. The rules are R1–R15 of docs/rules.md; how the parts fit together
// is docs/design.md.
//
// The package owns the vocabulary and the small interfaces ([Store],
// [Directory]) that the adapters implement. It must not know about files,
// SQL, LDAP or the command line: importer/, ldapsync/, store/, planner/ and
// reports/ import this package, never each other, and cmd/numsync wires them.
package numsync
