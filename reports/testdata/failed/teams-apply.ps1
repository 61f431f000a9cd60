# teams-apply.ps1: numsync 20240501T030000Z, the 0 operations of the plan made against store revision 0
# (plan digest ), after 0 operations of earlier runs that have not landed in Teams yet.
# Review it, connect with Connect-MicrosoftTeams as a Teams Administrator, Teams Communications
# Administrator or Teams Telephony Administrator, then run it. It can be run again: steps recorded
# as done in teams-apply.results.csv beside it, or that Teams already matches, are not sent again.
# Busy or throttled answers are retried (-MaxAttempts, -RetryDelaySeconds); a step that keeps failing
# is recorded as failed and the steps that wait for it are skipped. Exit code 0: every step landed.
# Then give teams-apply.results.csv to 'numsync results import'.
#Requires -Modules MicrosoftTeams
param(
    # Attempts per step when Teams answers that it is busy, throttling or timing out.
    [ValidateRange(1, 20)][int]$MaxAttempts = 5,
    # Wait before the first retry of a step; each further retry waits twice as long.
    [ValidateRange(1, 600)][int]$RetryDelaySeconds = 10
)
Set-StrictMode -Version 3.0
$ErrorActionPreference = 'Stop'
$numsyncLog = Join-Path -Path $PSScriptRoot -ChildPath 'teams-apply.log'
function Write-Step([string]$Text) {
    $line = '{0} {1}' -f (Get-Date).ToString('o'), $Text
    Write-Host $line
    Add-Content -LiteralPath $numsyncLog -Value $line -Encoding UTF8
}

# The plans whose steps follow, by the digest of their plan.json.
$numsyncPlans = @(
    ''
)
# The steps in the order they run; Needs is the position (from 0) of the step that must land first.
$numsyncSteps = @(
)

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
