# driftcheck migration script: makes the sync rules of FAB-SYNC02 (staging) match those of FAB-SYNC01 (primary).
#
# Written by driftcheck @VERSION@ from these exports:
#   primary  FAB-SYNC01, exported 2024-11-18 08:42:17.530, version 2.4.18.0, samples/primary
#   staging  FAB-SYNC02, exported 2024-11-18 09:05:38.118, version 2.5.3.0, samples/staging-upgraded
#
# Run it on FAB-SYNC02 in an elevated Windows PowerShell (the ADSync module comes
# with Entra Connect). First take a fresh export to go back to
# (Get-ADSyncServerConfiguration -Path <folder>) and pause the scheduler
# (Set-ADSyncScheduler -SyncCycleEnabled $false). Then:
#   -WhatIf   lists every change without making any
#   (none)    makes the changes
#
# Changes: none. The sync rules already match; this script changes nothing.
#
# Sync rule differences NOT scripted (each is a warning when the script runs):
#   'In from AD - User Common' (emea.fabrikam.com): immutable-tag (modified); attribute-flows/employeeLeaveDateTime (added)
#   'In from AD - User Join' (emea.fabrikam.com): immutable-tag (modified); scoping-groups (removed); scoping-groups (added)
#   'In from AD - User Common' (fabrikam.com): immutable-tag (modified); attribute-flows/employeeLeaveDateTime (added)
#   'In from AD - User Join' (fabrikam.com): immutable-tag (modified); scoping-groups (removed); scoping-groups (added)
#   'In from AAD - Device Common' (Fabrikam.onmicrosoft.com - AAD): (the whole object) (added)
#
# NOT scripted: connectors, partitions and OU filtering, attribute inclusion, global
# settings and optional features, the metaverse schema. The Entra Connect wizard
# owns these: repeat each of these differences on FAB-SYNC02 by hand.
#   connector (5):
#     fabrikam.onmicrosoft.com - AAD: configuration/extension-config/assembly-version (modified)
#     fabrikam.onmicrosoft.com - AAD: schema/object-classes/user/attributes (added)
#     fabrikam.onmicrosoft.com - AAD: schema/object-classes/user/attributes (added)
#     fabrikam.onmicrosoft.com - AAD: schema/attributes/employeeLeaveDateTime (added)
#     fabrikam.onmicrosoft.com - AAD: schema/attributes/onPremisesObjectIdentifier (added)
#   global-settings (3):
#     Microsoft.OptionalFeature.ApplicationBasedAuthentication: (the whole object) (added)
#     Microsoft.Synchronize.ServerConfigurationVersion: value (modified)
#     Microsoft.SystemInformation.OSVersion: (the whole object) (added)
#   metaverse (2):
#     (attribute definitions): employeeLeaveDateTime (added)
#     person: attributes/employeeLeaveDateTime (added)

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

Write-Warning 'Not scripted: sync rule ''In from AD - User Common'' (emea.fabrikam.com) differs: immutable-tag (modified); attribute-flows/employeeLeaveDateTime (added). Why: the servers run different versions of this out-of-box rule (an upgrade is under way): upgrade the other server to the same Entra Connect version; do not edit out-of-box rules.'
Write-Warning 'Not scripted: sync rule ''In from AD - User Join'' (emea.fabrikam.com) differs: immutable-tag (modified); scoping-groups (removed); scoping-groups (added). Why: the servers run different versions of this out-of-box rule (an upgrade is under way): upgrade the other server to the same Entra Connect version; do not edit out-of-box rules.'
Write-Warning 'Not scripted: sync rule ''In from AD - User Common'' (fabrikam.com) differs: immutable-tag (modified); attribute-flows/employeeLeaveDateTime (added). Why: the servers run different versions of this out-of-box rule (an upgrade is under way): upgrade the other server to the same Entra Connect version; do not edit out-of-box rules.'
Write-Warning 'Not scripted: sync rule ''In from AD - User Join'' (fabrikam.com) differs: immutable-tag (modified); scoping-groups (removed); scoping-groups (added). Why: the servers run different versions of this out-of-box rule (an upgrade is under way): upgrade the other server to the same Entra Connect version; do not edit out-of-box rules.'
Write-Warning 'Not scripted: sync rule ''In from AAD - Device Common'' (Fabrikam.onmicrosoft.com - AAD) differs: (the whole object) (added). Why: this out-of-box rule exists only on the staging server: it comes with an optional feature or a product version, which the Entra Connect wizard (or an upgrade) sets up. Run the wizard with the same options, at the same version, on both servers.'

Write-Host 'Nothing to change: the sync rules already match. Differences that are not scripted are listed in the header of this script.'
