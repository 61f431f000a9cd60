package reports

import (
	"bufio"
	"bytes"
	"fmt"
	"strconv"

	"github.com/numsync/numsync"
)

// teamsStep is one step of teams-apply.ps1: one applied operation, carried
// out by one Teams call (two when a number changes type: Teams must let go
// of it before it takes it again).
type teamsStep struct {
	plan int    // index of the step's plan digest in the script's list
	step int    // the operation's step in its run
	name string // how the log names the step
	op   *numsync.Op
	// need is the position of the step that frees the number this one
	// takes, or -1: if that one did not land, this one waits.
	need int
}

// teamsSteps returns the plan digests of the script and its steps in the
// order they run: first the operations of earlier runs that have not
// landed in Teams (oldest first), then the plan's own.
//
// Within that sequence, a removal whose number a later step takes is
// moved to just before that step (or before an earlier step that fills its
// slot), so that a number is freed just before it is taken and nobody goes
// without a number longer than needed: the plan's order (every removal
// first) is what the store needs, not what Teams needs. A change is one
// Set-CsPhoneNumberAssignment, which releases the old number itself; the
// planner already split the changes of a swap or a rotation into a
// removal and an assign.
func (f *facts) teamsSteps() ([]string, []teamsStep) {
	digests := []string{f.in.PlanDigest}
	var seq []teamsStep
	planOf := map[string]int{f.in.PlanDigest: 0}
	for i := range f.in.Unfinished {
		u := &f.in.Unfinished[i]
		if f.applied() && u.Outcome.RunID == f.in.Run.ID {
			continue // the plan's own steps follow
		}
		p, ok := planOf[u.PlanDigest]
		if !ok {
			p = len(digests)
			planOf[u.PlanDigest] = p
			digests = append(digests, u.PlanDigest)
		}
		seq = append(seq, teamsStep{plan: p, step: u.Outcome.Step, name: fmt.Sprintf("step %d of run %s", u.Outcome.Step, u.Outcome.RunID), op: &u.Op})
	}
	for i := range f.plan.Ops {
		seq = append(seq, teamsStep{plan: 0, step: i + 1, name: "step " + strconv.Itoa(i+1), op: &f.plan.Ops[i]})
	}

	lastTake := map[numsync.Number]int{}
	for i, s := range seq {
		if s.op.After != nil {
			lastTake[s.op.After.Number] = i
		}
	}
	// A removal waits, in seq order, until a step takes its number or
	// puts another number in its slot (the planner frees a slot before it
	// fills it again when it splits a swap).
	byNumber := map[numsync.Number][]int{}
	bySlot := map[numsync.Slot][]int{}
	emitted := make([]bool, len(seq))
	steps := make([]teamsStep, 0, len(seq))
	emit := func(waiting []int) {
		for _, j := range waiting {
			if !emitted[j] {
				emitted[j] = true
				steps = append(steps, seq[j])
			}
		}
	}
	for i, s := range seq {
		if s.op.After == nil && lastTake[s.op.Before.Number] > i {
			n, k := s.op.Before.Number, numsync.SlotOf(s.op.UPN, s.op.Category)
			byNumber[n] = append(byNumber[n], i)
			bySlot[k] = append(bySlot[k], i)
			continue
		}
		if s.op.After != nil {
			n, k := s.op.After.Number, numsync.SlotOf(s.op.UPN, s.op.Category)
			emit(byNumber[n])
			emit(bySlot[k])
			delete(byNumber, n)
			delete(bySlot, k)
		}
		emitted[i] = true
		steps = append(steps, s)
	}

	freedBy := map[numsync.Number]int{} // a number freed in the script, until taken again
	for i := range steps {
		op := steps[i].op
		steps[i].need = -1
		if op.After != nil {
			if j, ok := freedBy[op.After.Number]; ok {
				steps[i].need = j
				delete(freedBy, op.After.Number)
			}
		}
		if op.Before != nil && (op.After == nil || op.Before.Number != op.After.Number) {
			freedBy[op.Before.Number] = i
		}
	}
	return digests, steps
}

