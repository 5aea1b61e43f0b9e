# driftcheck migration script: makes the sync rules of FAB-SYNC02 (staging) match those of FAB-SYNC01 (primary).
#
# Written by driftcheck @VERSION@ from these exports:
#   primary  FAB-SYNC01, exported 2024-11-18 08:42:17.530, version 2.4.18.0, samples/primary
#   staging  FAB-SYNC02, exported 2024-11-18 09:05:38.118, version 2.4.27.0, samples/staging
#
# Run it on FAB-SYNC02 in an elevated Windows PowerShell (the ADSync module comes
# with Entra Connect). First take a fresh export to go back to
# (Get-ADSyncServerConfiguration -Path <folder>) and pause the scheduler
# (Set-ADSyncScheduler -SyncCycleEnabled $false). Then:
#   -WhatIf   lists every change without making any
#   (none)    makes the changes
#
# Changes (9):
#   remove   rule 'In from AD - Contact Company Default' (emea.fabrikam.com, Inbound): not on the primary server
#   replace  rule 'In from AD - EMEA User Join on EmployeeID' (emea.fabrikam.com, Inbound): join-groups (modified)
#   replace  rule 'In from AD - User Contractor Filter' (fabrikam.com, Inbound): scoping-groups (removed); scoping-groups (added)
#   replace  rule 'In from AD - User Department Fixup' (fabrikam.com, Inbound): attribute-flows/department/expression (modified); attribute-flows/department/inputs (removed); attribute-flows/department/inputs (added)
#   replace  rule 'In from AD - User Extension Attributes' (fabrikam.com, Inbound): precedence/order (modified)
#   replace  rule 'Out to AAD - User UsageLocation' (Fabrikam.onmicrosoft.com - AAD, Outbound): description (modified)
#   replace  rule 'In from AD - User Job Title Override' (fabrikam.com, Inbound): precedence 61 → 65, to keep the primary server's order
#   add      rule 'In from AD - Group Naming Prefix' (fabrikam.com, Inbound): only on the primary server
#   enable   out-of-box rule 'Out to AAD - User ExchangeOnline' (Fabrikam.onmicrosoft.com - AAD, Outbound): disabled flag
#
# Sync rule differences NOT scripted (each is a warning when the script runs):
#   'In from AAD - User Exchange Hybrid' (fabrikam.onmicrosoft.com - AAD): attribute-flows/proxyAddresses/merge-type (modified)
#
# NOT scripted: connectors, partitions and OU filtering, attribute inclusion, global
# settings and optional features, the metaverse schema. The Entra Connect wizard
# owns these: repeat each of these differences on FAB-SYNC02 by hand.
#   connector (9):
#     emea.fabrikam.com: password-hash-sync/enabled (modified)
#     emea.fabrikam.com: partitions/DC=emea,DC=fabrikam,DC=com/object-classes (removed)
#     emea.fabrikam.com: schema/object-classes/msExchCustomAttributes/attributes (removed)
#     emea.fabrikam.com: schema/attributes/msExchExtensionCustomAttribute1 (removed)
#     fabrikam.com: attribute-inclusion (removed)
#     fabrikam.com: partitions/DC=fabrikam,DC=com/containers/inclusions (removed)
#     fabrikam.com: partitions/DC=fabrikam,DC=com/containers/exclusions (added)
#     fabrikam.com: run-profiles/Delta Import/step 1/custom-data/adma-step-data/page-size (modified)
#     fabrikam.onmicrosoft.com - AAD: configuration/extension-config/assembly-version (modified)
#   global-settings (2):
#     Microsoft.OptionalFeature.ExportDeletionThresholdValue: value (modified)
#     Microsoft.Synchronize.ServerConfigurationVersion: value (modified)
#   metaverse (2):
#     (attribute definitions): costCenter (added)
#     person: attributes/costCenter (added)

param([switch]$WhatIf)

$ErrorActionPreference = 'Stop'

$expectedServer = 'FAB-SYNC02'
$thisServer = $env:COMPUTERNAME
if ($thisServer -ne $expectedServer -and [System.Net.Dns]::GetHostName() -ne $expectedServer) {
    throw ('This script is for server {0}; this is {1}. Nothing was changed.' -f $expectedServer, $thisServer)
}
if (-not (Get-Module -ListAvailable -Name ADSync)) {
    throw 'The ADSync module is not installed: run this script on the Entra Connect server itself. Nothing was changed.'
}
Import-Module ADSync
if (-not (Get-ADSyncScheduler).StagingModeEnabled) {
    Write-Warning 'This server is not in staging mode: changed rules take effect at the next sync cycle, exports included.'
}

