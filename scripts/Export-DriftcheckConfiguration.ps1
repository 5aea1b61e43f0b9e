<#
.SYNOPSIS
    Export this Entra Connect server's configuration and drop it, zipped, on the driftcheck share.

.DESCRIPTION
    Meant for a daily scheduled task on every Entra Connect (Azure AD Connect) server, active
    and staging. It runs Get-ADSyncServerConfiguration into a dated folder under -WorkPath,
    zips it, copies the zip to <DropPath>\<COMPUTERNAME>\ under a temporary name
    (<stamp>.zip.tmp) and only then renames it to <stamp>.zip, so that `driftcheck nightly`
    never reads a half-copied file (it skips *.tmp names). Zips older than -KeepDays in this
    server's drop folder are removed. Every step is logged to -LogPath.

    Exit code 0 when the export is in place, 1 when any step failed (the reason is in the log
    and in the task's history). Nothing is left half-done: the temporary zip is removed on
    failure, and the work folder always.

.PARAMETER DropPath
    The drop share or folder that driftcheck reads, e.g. \\files01\aadc-drop. This server's
    exports go to a subfolder named after the computer.

.PARAMETER KeepDays
    Zips older than this many days are removed from this server's drop folder. Default 14.

.PARAMETER WorkPath
    Local folder for the export and the zip before they are copied. Default: $env:TEMP.

.PARAMETER LogPath
    Log file, appended to. Default: %ProgramData%\driftcheck\Export-DriftcheckConfiguration.log

.EXAMPLE
    .\Export-DriftcheckConfiguration.ps1 -DropPath \\files01\aadc-drop -KeepDays 30
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory = $true)]
    [ValidateNotNullOrEmpty()]
    [string] $DropPath,

    [ValidateRange(1, 3650)]
    [int] $KeepDays = 14,

    [ValidateNotNullOrEmpty()]
    [string] $WorkPath = $env:TEMP,

    [ValidateNotNullOrEmpty()]
    [string] $LogPath = (Join-Path $env:ProgramData 'driftcheck\Export-DriftcheckConfiguration.log')
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

function Write-Log {
    param([Parameter(Mandatory = $true)] [string] $Message)
    $line = '{0} {1}' -f (Get-Date -Format 'yyyy-MM-ddTHH:mm:ssK'), $Message
    Add-Content -LiteralPath $LogPath -Value $line -Encoding UTF8
    Write-Verbose $line
}

$logFolder = Split-Path -Parent $LogPath
if ($logFolder -and -not (Test-Path -LiteralPath $logFolder)) {
    New-Item -ItemType Directory -Path $logFolder -Force | Out-Null
}

$server = $env:COMPUTERNAME
$stamp = Get-Date -Format 'yyyyMMdd-HHmmss'
$workFolder = Join-Path $WorkPath "driftcheck-$stamp"
$exportFolder = Join-Path $workFolder 'export'
$localZip = Join-Path $workFolder "$stamp.zip"
$serverDrop = Join-Path $DropPath $server
$finalName = "$stamp.zip"
$finalZip = Join-Path $serverDrop $finalName
$temporaryZip = "$finalZip.tmp"

try {
    Write-Log "start: exporting $server to $finalZip"
    Import-Module ADSync

    New-Item -ItemType Directory -Path $exportFolder -Force | Out-Null
    Get-ADSyncServerConfiguration -Path $exportFolder
    Write-Log "exported to $exportFolder"

    # The zip holds Connectors\, GlobalSettings\ and SynchronizationRules\ at its root.
    Compress-Archive -Path (Join-Path $exportFolder '*') -DestinationPath $localZip -CompressionLevel Optimal
    Write-Log ("zipped: {0:N0} bytes" -f (Get-Item -LiteralPath $localZip).Length)

    New-Item -ItemType Directory -Path $serverDrop -Force | Out-Null
    # Copy under a temporary name, then rename: the rename is atomic on the share, so a
    # reader sees either no zip or the whole zip.
    Copy-Item -LiteralPath $localZip -Destination $temporaryZip -Force
    Rename-Item -LiteralPath $temporaryZip -NewName $finalName
    Write-Log "in place: $finalZip"

    $cutoff = (Get-Date).AddDays(-$KeepDays)
    $old = @(Get-ChildItem -LiteralPath $serverDrop -File |
        Where-Object { ($_.Extension -eq '.zip' -or $_.Name -like '*.zip.tmp') -and $_.LastWriteTime -lt $cutoff })
    foreach ($file in $old) {
        Remove-Item -LiteralPath $file.FullName -Force
    }
    Write-Log ("done; removed {0} export(s) older than {1} days" -f $old.Count, $KeepDays)
    exit 0
}
catch {
    Write-Log "FAILED: $($_.Exception.Message)"
    if (Test-Path -LiteralPath $temporaryZip) {
        Remove-Item -LiteralPath $temporaryZip -Force -ErrorAction SilentlyContinue
    }
    exit 1
}
finally {
    if (Test-Path -LiteralPath $workFolder) {
        Remove-Item -LiteralPath $workFolder -Recurse -Force -ErrorAction SilentlyContinue
    }
}
