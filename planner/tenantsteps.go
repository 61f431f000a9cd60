package planner

import (
	"github.com/numsync/numsync"
)

// maxBlockDays is the longest assignment block Teams accepts in days.
const maxBlockDays = 365

// tenantSteps adds to ops what the tenant needs beyond the assignments
// themselves:
//   - with policy.AssignmentBlock and a quarantine, a removal leaves the
//     number blocked in Teams for the quarantine days (at most 365), unless
//     the plan gives the number out again;
//   - a take of a number still in quarantine clears that block first
//     (rows that allow quarantined numbers, rollbacks);
//   - a take of a number of a range with a tag sets the tag.
func (p *planner) tenantSteps(ops []numsync.Op) []numsync.Op {
	pol := p.in.Policy
	block := pol.AssignmentBlock && pol.QuarantineDays > 0
	tagged := rangesWithTags(pol.Ranges)
	tags := map[string]string{}
	for i, m := range numsync.RangeMembers(p.x.Tenant(), tagged) {
		r := tagged[i]
		for _, n := range m {
			if _, ok := tags[n.E164]; !ok && r.Fits(n) {
				tags[n.E164] = r.Tag
			}
		}
	}
	retaken := map[numsync.Number]bool{}
	for _, op := range ops {
		if op.After != nil {
			retaken[op.After.Number] = true
		}
	}
	for i := range ops {
		op := &ops[i]
		if op.After == nil {
			if block && !retaken[op.Before.Number] {
				op.BlockDays = min(pol.QuarantineDays, maxBlockDays)
			}
			continue
		}
		if op.Before != nil && op.Before.Number == op.After.Number {
			continue // the identity keeps its number
		}
		op.Tag = tags[op.After.Number.E164]
		if inv := p.x.Number(op.After.Number.String()); block && inv != nil && inv.InQuarantine(p.in.Now, pol.QuarantineDays) {
			op.Unblock = true
		}
	}
	return ops
}

// rangesWithTags are the ranges of rs that carry a tag.
func rangesWithTags(rs []numsync.Range) []numsync.Range {
	var out []numsync.Range
	for _, r := range rs {
		if r.Tag != "" {
			out = append(out, r)
		}
	}
	return out
}
