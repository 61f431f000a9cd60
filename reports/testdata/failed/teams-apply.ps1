# teams-apply.ps1: numsync 20240501T030000Z, the 0 operations of the plan made against store
# revision 0 (inputs ), as Teams PowerShell calls: removals first, then assignments,
# each in plan order. Review it, connect with Connect-MicrosoftTeams as a Teams Administrator,
# Teams Communications Administrator or Teams Telephony Administrator, then run it. It stops at
# the first error; each step is logged to teams-apply.log beside this script.
#Requires -Modules MicrosoftTeams
Set-StrictMode -Version 3.0
$ErrorActionPreference = 'Stop'
$numsyncLog = Join-Path -Path $PSScriptRoot -ChildPath 'teams-apply.log'
function Write-Step([string]$Text) {
    $line = '{0} {1}' -f (Get-Date).ToString('o'), $Text
    Write-Host $line
    Add-Content -LiteralPath $numsyncLog -Value $line -Encoding UTF8
}

Write-Step 'start: 0 steps'

Write-Step 'done'
