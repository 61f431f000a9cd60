# teams-apply.ps1: numsync 20240501T020000Z, the 7 operations of the plan made against store
# revision 41 (inputs sha256:5f1c0a), as Teams PowerShell calls: removals first, then assignments,
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

Write-Step 'start: 8 steps'

# op 1 - remove aa-main@contoso.com (Primary): free +442071838751 (sheets/gb.csv:4)
Write-Step 'step 1: remove +442071838751 from aa-main@contoso.com'
Remove-CsPhoneNumberAssignment -Identity 'aa-main@contoso.com' -PhoneNumber '+442071838751' -PhoneNumberType 'OperatorConnect'

# op 2 - remove bob@contoso.com (Primary): free +14255550103 (not named by a sheet: authoritative mode)
Write-Step 'step 2: remove +14255550103 from bob@contoso.com'
Remove-CsPhoneNumberAssignment -Identity 'bob@contoso.com' -PhoneNumber '+14255550103' -PhoneNumberType 'CallingPlan'

# op 3 ~ change alice@contoso.com (Primary): free +14255550101 (sheets/us.csv:2)
Write-Step 'step 3: remove +14255550101 from alice@contoso.com'
Remove-CsPhoneNumberAssignment -Identity 'alice@contoso.com' -PhoneNumber '+14255550101' -PhoneNumberType 'CallingPlan'

# op 3 ~ change alice@contoso.com (Primary): set +14255550103 (sheets/us.csv:2)
Write-Step 'step 4: set +14255550103 on alice@contoso.com'
Set-CsPhoneNumberAssignment -Identity 'alice@contoso.com' -PhoneNumber '+14255550103' -PhoneNumberType 'CallingPlan' -LocationId 'loc-sea' -Notify

# op 4 + assign o’connor@contoso.com (Primary): set +14255550101 (sheets/us.csv:3)
Write-Step 'step 5: set +14255550101 on o’’connor@contoso.com'
Set-CsPhoneNumberAssignment -Identity 'o’’connor@contoso.com' -PhoneNumber '+14255550101' -PhoneNumberType 'CallingPlan'

# op 5 ~ change cq-sales@contoso.com (Primary): set +14255550104 (sheets/us.csv:4)
Write-Step 'step 6: set +14255550104 on cq-sales@contoso.com'
Set-CsPhoneNumberAssignment -Identity 'cq-sales@contoso.com' -PhoneNumber '+14255550104' -PhoneNumberType 'OperatorConnect' -LocationId 'null' -Notify

# op 6 + assign x'; Remove-Item C:\ -Recurse #@contoso.com (Private): set +33140000001;ext=12 (sheets/fr.csv:2)
Write-Step 'step 7: set +33140000001;ext=12 on x''; Remove-Item C:\ -Recurse #@contoso.com'
Set-CsPhoneNumberAssignment -Identity 'x''; Remove-Item C:\ -Recurse #@contoso.com' -PhoneNumber '+33140000001;ext=12' -PhoneNumberType 'DirectRouting' -LocationId '<script>alert(1)</script>' -AssignmentCategory 'Private' -Notify

# op 7 + assign aa-main@contoso.com (Private): set +442071838751 (sheets/gb.csv:4)
Write-Step 'step 8: set +442071838751 on aa-main@contoso.com'
Set-CsPhoneNumberAssignment -Identity 'aa-main@contoso.com' -PhoneNumber '+442071838751' -PhoneNumberType 'OperatorConnect' -AssignmentCategory 'Private' -Notify

Write-Step 'done'
