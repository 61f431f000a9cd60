# ad-cleanup.ps1: numsync 20240501T020000Z clears msRTCSIP-Line of 4 users so that their Calling Plan
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

Write-Step 'start: 4 steps'

# jorg.muller@contoso.com waits for +493012345678 (current msRTCSIP-Line: tel:+493012345678)
Write-Step 'step 1: clear msRTCSIP-Line of CN=Müller\, Jörg,OU=München,DC=contoso,DC=com'
Set-ADUser -Identity 'CN=Müller\, Jörg,OU=München,DC=contoso,DC=com' -Clear msRTCSIP-Line

# emma@contoso.com waits for +442071838750 (current msRTCSIP-Line: tel:+442071838750)
Write-Step 'step 2: clear msRTCSIP-Line of CN=Emma Brown,OU=London,DC=contoso,DC=com'
Set-ADUser -Identity 'CN=Emma Brown,OU=London,DC=contoso,DC=com' -Clear msRTCSIP-Line

# x'; Remove-Item C:\ -Recurse #@contoso.com waits for +33140000002 (current msRTCSIP-Line: tel:+33140000002;ext==cmd|' /C calc'!A0)
Write-Step 'step 3: clear msRTCSIP-Line of CN=x''; Remove-Item C:\\ -Recurse #,OU=Paris,DC=contoso,DC=com'
Set-ADUser -Identity 'CN=x''; Remove-Item C:\\ -Recurse #,OU=Paris,DC=contoso,DC=com' -Clear msRTCSIP-Line

# léa@contoso.com waits for +33140000000 (current msRTCSIP-Line: tel:+33140000000)
Write-Step 'step 4: clear msRTCSIP-Line of léa@contoso.com'
Set-ADUser -Identity (Find-UserByUpn -Upn 'léa@contoso.com') -Clear msRTCSIP-Line

Write-Step 'done'