Write-Warning 'Not scripted: sync rule ''In from AAD - User Exchange Hybrid'' (fabrikam.onmicrosoft.com - AAD) differs: attribute-flows/proxyAddresses/merge-type (modified). Why: an out-of-box rule was edited on one server. That is not supported and an upgrade resets it: restore the default rule, and put the change into a custom rule (disable the default one if needed) on both servers, then run driftcheck again.'

function Get-TargetConnectorId([string]$Name, [string]$Label) {
    try { $connector = Get-ADSyncConnector -Name $Name } catch { $connector = $null }
    if ($null -eq $connector) {
        throw ('Connector {0} is not on this server: add it with the Entra Connect wizard first. Nothing was changed.' -f $Label)
    }
    return [string]$connector.Identifier
}

function Find-TargetRule([string]$Name, [string]$ConnectorId, [string]$Direction, [string]$Label) {
    $found = @(Get-ADSyncRule | Where-Object {
        $_.Name -eq $Name -and [string]$_.Connector -eq $ConnectorId -and [string]$_.Direction -eq $Direction
    })
    if ($found.Count -ne 1) {
        throw ('Expected one sync rule {0} on this server, found {1}: the server changed since it was exported. Export it again and run driftcheck again. Nothing was changed.' -f $Label, $found.Count)
    }
    return $found[0]
}

$script:changesMade = 0
function Invoke-Change([string]$Description, [scriptblock]$Action) {
    if ($WhatIf) {
        Write-Host ('What if: {0}' -f $Description)
        return
    }
    & $Action
    $script:changesMade++
    Write-Host ('Done: {0}' -f $Description)
}

# --- 1. Find every connector and rule to change (this changes nothing) ---
$connectorIds = @{}
$connectorIds['emea.fabrikam.com'] = Get-TargetConnectorId 'emea.fabrikam.com' '''emea.fabrikam.com'''
$connectorIds['fabrikam.com'] = Get-TargetConnectorId 'fabrikam.com' '''fabrikam.com'''
$connectorIds['Fabrikam.onmicrosoft.com - AAD'] = Get-TargetConnectorId 'Fabrikam.onmicrosoft.com - AAD' '''Fabrikam.onmicrosoft.com - AAD'''
$rewritten = @()
$existing1 = Find-TargetRule 'In from AD - Contact Company Default' $connectorIds['emea.fabrikam.com'] 'Inbound' '''In from AD - Contact Company Default'' (emea.fabrikam.com, Inbound)'
$rewritten += [string]$existing1.Identifier
$existing2 = Find-TargetRule 'In from AD - EMEA User Join on EmployeeID' $connectorIds['emea.fabrikam.com'] 'Inbound' '''In from AD - EMEA User Join on EmployeeID'' (emea.fabrikam.com, Inbound)'
$rewritten += [string]$existing2.Identifier
$existing3 = Find-TargetRule 'In from AD - User Contractor Filter' $connectorIds['fabrikam.com'] 'Inbound' '''In from AD - User Contractor Filter'' (fabrikam.com, Inbound)'
$rewritten += [string]$existing3.Identifier
$existing4 = Find-TargetRule 'In from AD - User Department Fixup' $connectorIds['fabrikam.com'] 'Inbound' '''In from AD - User Department Fixup'' (fabrikam.com, Inbound)'
$rewritten += [string]$existing4.Identifier
$existing5 = Find-TargetRule 'In from AD - User Extension Attributes' $connectorIds['fabrikam.com'] 'Inbound' '''In from AD - User Extension Attributes'' (fabrikam.com, Inbound)'
$rewritten += [string]$existing5.Identifier
$existing6 = Find-TargetRule 'Out to AAD - User UsageLocation' $connectorIds['Fabrikam.onmicrosoft.com - AAD'] 'Outbound' '''Out to AAD - User UsageLocation'' (Fabrikam.onmicrosoft.com - AAD, Outbound)'
$rewritten += [string]$existing6.Identifier
$existing7 = Find-TargetRule 'In from AD - User Job Title Override' $connectorIds['fabrikam.com'] 'Inbound' '''In from AD - User Job Title Override'' (fabrikam.com, Inbound)'
$rewritten += [string]$existing7.Identifier
$existing9 = Find-TargetRule 'Out to AAD - User ExchangeOnline' $connectorIds['Fabrikam.onmicrosoft.com - AAD'] 'Outbound' '''Out to AAD - User ExchangeOnline'' (Fabrikam.onmicrosoft.com - AAD, Outbound)'