// teamsApplyPS1 writes the plan as a PowerShell script for Teams: a table
// of steps (data only, every value single-quoted) and a fixed runner that
// carries them out; see [teamsRunner] for what the runner does.
//
// Parameters follow the MicrosoftTeams module: -PhoneNumber without "tel:",
// an extension written "+14255550100;ext=100" (Direct Routing only),
// -LocationId 'null' to take a location off a number, -AssignmentCategory
// only for Private (Primary is the default), -Notify when the row asked to
// email the user. A removal the plan blocks passes -AssignmentBlockedDays; a
// take clears the number's assignment block first when the plan says so
// (Remove-CsPhoneNumberAssignmentBlock) and sets its range's tag after
// (Set-CsPhoneNumberTag).
func (f *facts) teamsApplyPS1(w *bufio.Writer) {
	digests, steps := f.teamsSteps()
	carried := len(steps) - len(f.plan.Ops)
	comments := []string{
		fmt.Sprintf("teams-apply.ps1: numsync %s, the %d operations of the plan made against store revision %d", f.in.RunID, len(f.plan.Ops), f.plan.Revision),
		fmt.Sprintf("(plan digest %s), after %d operations of earlier runs that have not landed in Teams yet.", f.in.PlanDigest, carried),
		"Review it, connect with Connect-MicrosoftTeams as a Teams Administrator, Teams Communications",
		"Administrator or Teams Telephony Administrator, then run it. It can be run again: steps recorded",
		"as done in teams-apply.results.csv beside it, or that Teams already matches, are not sent again.",
		"Busy or throttled answers are retried (-MaxAttempts, -RetryDelaySeconds); a step that keeps failing",
		"is recorded as failed and the steps that wait for it are skipped. Exit code 0: every step landed.",
		"Then give teams-apply.results.csv to 'numsync results import'.",
	}
	w.WriteString(psBOM)
	for _, c := range comments {
		w.WriteString("# " + numsync.OneLine(c) + "\n")
	}
	w.WriteString(teamsHeader)
	w.WriteString(psLogHeader("teams-apply.log"))

	var refused []string
	var row bytes.Buffer
	quote := func(field, value string, s *teamsStep) bool {
		row.WriteString(field)
		row.WriteString(" = ")
		if err := appendPSQuote(&row, value); err != nil {
			refused = append(refused, fmt.Sprintf("%s of %s: %v", field, s.name, err))
			return false
		}
		return true
	}
	w.WriteString("\n# The plans whose steps follow, by the digest of their plan.json.\n$numsyncPlans = @(\n")
	for _, d := range digests {
		row.Reset()
		row.WriteString("    ")
		if err := appendPSQuote(&row, d); err != nil {
			refused = append(refused, fmt.Sprintf("plan digest: %v", err))
			continue
		}
		row.WriteByte('\n')
		w.Write(row.Bytes())
	}
	w.WriteString(")\n")
	w.WriteString("# The steps in the order they run; Needs is the position (from 0) of the step that must land first.\n$numsyncSteps = @(\n")
	for i := range steps {
		s := &steps[i]
		op := s.op
		kind, h, freeType, loc := "set", op.After, "", ""
		if op.After == nil {
			kind, h = "remove", op.Before
		} else {
			switch {
			case op.After.Location != "":
				loc = op.After.Location
			case op.Before != nil && op.Before.Number == op.After.Number && op.Before.Type == op.After.Type && op.Before.Location != "":
				loc = "null"
			}
			if op.Before != nil && op.Before.Number == op.After.Number && op.Before.Type != op.After.Type {
				freeType = string(op.Before.Type)
			}
		}
		objectID := ""
		if u := f.x.User(numsync.UPNKey(op.UPN)); u != nil {
			objectID = u.ObjectID
		}
		// The step's description is logged and printed: a hidden
		// character in it is shown, not obeyed (the Identity keeps it).
		text := numsync.ShowHidden(string(op.Action) + " " + op.UPN + ": " + holdingNumber(op.Before) + " -> " + holdingNumber(op.After))
		row.Reset()
		fmt.Fprintf(&row, "    @{ Plan = %d; Step = %d; ", s.plan, s.step)
		ok := quote("Name", s.name, s)
		row.WriteString("; Kind = '" + kind + "'; ")
		ok = ok && quote("Identity", op.UPN, s)
		row.WriteString("; ")
		ok = ok && quote("ObjectId", objectID, s)
		row.WriteString("; ")
		ok = ok && quote("Number", h.Number.String(), s)
		fmt.Fprintf(&row, "; Type = '%s'; FreeType = '%s'; ", h.Type, freeType)
		ok = ok && quote("Location", loc, s)
		fmt.Fprintf(&row, "; Category = '%s'; Notify = $%t; ", op.Category.OrPrimary(), op.Notify)
		if s.need >= 0 {
			fmt.Fprintf(&row, "Needs = @(%d); ", s.need)
		} else {
			row.WriteString("Needs = @(); ")
		}
		fmt.Fprintf(&row, "BlockDays = %d; Unblock = $%t; ", op.BlockDays, op.Unblock)
		ok = ok && quote("Tag", op.Tag, s)
		row.WriteString("; ")
		ok = ok && quote("Text", text, s)
		if !ok {
			continue
		}
		row.WriteString(" }\n")
		w.Write(row.Bytes())
	}
	w.WriteString(")\n")
	if len(refused) > 0 {
		w.WriteString("\n# numsync refused to write some steps of this script: their values cannot be quoted safely.\n")
		for _, r := range refused {
			w.WriteString("# " + numsync.OneLine(r) + "\n")
		}
		msg, _ := psQuote(fmt.Sprintf("numsync: this script is incomplete because %d values cannot be quoted safely; see the comments above", len(refused)))
		w.WriteString("throw " + msg + "\n")
		return
	}
	w.WriteString(teamsRunner)
}

