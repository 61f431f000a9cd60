package reports

import (
	"bufio"
	"fmt"
	"strconv"

	"github.com/numsync/numsync"
)

// frees reports whether an operation must take its old number away before
// it can set the new one: a removal, or a change of number or type. A
// change of location alone is made by assigning the same number again.
func frees(op numsync.Op) bool {
	if op.Before == nil {
		return false
	}
	return op.After == nil || op.Before.Number != op.After.Number || op.Before.Type != op.After.Type
}

// teamsApplyPS1 writes the plan as Teams PowerShell calls. Every
// Remove-CsPhoneNumberAssignment comes first, then every
// Set-CsPhoneNumberAssignment, each group in plan order. The plan already
// puts operations that free numbers before those that take them; a change
// does both, and splitting it this way lets swaps (A gets B's number and B
// gets A's) run without a number ever being held twice.
//
// Parameters follow the MicrosoftTeams module: -PhoneNumber without "tel:",
// an extension written "+14255550100;ext=100" (Direct Routing only),
// -LocationId 'null' to take a location off a number, -AssignmentCategory
// only for Private (Primary is the default), -Notify when the row asked to
// email the user.
func (f *facts) teamsApplyPS1(w *bufio.Writer) {
	steps := func(s *psScript) {
		for i, op := range f.plan.Ops {
			if !frees(op) {
				continue
			}
			s.blank()
			if s.writing() {
				s.comment("op ", strconv.Itoa(i+1), " ", op.Action.Symbol(), " ", string(op.Action), " ", op.UPN,
					" (", string(op.Category.OrPrimary()), "): free ", op.Before.Number.String(), " ", sourceNote(op.Source))
			}
			s.call("Remove-CsPhoneNumberAssignment", []psArg{
				{name: "Identity", value: op.UPN},
				{name: "PhoneNumber", value: op.Before.Number.String()},
				{name: "PhoneNumberType", value: string(op.Before.Type)}},
				"remove ", op.Before.Number.String(), " from ", op.UPN)
		}
		// One slice for every call's arguments: call does not keep them.
		args := make([]psArg, 0, 6)
		for i, op := range f.plan.Ops {
			if op.After == nil {
				continue
			}
			s.blank()
			if s.writing() {
				s.comment("op ", strconv.Itoa(i+1), " ", op.Action.Symbol(), " ", string(op.Action), " ", op.UPN,
					" (", string(op.Category.OrPrimary()), "): set ", op.After.Number.String(), " ", sourceNote(op.Source))
			}
			args = append(args[:0],
				psArg{name: "Identity", value: op.UPN},
				psArg{name: "PhoneNumber", value: op.After.Number.String()},
				psArg{name: "PhoneNumberType", value: string(op.After.Type)})
			switch {
			case op.After.Location != "":
				args = append(args, psArg{name: "LocationId", value: op.After.Location})
			case op.Before != nil && !frees(op) && op.Before.Location != "":
				args = append(args, psArg{name: "LocationId", value: "null"})
			}
			if op.Category.OrPrimary() == numsync.Private {
				args = append(args, psArg{name: "AssignmentCategory", value: string(numsync.Private)})
			}
			if op.Notify {
				args = append(args, psArg{name: "Notify", toggle: true})
			}
			s.call("Set-CsPhoneNumberAssignment", args, "set ", op.After.Number.String(), " on ", op.UPN)
		}
	}
	comments := []string{
		fmt.Sprintf("teams-apply.ps1: numsync %s, the %d operations of the plan made against store", f.in.RunID, len(f.plan.Ops)),
		fmt.Sprintf("revision %d (inputs %s), as Teams PowerShell calls: removals first, then assignments,", f.plan.Revision, f.plan.InputsDigest),
		"each in plan order. Review it, connect with Connect-MicrosoftTeams as a Teams Administrator,",
		"Teams Communications Administrator or Teams Telephony Administrator, then run it. It stops at",
		"the first error; each step is logged to teams-apply.log beside this script.",
	}
	writePSScript(w, comments, "#Requires -Modules MicrosoftTeams\n"+psLogHeader("teams-apply.log"), steps)
}

// sourceNote names the sheet row an operation came from.
func sourceNote(src *numsync.Source) string {
	if src == nil || src.File == "" {
		return "(not named by a sheet: authoritative mode)"
	}
	return "(" + sourceString(*src) + ")"
}