# --- 2. Build the rules to create, in memory (this changes nothing) ---

# [2] replace 'In from AD - EMEA User Join on EmployeeID' (emea.fabrikam.com, Inbound)
New-ADSyncRule `
    -Name 'In from AD - EMEA User Join on EmployeeID' `
    -Identifier $existing2.Identifier `
    -Description 'EMEA accounts join the Fabrikam identity by employeeID, then by mail.' `
    -Direction 'Inbound' `
    -Precedence 40 `
    -PrecedenceAfter '00000000-0000-0000-0000-000000000000' `
    -PrecedenceBefore '00000000-0000-0000-0000-000000000000' `
    -SourceObjectType 'user' `
    -TargetObjectType 'person' `
    -Connector $connectorIds['emea.fabrikam.com'] `
    -LinkType 'Join' `
    -SoftDeleteExpiryInterval '00:00:00' `
    -ImmutableTag '' `
    -OutVariable syncRule | Out-Null
Add-ADSyncAttributeFlowMapping `
    -SynchronizationRule $syncRule[0] `
    -Source @('employeeID') `
    -Destination 'employeeID' `
    -FlowType 'Direct' `
    -ValueMergeType 'Update' `
    -OutVariable syncRule | Out-Null
Add-ADSyncAttributeFlowMapping `
    -SynchronizationRule $syncRule[0] `
    -Source @('EMEA') `
    -Destination 'division' `
    -FlowType 'Constant' `
    -ValueMergeType 'Update' `
    -OutVariable syncRule | Out-Null
New-Object `
    -TypeName 'Microsoft.IdentityManagement.PowerShell.ObjectModel.ScopeCondition' `
    -ArgumentList 'employeeID','','ISNOTNULL' `
    -OutVariable condition0 | Out-Null
New-Object `
    -TypeName 'Microsoft.IdentityManagement.PowerShell.ObjectModel.ScopeCondition' `
    -ArgumentList 'adminDescription','User_','NOTSTARTSWITH' `
    -OutVariable condition1 | Out-Null
Add-ADSyncScopeConditionGroup `
    -SynchronizationRule $syncRule[0] `
    -ScopeConditions @($condition0[0],$condition1[0]) `
    -OutVariable syncRule | Out-Null
New-Object `
    -TypeName 'Microsoft.IdentityManagement.PowerShell.ObjectModel.JoinCondition' `
    -ArgumentList 'employeeID','employeeID',$false `
    -OutVariable condition0 | Out-Null
Add-ADSyncJoinConditionGroup `
    -SynchronizationRule $syncRule[0] `
    -JoinConditions @($condition0[0]) `
    -OutVariable syncRule | Out-Null
New-Object `
    -TypeName 'Microsoft.IdentityManagement.PowerShell.ObjectModel.JoinCondition' `
    -ArgumentList 'mail','mail',$false `
    -OutVariable condition0 | Out-Null
Add-ADSyncJoinConditionGroup `
    -SynchronizationRule $syncRule[0] `
    -JoinConditions @($condition0[0]) `
    -OutVariable syncRule | Out-Null
$rule2 = $syncRule[0]

# [3] replace 'In from AD - User Contractor Filter' (fabrikam.com, Inbound)
New-ADSyncRule `
    -Name 'In from AD - User Contractor Filter' `
    -Identifier $existing3.Identifier `
    -Description 'Contractors and vendors stay on-premises unless extensionAttribute10 is CloudAccess.' `
    -Direction 'Inbound' `
    -Precedence 50 `
    -PrecedenceAfter '00000000-0000-0000-0000-000000000000' `
    -PrecedenceBefore '00000000-0000-0000-0000-000000000000' `
    -SourceObjectType 'user' `
    -TargetObjectType 'person' `
    -Connector $connectorIds['fabrikam.com'] `
    -LinkType 'Join' `
    -SoftDeleteExpiryInterval '00:00:00' `
    -ImmutableTag '' `
    -OutVariable syncRule | Out-Null
Add-ADSyncAttributeFlowMapping `
    -SynchronizationRule $syncRule[0] `
    -Source @('True') `
    -Destination 'cloudFiltered' `
    -FlowType 'Constant' `
    -ValueMergeType 'Update' `
    -OutVariable syncRule | Out-Null
New-Object `
    -TypeName 'Microsoft.IdentityManagement.PowerShell.ObjectModel.ScopeCondition' `
    -ArgumentList 'employeeType','Contractor','EQUAL' `
    -OutVariable condition0 | Out-Null
