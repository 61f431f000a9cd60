package planner

import (
	"slices"

	"github.com/numsync/numsync"
)

// Operation order
//
// A store applies the operations of a plan one at a time, and at every step
// a number may be held by one identity only. The plan is therefore written
// in two phases:
//
//  1. every remove, sorted by identity and category: removes asked for by
//     rows, authoritative removals, the old category of a number moved
//     between categories, and the first half of a split change (below);
//  2. every assign and change, sorted by identity and category, except that
//     an operation taking a number another change gives up comes right
//     after that change (chains A→B→C run from the end of the chain).
//
// Changes that give each other their numbers form cycles (a swap A↔B, a
// rotation A→B→C→A) that no order of changes can apply. In each cycle the
// change of the smallest identity and category is split: its remove goes to
// phase 1 (freeing its old number for the rest of the cycle) and it becomes
// an assign in phase 2, after the change that frees its new number. Both
// halves carry the row's source and name each other's step in Op.Pair; the
// pair counts as one change. A move between categories is written the same
// way: the remove of the old category and the assign of the new one.

// takeNode is an assign or change in phase 2.
type takeNode struct {
	d   *decision
	dep int // the take node that must run first, or -1
}

func (p *planner) orderedOps() []numsync.Op {
	var removes []slotOp
	var takes []*takeNode
	for _, d := range p.order {
		if d.status != accepted {
			continue
		}
		if d.action == numsync.Remove {
			removes = append(removes, slotOp{d.slot, p.removeOp(d.slot, d.before, d.w), nil})
			continue
		}
		if d.release != nil {
			removes = append(removes, slotOp{*d.release, p.removeOp(*d.release, holdingOf(p.x.held[*d.release]), d.w), d})
		}
		takes = append(takes, &takeNode{d: d, dep: -1})
	}
	for s := range p.authRemove {
		removes = append(removes, slotOp{s, p.removeOp(s, holdingOf(p.x.held[s]), nil), nil})
	}

	slices.SortFunc(takes, func(a, b *takeNode) int { return a.d.slot.Compare(b.d.slot) })
	bySlot := make(map[numsync.Slot]int, len(takes))
	for i, t := range takes {
		bySlot[t.d.slot] = i
	}
	for _, t := range takes {
		h, ok := p.x.holder[numberKey(t.d.after)]
		if !ok || h == t.d.slot {
			continue
		}
		if j, ok := bySlot[h]; ok && takes[j].d.action == numsync.Change {
			t.dep = j
		}
	}

	split := breakCycles(takes)
	for _, i := range split {
		d := takes[i].d
		removes = append(removes, slotOp{d.slot, p.removeOp(d.slot, d.before, d.w), d})
	}

	slices.SortFunc(removes, func(a, b slotOp) int { return a.slot.Compare(b.slot) })
	ops := make([]numsync.Op, 0, len(removes)+len(takes))
	// The remove that starts a change, by the change's decision, so that
	// the two steps can be linked once the change is placed.
	firstHalf := make(map[*decision]int)
	for _, r := range removes {
		if r.half != nil {
			firstHalf[r.half] = len(ops)
		}
		ops = append(ops, r.op)
	}
	isSplit := make(map[int]bool, len(split))
	for _, i := range split {
		isSplit[i] = true
	}
	emitted := make([]bool, len(takes))
	var chain []int
	for i := range takes {
		chain = chain[:0]
		for j := i; j != -1 && !emitted[j]; j = takes[j].dep {
			chain = append(chain, j)
			emitted[j] = true
		}
		for k := len(chain) - 1; k >= 0; k-- {
			d := takes[chain[k]].d
			op := p.takeOp(d, isSplit[chain[k]])
			if j, ok := firstHalf[d]; ok {
				op.Pair, ops[j].Pair = j+1, len(ops)+1
			}
			ops = append(ops, op)
		}
	}
	return ops
}

// breakCycles finds the cycles among the take nodes' dependencies, splits
// the first node (in sorted order) of each, and returns the split nodes.
// Every node has at most one dependency, so the graph is a set of chains
// and simple cycles and one walk per node finds them all in linear time.
func breakCycles(takes []*takeNode) []int {
	const done = -1
	mark := make([]int, len(takes)) // 0 unseen, walk id while walking, done after
	var split []int
	var path []int
	for i := range takes {
		if mark[i] != 0 {
			continue
		}
		walk := i + 1
		path = path[:0]
		j := i
		for j != -1 && mark[j] == 0 {
			mark[j] = walk
			path = append(path, j)
			j = takes[j].dep
		}
		if j != -1 && mark[j] == walk {
			start := slices.Index(path, j)
			cycle := path[start:]
			first := slices.Min(cycle) // nodes are sorted by slot, so the smallest index is the smallest slot
			// The node whose dependency was the split node now finds its
			// number freed in phase 1.
			for _, k := range cycle {
				if takes[k].dep == first {
					takes[k].dep = -1
				}
			}
			split = append(split, first)
		}
		for _, k := range path {
			mark[k] = done
		}
	}
	return split
}

type slotOp struct {
	slot numsync.Slot
	op   numsync.Op
	// half is the change this remove is the first step of, or nil.
	half *decision
}

// removeOp makes the remove of slot s; w is the row that asked for it, nil
// for an authoritative removal.
func (p *planner) removeOp(s numsync.Slot, before *numsync.Holding, w *numsync.Wish) numsync.Op {
	op := numsync.Op{
		Action:   numsync.Remove,
		UPN:      p.upnOf(s.UPNKey, p.x.held[s].UPN),
		Category: s.Category,
		Before:   before,
	}
	if w != nil {
		src := w.Source
		op.Source = &src
	}
	return op
}

// takeOp makes the assign or change of d; a split change is written as the
// assign that follows its remove.
func (p *planner) takeOp(d *decision, split bool) numsync.Op {
	src := d.w.Source
	op := numsync.Op{
		Action:   d.action,
		UPN:      d.upn,
		Category: d.slot.Category,
		Before:   d.before,
		After:    d.after,
		Notify:   d.w.Notify,
		Source:   &src,
	}
	if split {
		op.Action, op.Before = numsync.Assign, nil
	}
	return op
}
