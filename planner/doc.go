// Package planner turns what the sheets want into a [numsync.Plan] and
// carries plans out: it owns the domain rules R3–R14 of docs/rules.md
// (which rows may happen, which are rejected or blocked and why), the order
// of operations, the plan.json file format, the guarded apply
// (authorisation, single-writer lock, removal threshold, stale-plan
// refusal, notification emails) and rollback of an applied run
// (docs/design.md).
//
// Planning is pure: [Plan] reads values and returns a value, so a dry-run
// and a real run share every line up to [Apply]. The package must not read
// sheets or directories (importer/, ldapsync/ do) nor know how the store
// keeps its data: it talks to the store only through [numsync.Store].
package planner