New-Object `
    -TypeName 'Microsoft.IdentityManagement.PowerShell.ObjectModel.ScopeCondition' `
    -ArgumentList 'extensionAttribute10','CloudAccess','NOTEQUAL' `
    -OutVariable condition1 | Out-Null
Add-ADSyncScopeConditionGroup `
    -SynchronizationRule $syncRule[0] `
    -ScopeConditions @($condition0[0],$condition1[0]) `
    -OutVariable syncRule | Out-Null
New-Object `
    -TypeName 'Microsoft.IdentityManagement.PowerShell.ObjectModel.ScopeCondition' `
    -ArgumentList 'employeeType','Vendor','EQUAL' `
    -OutVariable condition0 | Out-Null
New-Object `
    -TypeName 'Microsoft.IdentityManagement.PowerShell.ObjectModel.ScopeCondition' `
    -ArgumentList 'extensionAttribute10','CloudAccess','NOTEQUAL' `
    -OutVariable condition1 | Out-Null
Add-ADSyncScopeConditionGroup `
    -SynchronizationRule $syncRule[0] `
    -ScopeConditions @($condition0[0],$condition1[0]) `
    -OutVariable syncRule | Out-Null
$rule3 = $syncRule[0]

# [4] replace 'In from AD - User Department Fixup' (fabrikam.com, Inbound)
New-ADSyncRule `
    -Name 'In from AD - User Department Fixup' `
    -Identifier $existing4.Identifier `
    -Description 'Normalise department names (backslashes from the HR feed) and default the company.' `
    -Direction 'Inbound' `
    -Precedence 80 `
    -PrecedenceAfter '00000000-0000-0000-0000-000000000000' `
    -PrecedenceBefore '00000000-0000-0000-0000-000000000000' `
    -SourceObjectType 'user' `
    -TargetObjectType 'person' `
    -Connector $connectorIds['fabrikam.com'] `
    -LinkType 'Join' `
    -SoftDeleteExpiryInterval '00:00:00' `
    -ImmutableTag '' `
    -OutVariable syncRule | Out-Null
Add-ADSyncAttributeFlowMapping `
    -SynchronizationRule $syncRule[0] `
    -Source @('department','extensionAttribute4') `
    -Destination 'department' `
    -FlowType 'Expression' `
    -ValueMergeType 'Update' `
    -Expression 'IIF(IsNullOrEmpty([department]), IIF(IsPresent([extensionAttribute4]), "Dept-" & [extensionAttribute4], "{Unassigned}"), Replace(Trim([department]), "\\", " / "))' `
    -OutVariable syncRule | Out-Null
Add-ADSyncAttributeFlowMapping `
    -SynchronizationRule $syncRule[0] `
    -Source @('company') `
    -Destination 'company' `
    -FlowType 'Expression' `
    -ValueMergeType 'Update' `
    -Expression 'IIF(IsNullOrEmpty([company]),"Fabrikam, Inc.",[company])' `
    -OutVariable syncRule | Out-Null
New-Object `
    -TypeName 'Microsoft.IdentityManagement.PowerShell.ObjectModel.ScopeCondition' `
    -ArgumentList 'adminDescription','User_','NOTSTARTSWITH' `
    -OutVariable condition0 | Out-Null