// holdingNumber is the number of h for a step's description; "none" for
// no holding.
func holdingNumber(h *numsync.Holding) string {
	if h == nil {
		return "none"
	}
	return h.Number.String()
}

// teamsHeader opens teams-apply.ps1: the module it needs and the retry
// parameters (param must be the script's first statement).
const teamsHeader = `#Requires -Modules MicrosoftTeams
param(
    # Attempts per step when Teams answers that it is busy, throttling or timing out.
    [ValidateRange(1, 20)][int]$MaxAttempts = 5,
    # Wait before the first retry of a step; each further retry waits twice as long.
    [ValidateRange(1, 600)][int]$RetryDelaySeconds = 10
)
`

// teamsRunner carries out $numsyncSteps. It is fixed text: everything that
// varies between plans is in the table above it. For each step, in order:
//
//   - a step that teams-apply.results.csv records as done (or already
//     done) is not sent again;
//   - a step whose Needs did not land is skipped, "waiting on" that step;
//   - Get-CsPhoneNumberAssignment tells whether Teams already matches (the
//     step then counts as already done); where the holder's object id is
//     unknown, a Set cannot be checked and is sent;
//   - the call is made; an answer that looks transient is retried after
//     RetryDelaySeconds, doubling, up to MaxAttempts attempts in all, each
//     logged; any other error, or the last attempt's, fails the step.
//
// Every outcome is appended to teams-apply.results.csv as it happens, so a
// script that is stopped resumes where it was. It ends with a summary and
// exits 0 only when every step landed.
const teamsRunner = `
$numsyncResults = Join-Path -Path $PSScriptRoot -ChildPath 'teams-apply.results.csv'
$numsyncTransient = 'service unavailable|try again|throttl|too many requests|timed? ?out|temporar|\b(429|500|502|503|504)\b'

function Write-Result($Step, [string]$Outcome, [int]$Attempts, [string]$Text) {
    if (-not (Test-Path -LiteralPath $numsyncResults)) {
        Set-Content -LiteralPath $numsyncResults -Value 'plan_digest,step,operation,outcome,attempts,error,at' -Encoding UTF8
    }
    $cells = foreach ($value in @($numsyncPlans[$Step.Plan], $Step.Step, $Step.Text, $Outcome, $Attempts, $Text, (Get-Date).ToUniversalTime().ToString('o'))) {
        $cell = ([string]$value) -replace '[\r\n]+', ' '
        if ($cell -match '^[=+\-@\t]') { $cell = "'" + $cell }
        '"' + $cell.Replace('"', '""') + '"'
    }
    Add-Content -LiteralPath $numsyncResults -Value ($cells -join ',') -Encoding UTF8
}

function Get-Field($Object, [string]$Name) {
    $p = $Object.PSObject.Properties[$Name]
    if ($p) { [string]$p.Value } else { '' }
}

function Test-Landed($Step) {
    $held = @(Get-CsPhoneNumberAssignment -TelephoneNumber $Step.Number | Where-Object { Get-Field $_ 'AssignedPstnTargetId' })
    if ($Step.Kind -eq 'remove') {
        if (-not $Step.ObjectId) { return $held.Count -eq 0 }
        return @($held | Where-Object { (Get-Field $_ 'AssignedPstnTargetId') -eq $Step.ObjectId }).Count -eq 0
    }
    if (-not $Step.ObjectId) { return $false }
    foreach ($a in $held) {
        $type = Get-Field $a 'NumberType'
        if ($type -eq 'OCMobile') { $type = 'OperatorConnect' }
        $category = Get-Field $a 'AssignmentCategory'
        $location = Get-Field $a 'LocationId'
        if ((Get-Field $a 'AssignedPstnTargetId') -ne $Step.ObjectId -or $type -ne $Step.Type) { continue }
        if ($category -and $category -ne $Step.Category) { continue }
        if ($Step.Location -eq 'null' -and $location) { continue }
        if ($Step.Location -and $Step.Location -ne 'null' -and $location -ne $Step.Location) { continue }
        $tags = $a.PSObject.Properties['Tag']
        if ($Step.Tag -and (-not $tags -or @($tags.Value) -notcontains $Step.Tag)) { continue }
        return $true
    }
    $false
}

function Invoke-Step($Step) {
    if ($Step.Kind -eq 'remove') {
        $r = @{ Identity = $Step.Identity; PhoneNumber = $Step.Number; PhoneNumberType = $Step.Type }
        if ($Step.BlockDays -gt 0) { $r.AssignmentBlockedDays = $Step.BlockDays }
        $null = Remove-CsPhoneNumberAssignment @r
        return
    }
    if ($Step.Unblock -and -not $Step['Unblocked']) {
        try { $null = Remove-CsPhoneNumberAssignmentBlock -TelephoneNumber $Step.Number } catch { if ($_.Exception.Message -notmatch 'not found|no .*block') { throw } }
        $Step['Unblocked'] = $true
    }
    if ($Step.FreeType -and -not $Step['Freed']) {
        $null = Remove-CsPhoneNumberAssignment -Identity $Step.Identity -PhoneNumber $Step.Number -PhoneNumberType $Step.FreeType
        $Step['Freed'] = $true
    }
    $p = @{ Identity = $Step.Identity; PhoneNumber = $Step.Number; PhoneNumberType = $Step.Type }
    if ($Step.Location) { $p.LocationId = $Step.Location }
    if ($Step.Category -eq 'Private') { $p.AssignmentCategory = 'Private' }
    if ($Step.Notify) { $p.Notify = $true }
    $null = Set-CsPhoneNumberAssignment @p
    if ($Step.Tag) { $null = Set-CsPhoneNumberTag -PhoneNumber $Step.Number -Tag $Step.Tag }
}

$recorded = @{}
if (Test-Path -LiteralPath $numsyncResults) {
    foreach ($r in @(Import-Csv -LiteralPath $numsyncResults -Encoding UTF8)) {
        if ($r.outcome -eq 'done' -or $r.outcome -eq 'already-done') { $recorded[$r.plan_digest + '/' + $r.step] = $true }
    }
}
$state = @{}
$tally = [ordered]@{ 'done' = 0; 'already-done' = 0; 'failed' = 0; 'skipped' = 0 }
Write-Step ('start: {0} steps' -f $numsyncSteps.Count)
for ($i = 0; $i -lt $numsyncSteps.Count; $i++) {
    $s = $numsyncSteps[$i]
    $outcome = 'done'
    $why = ''
    $attempt = 0
    $waiting = @($s.Needs | Where-Object { $state[$_] -ne 'done' -and $state[$_] -ne 'already-done' })
    if ($recorded.ContainsKey($numsyncPlans[$s.Plan] + '/' + $s.Step)) {
        $state[$i] = 'already-done'
        $tally['already-done']++
        Write-Step ('{0}: {1}: done by an earlier run of this script' -f $s.Name, $s.Text)
        continue
    } elseif ($waiting.Count -gt 0) {
        $outcome = 'skipped'
        $why = 'waiting on ' + $numsyncSteps[$waiting[0]].Name
    } else {
        while ($true) {
            $attempt++
            try {
                if (Test-Landed $s) { $outcome = 'already-done' } else { Invoke-Step $s }
                break
            } catch {
                $why = $_.Exception.Message -replace '\s+', ' '
                if ($attempt -ge $MaxAttempts -or $why -notmatch $numsyncTransient) {
                    $outcome = 'failed'
                    break
                }
                $delay = $RetryDelaySeconds * [math]::Pow(2, $attempt - 1)
                Write-Step ('{0}: attempt {1} of {2} failed, next in {3} s: {4}' -f $s.Name, $attempt, $MaxAttempts, $delay, $why)
                Start-Sleep -Seconds $delay
            }
        }
    }
    $state[$i] = $outcome
    $tally[$outcome]++
    $line = '{0}: {1}: {2} {3}' -f $s.Name, $s.Text, $outcome, $why
    Write-Step $line.TrimEnd()
    Write-Result $s $outcome $attempt $why
}
Write-Step ('summary: {0} done, {1} already done, {2} failed, {3} skipped' -f $tally['done'], $tally['already-done'], $tally['failed'], $tally['skipped'])
if ($tally['failed'] + $tally['skipped'] -gt 0) {
    Write-Step 'not everything landed: run this script again to retry, and import teams-apply.results.csv with numsync results import'
    exit 1
}
Write-Step 'every step landed'
exit 0
`
