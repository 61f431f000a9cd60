# ad-cleanup.ps1: numsync 20240501T030000Z clears msRTCSIP-Line of 0 users so that their Calling Plan
# or Operator Connect numbers can be assigned (rule R12, ONPREM_LINE_SET).
# Run it on a machine with the ActiveDirectory module, as an account that may write
# the attribute. It stops at the first error; each step is logged to ad-cleanup.log
# beside this script. After the change is synchronised, the next numsync run assigns the numbers.
#Requires -Modules ActiveDirectory
Set-StrictMode -Version 3.0
$ErrorActionPreference = 'Stop'
$numsyncLog = Join-Path -Path $PSScriptRoot -ChildPath 'ad-cleanup.log'
function Write-Step([string]$Text) {
    $line = '{0} {1}' -f (Get-Date).ToString('o'), $Text
    Write-Host $line
    Add-Content -LiteralPath $numsyncLog -Value $line -Encoding UTF8
}
function Find-UserByUpn([string]$Upn) {
    $found = @(Get-ADUser -Filter 'UserPrincipalName -eq $Upn')
    if ($found.Count -ne 1) { throw ('expected one AD user with UPN {0}, found {1}' -f $Upn, $found.Count) }
    $found[0]
}

Write-Step 'start: 0 steps'

Write-Step 'done'