Add-ADSyncScopeConditionGroup `
    -SynchronizationRule $syncRule[0] `
    -ScopeConditions @($condition0[0]) `
    -OutVariable syncRule | Out-Null
$rule4 = $syncRule[0]

# [5] replace 'In from AD - User Extension Attributes' (fabrikam.com, Inbound)
New-ADSyncRule `
    -Name 'In from AD - User Extension Attributes' `
    -Identifier $existing5.Identifier `
    -Description 'extensionAttribute1-15 for Exchange Online address lists and dynamic groups.' `
    -Direction 'Inbound' `
    -Precedence 60 `
    -PrecedenceAfter '00000000-0000-0000-0000-000000000000' `
    -PrecedenceBefore '00000000-0000-0000-0000-000000000000' `
    -SourceObjectType 'user' `
    -TargetObjectType 'person' `
    -Connector $connectorIds['fabrikam.com'] `
    -LinkType 'Join' `
    -SoftDeleteExpiryInterval '00:00:00' `
    -ImmutableTag '' `
    -OutVariable syncRule | Out-Null
Add-ADSyncAttributeFlowMapping `
    -SynchronizationRule $syncRule[0] `
    -Source @('extensionAttribute1') `
    -Destination 'extensionAttribute1' `
    -FlowType 'Direct' `
    -ValueMergeType 'Update' `
    -OutVariable syncRule | Out-Null
Add-ADSyncAttributeFlowMapping `
    -SynchronizationRule $syncRule[0] `
    -Source @('extensionAttribute2') `
    -Destination 'extensionAttribute2' `
    -FlowType 'Direct' `
    -ValueMergeType 'Update' `
    -OutVariable syncRule | Out-Null
Add-ADSyncAttributeFlowMapping `
    -SynchronizationRule $syncRule[0] `
    -Source @('extensionAttribute3') `
    -Destination 'extensionAttribute3' `
    -FlowType 'Direct' `
    -ValueMergeType 'Update' `
    -OutVariable syncRule | Out-Null
Add-ADSyncAttributeFlowMapping `
    -SynchronizationRule $syncRule[0] `
    -Source @('extensionAttribute4') `
    -Destination 'extensionAttribute4' `
    -FlowType 'Direct' `
    -ValueMergeType 'Update' `
    -OutVariable syncRule | Out-Null
Add-ADSyncAttributeFlowMapping `
    -SynchronizationRule $syncRule[0] `
    -Source @('extensionAttribute5') `
    -Destination 'extensionAttribute5' `
    -FlowType 'Direct' `
    -ValueMergeType 'Update' `
    -OutVariable syncRule | Out-Null
Add-ADSyncAttributeFlowMapping `
    -SynchronizationRule $syncRule[0] `
    -Source @('extensionAttribute6') `
    -Destination 'extensionAttribute6' `
    -FlowType 'Direct' `
    -ValueMergeType 'Update' `
    -OutVariable syncRule | Out-Null
Add-ADSyncAttributeFlowMapping `
    -SynchronizationRule $syncRule[0] `
    -Source @('extensionAttribute7') `
    -Destination 'extensionAttribute7' `
    -FlowType 'Direct' `
    -ValueMergeType 'Update' `
    -OutVariable syncRule | Out-Null
Add-ADSyncAttributeFlowMapping `
    -SynchronizationRule $syncRule[0] `
    -Source @('extensionAttribute8') `
    -Destination 'extensionAttribute8' `
    -FlowType 'Direct' `
    -ValueMergeType 'Update' `
    -OutVariable syncRule | Out-Null
Add-ADSyncAttributeFlowMapping `
    -SynchronizationRule $syncRule[0] `
    -Source @('extensionAttribute9') `
    -Destination 'extensionAttribute9' `
    -FlowType 'Direct' `
    -ValueMergeType 'Update' `
    -OutVariable syncRule | Out-Null
Add-ADSyncAttributeFlowMapping `
    -SynchronizationRule $syncRule[0] `
    -Source @('extensionAttribute10') `
    -Destination 'extensionAttribute10' `
    -FlowType 'Direct' `
    -ValueMergeType 'Update' `
    -OutVariable syncRule | Out-Null
Add-ADSyncAttributeFlowMapping `
    -SynchronizationRule $syncRule[0] `
    -Source @('extensionAttribute11') `
    -Destination 'extensionAttribute11' `
    -FlowType 'Direct' `
    -ValueMergeType 'Update' `
    -OutVariable syncRule | Out-Null
Add-ADSyncAttributeFlowMapping `
    -SynchronizationRule $syncRule[0] `
    -Source @('extensionAttribute12') `
    -Destination 'extensionAttribute12' `
    -FlowType 'Direct' `
    -ValueMergeType 'Update' `
    -OutVariable syncRule | Out-Null
Add-ADSyncAttributeFlowMapping `
    -SynchronizationRule $syncRule[0] `
    -Source @('extensionAttribute13') `
    -Destination 'extensionAttribute13' `
    -FlowType 'Direct' `
    -ValueMergeType 'Update' `
    -OutVariable syncRule | Out-Null
Add-ADSyncAttributeFlowMapping `
    -SynchronizationRule $syncRule[0] `
    -Source @('extensionAttribute14') `
    -Destination 'extensionAttribute14' `
    -FlowType 'Direct' `
    -ValueMergeType 'Update' `
    -OutVariable syncRule | Out-Null
Add-ADSyncAttributeFlowMapping `
    -SynchronizationRule $syncRule[0] `
    -Source @('extensionAttribute15') `
    -Destination 'extensionAttribute15' `
    -FlowType 'Direct' `
    -ValueMergeType 'Update' `
    -OutVariable syncRule | Out-Null
New-Object `
    -TypeName 'Microsoft.IdentityManagement.PowerShell.ObjectModel.ScopeCondition' `
    -ArgumentList 'adminDescription','User_','NOTSTARTSWITH' `
    -OutVariable condition0 | Out-Null
Add-ADSyncScopeConditionGroup `
    -SynchronizationRule $syncRule[0] `
    -ScopeConditions @($condition0[0]) `
    -OutVariable syncRule | Out-Null
$rule5 = $syncRule[0]

# [6] replace 'Out to AAD - User UsageLocation' (Fabrikam.onmicrosoft.com - AAD, Outbound)
New-ADSyncRule `
    -Name 'Out to AAD - User UsageLocation' `
    -Identifier $existing6.Identifier `
    -Description 'Default usageLocation for licensing from the country code.' `
    -Direction 'Outbound' `
    -Precedence 90 `
    -PrecedenceAfter '00000000-0000-0000-0000-000000000000' `
    -PrecedenceBefore '00000000-0000-0000-0000-000000000000' `
    -SourceObjectType 'person' `
    -TargetObjectType 'user' `
    -Connector $connectorIds['Fabrikam.onmicrosoft.com - AAD'] `
    -LinkType 'Join' `
    -SoftDeleteExpiryInterval '00:00:00' `
    -ImmutableTag '' `
    -OutVariable syncRule | Out-Null
Add-ADSyncAttributeFlowMapping `
    -SynchronizationRule $syncRule[0] `
    -Source @('c','domainFQDN') `
    -Destination 'usageLocation' `
    -FlowType 'Expression' `
    -ValueMergeType 'Update' `
    -Expression 'IIF(IsNullOrEmpty([c]), IIF([domainFQDN] = "emea.fabrikam.com", "GB", "US"), UCase([c]))' `
    -OutVariable syncRule | Out-Null
New-Object `
    -TypeName 'Microsoft.IdentityManagement.PowerShell.ObjectModel.ScopeCondition' `
    -ArgumentList 'sourceObjectType','User','EQUAL' `
    -OutVariable condition0 | Out-Null
New-Object `
    -TypeName 'Microsoft.IdentityManagement.PowerShell.ObjectModel.ScopeCondition' `
    -ArgumentList 'cloudMastered','True','NOTEQUAL' `
    -OutVariable condition1 | Out-Null
Add-ADSyncScopeConditionGroup `
    -SynchronizationRule $syncRule[0] `
    -ScopeConditions @($condition0[0],$condition1[0]) `
    -OutVariable syncRule | Out-Null
$rule6 = $syncRule[0]

# [7] replace 'In from AD - User Job Title Override' (fabrikam.com, Inbound)
New-ADSyncRule `
    -Name 'In from AD - User Job Title Override' `
    -Identifier $existing7.Identifier `
    -Description 'HR publishes the official job title in extensionAttribute9 and department in extensionAttribute8.' `
    -Direction 'Inbound' `
    -Precedence 65 `
    -PrecedenceAfter '00000000-0000-0000-0000-000000000000' `
    -PrecedenceBefore '00000000-0000-0000-0000-000000000000' `
    -SourceObjectType 'user' `
    -TargetObjectType 'person' `
    -Connector $connectorIds['fabrikam.com'] `
    -LinkType 'Join' `
    -SoftDeleteExpiryInterval '00:00:00' `
    -ImmutableTag '' `
    -OutVariable syncRule | Out-Null
Add-ADSyncAttributeFlowMapping `
    -SynchronizationRule $syncRule[0] `
    -Source @('extensionAttribute9') `
    -Destination 'title' `
    -FlowType 'Expression' `
    -ValueMergeType 'Update' `
    -Expression 'IIF(IsPresent([extensionAttribute9]),Trim([extensionAttribute9]),IgnoreThisFlow)' `
    -OutVariable syncRule | Out-Null
Add-ADSyncAttributeFlowMapping `
    -SynchronizationRule $syncRule[0] `
    -Source @('extensionAttribute8') `
    -Destination 'department' `
    -FlowType 'Expression' `
    -ValueMergeType 'Update' `
    -Expression 'IIF(IsPresent([extensionAttribute8]),Trim([extensionAttribute8]),IgnoreThisFlow)' `
    -OutVariable syncRule | Out-Null
New-Object `
    -TypeName 'Microsoft.IdentityManagement.PowerShell.ObjectModel.ScopeCondition' `
    -ArgumentList 'extensionAttribute9','','ISNOTNULL' `
    -OutVariable condition0 | Out-Null
Add-ADSyncScopeConditionGroup `
    -SynchronizationRule $syncRule[0] `
    -ScopeConditions @($condition0[0]) `
    -OutVariable syncRule | Out-Null
$rule7 = $syncRule[0]

# [8] add 'In from AD - Group Naming Prefix' (fabrikam.com, Inbound)
$newId8 = [string][guid]::NewGuid()
New-ADSyncRule `
    -Name 'In from AD - Group Naming Prefix' `
    -Identifier $newId8 `
    -Description 'Prefix on-premises groups with GRP- in the cloud.' `
    -Direction 'Inbound' `
    -Precedence 70 `
    -PrecedenceAfter '00000000-0000-0000-0000-000000000000' `
    -PrecedenceBefore '00000000-0000-0000-0000-000000000000' `
    -SourceObjectType 'group' `
    -TargetObjectType 'group' `
    -Connector $connectorIds['fabrikam.com'] `
    -LinkType 'Join' `
    -SoftDeleteExpiryInterval '00:00:00' `
    -ImmutableTag '' `
    -OutVariable syncRule | Out-Null
Add-ADSyncAttributeFlowMapping `
    -SynchronizationRule $syncRule[0] `
    -Source @('displayName','cn') `
    -Destination 'displayName' `
    -FlowType 'Expression' `
    -ValueMergeType 'Update' `
    -Expression 'IIF(Left([displayName],4) = "GRP-", [displayName], "GRP-" & IIF(IsNullOrEmpty([displayName]),[cn],[displayName]))' `
    -OutVariable syncRule | Out-Null
New-Object `
    -TypeName 'Microsoft.IdentityManagement.PowerShell.ObjectModel.ScopeCondition' `
    -ArgumentList 'adminDescription','Group_','NOTSTARTSWITH' `
    -OutVariable condition0 | Out-Null
New-Object `
    -TypeName 'Microsoft.IdentityManagement.PowerShell.ObjectModel.ScopeCondition' `
    -ArgumentList 'groupType','2','NOTEQUAL' `
    -OutVariable condition1 | Out-Null
Add-ADSyncScopeConditionGroup `
    -SynchronizationRule $syncRule[0] `
    -ScopeConditions @($condition0[0],$condition1[0]) `
    -OutVariable syncRule | Out-Null
$rule8 = $syncRule[0]

# --- 3. Check that no rule this script leaves alone holds a precedence it sets ---
$plannedPrecedence = @{}
$plannedPrecedence[40] = '''In from AD - EMEA User Join on EmployeeID'' (emea.fabrikam.com, Inbound)'
$plannedPrecedence[50] = '''In from AD - User Contractor Filter'' (fabrikam.com, Inbound)'
$plannedPrecedence[80] = '''In from AD - User Department Fixup'' (fabrikam.com, Inbound)'
$plannedPrecedence[60] = '''In from AD - User Extension Attributes'' (fabrikam.com, Inbound)'
$plannedPrecedence[90] = '''Out to AAD - User UsageLocation'' (Fabrikam.onmicrosoft.com - AAD, Outbound)'
$plannedPrecedence[65] = '''In from AD - User Job Title Override'' (fabrikam.com, Inbound)'
$plannedPrecedence[70] = '''In from AD - Group Naming Prefix'' (fabrikam.com, Inbound)'
foreach ($rule in @(Get-ADSyncRule)) {
    $precedence = [int]$rule.Precedence
    if (($rewritten -notcontains [string]$rule.Identifier) -and $plannedPrecedence.ContainsKey($precedence)) {
        throw ('Precedence {0} is held on this server by rule {1}, which this script leaves alone, and rule {2} needs it. Give one of them another precedence in the Synchronization Rules Editor, then run driftcheck again. Nothing was changed.' -f $precedence, $rule.Name, $plannedPrecedence[$precedence])
    }
}

# --- 4. Make the changes: removals first, so that precedences are free ---
Invoke-Change 'remove sync rule ''In from AD - Contact Company Default'' (emea.fabrikam.com, Inbound)' {
    Remove-ADSyncRule -Identifier $existing1.Identifier | Out-Null
}
Invoke-Change 'remove the old version of sync rule ''In from AD - EMEA User Join on EmployeeID'' (emea.fabrikam.com, Inbound)' {
    Remove-ADSyncRule -Identifier $existing2.Identifier | Out-Null
}
Invoke-Change 'remove the old version of sync rule ''In from AD - User Contractor Filter'' (fabrikam.com, Inbound)' {
    Remove-ADSyncRule -Identifier $existing3.Identifier | Out-Null
}
Invoke-Change 'remove the old version of sync rule ''In from AD - User Department Fixup'' (fabrikam.com, Inbound)' {
    Remove-ADSyncRule -Identifier $existing4.Identifier | Out-Null
}
Invoke-Change 'remove the old version of sync rule ''In from AD - User Extension Attributes'' (fabrikam.com, Inbound)' {
    Remove-ADSyncRule -Identifier $existing5.Identifier | Out-Null
}
Invoke-Change 'remove the old version of sync rule ''Out to AAD - User UsageLocation'' (Fabrikam.onmicrosoft.com - AAD, Outbound)' {
    Remove-ADSyncRule -Identifier $existing6.Identifier | Out-Null
}
Invoke-Change 'remove the old version of sync rule ''In from AD - User Job Title Override'' (fabrikam.com, Inbound)' {
    Remove-ADSyncRule -Identifier $existing7.Identifier | Out-Null
}
Invoke-Change 'replace sync rule ''In from AD - EMEA User Join on EmployeeID'' (emea.fabrikam.com, Inbound), keeping its identifier' {
    Add-ADSyncRule -SynchronizationRule $rule2 | Out-Null
}
Invoke-Change 'replace sync rule ''In from AD - User Contractor Filter'' (fabrikam.com, Inbound), keeping its identifier' {
    Add-ADSyncRule -SynchronizationRule $rule3 | Out-Null
}
Invoke-Change 'replace sync rule ''In from AD - User Department Fixup'' (fabrikam.com, Inbound), keeping its identifier' {
    Add-ADSyncRule -SynchronizationRule $rule4 | Out-Null
}
Invoke-Change 'replace sync rule ''In from AD - User Extension Attributes'' (fabrikam.com, Inbound), keeping its identifier' {
    Add-ADSyncRule -SynchronizationRule $rule5 | Out-Null
}
Invoke-Change 'replace sync rule ''Out to AAD - User UsageLocation'' (Fabrikam.onmicrosoft.com - AAD, Outbound), keeping its identifier' {
    Add-ADSyncRule -SynchronizationRule $rule6 | Out-Null
}
Invoke-Change 'replace sync rule ''In from AD - User Job Title Override'' (fabrikam.com, Inbound), keeping its identifier' {
    Add-ADSyncRule -SynchronizationRule $rule7 | Out-Null
}
Invoke-Change 'add sync rule ''In from AD - Group Naming Prefix'' (fabrikam.com, Inbound)' {
    Add-ADSyncRule -SynchronizationRule $rule8 | Out-Null
}
Invoke-Change 'enable out-of-box sync rule ''Out to AAD - User ExchangeOnline'' (Fabrikam.onmicrosoft.com - AAD, Outbound)' {
    $existing9.Disabled = $false
    Add-ADSyncRule -SynchronizationRule $existing9 | Out-Null
}

if ($WhatIf) {
    Write-Host 'What if: 15 change(s) listed above; nothing was changed. Run without -WhatIf to make them.'
} else {
    Write-Host ('{0} of 15 change(s) made.' -f $script:changesMade)
}
Write-Host ''
Write-Host 'Next, on this server, before it leaves staging mode:'
Write-Host '  1. Run a full synchronization: Start-ADSyncSyncCycle -PolicyType Initial'
Write-Host '  2. Review the pending exports of every connector (Synchronization Service Manager, or csexport.exe) and check that each is expected.'
Write-Host '  3. Export both servers again and run driftcheck: it should report no sync rule drift.'
