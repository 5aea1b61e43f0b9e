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

    With -PendingExports it also writes, into the same zip, the pending exports of every
    connector (what the server would export once staging mode is off; the Verify step of
    Microsoft's staging-server procedure): `csexport.exe "<connector>" <file> /f:x` from the
    product's Bin folder, into PendingExports\ with a manifest.json (file name -> connector
    name, since connector names can hold characters a file name cannot). A connector whose
    export fails is logged and listed under "failures" in the manifest; the configuration export
    still goes out. Run the staging server's import and synchronization first, so that the
    pending exports are current.

.PARAMETER DropPath
    The drop share or folder that driftcheck reads, e.g. \\files01\aadc-drop. This server's
    exports go to a subfolder named after the computer.

.PARAMETER KeepDays
    Zips older than this many days are removed from this server's drop folder. Default 14.

.PARAMETER WorkPath
    Local folder for the export and the zip before they are copied. Default: $env:TEMP.

.PARAMETER LogPath
    Log file, appended to. Default: %ProgramData%\driftcheck\Export-DriftcheckConfiguration.log

.PARAMETER PendingExports
    Also export every connector's pending exports with csexport.exe into PendingExports\ of the
    zip (for `driftcheck exports` and `driftcheck nightly`). Meant for staging servers.

.PARAMETER SyncBinPath
    The product's Bin folder holding csexport.exe. Default: the folder of the ADSync service's
    executable (from the registry), else %ProgramFiles%\Microsoft Azure AD Sync\Bin.

.EXAMPLE
    .\Export-DriftcheckConfiguration.ps1 -DropPath \\files01\aadc-drop -KeepDays 30

.EXAMPLE
    .\Export-DriftcheckConfiguration.ps1 -DropPath \\files01\aadc-drop -PendingExports
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
    [string] $LogPath = (Join-Path $env:ProgramData 'driftcheck\Export-DriftcheckConfiguration.log'),

    [switch] $PendingExports,

    [string] $SyncBinPath = ''
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

function Write-Log {
    param([Parameter(Mandatory = $true)] [string] $Message)
    $line = '{0} {1}' -f (Get-Date -Format 'yyyy-MM-ddTHH:mm:ssK'), $Message
    Add-Content -LiteralPath $LogPath -Value $line -Encoding UTF8
    Write-Verbose $line
}

function Get-SyncBinFolder {
    # The ADSync service runs miiserver.exe from the product's Bin folder, where csexport.exe is.
    param([string] $Configured)
    if ($Configured) {
        return $Configured
    }
    $service = Get-ItemProperty -LiteralPath 'HKLM:\SYSTEM\CurrentControlSet\Services\ADSync' -Name 'ImagePath' -ErrorAction SilentlyContinue
    if ($service -and $service.ImagePath) {
        $image = [string] $service.ImagePath
        if ($image -match '^\s*"([^"]+)"') {
            $image = $Matches[1]
        }
        else {
            $image = $image -replace '(?i)(\.exe)\s.*$', '$1'
        }
        $folder = Split-Path -Parent $image
        if ($folder -and (Test-Path -LiteralPath (Join-Path $folder 'csexport.exe'))) {
            return $folder
        }
    }
    return (Join-Path $env:ProgramFiles 'Microsoft Azure AD Sync\Bin')
}

function ConvertTo-SafeFileName {
    # A file name for the connector's export: its position and the name with every character
    # outside [A-Za-z0-9._-] replaced; the manifest keeps the real name.
    param([Parameter(Mandatory = $true)] [int] $Index, [Parameter(Mandatory = $true)] [string] $Name)
    $safe = $Name -replace '[^A-Za-z0-9._-]', '_'
    if ($safe.Length -gt 80) {
        $safe = $safe.Substring(0, 80)
    }
    return ('{0:D2}-{1}.xml' -f $Index, $safe)
}

function ConvertTo-NativeArgument {
    # One argument quoted for a Windows program's command line (CommandLineToArgvW rules):
    # inside double quotes, a quote is escaped with a backslash and the backslashes before a
    # quote (or before the closing quote) are doubled. Nothing in the value is interpreted.
    param([Parameter(Mandatory = $true)] [AllowEmptyString()] [string] $Value)
    $escaped = [regex]::Replace($Value, '(\\*)"', { param($m) ($m.Groups[1].Value * 2) + '\"' })
    $escaped = [regex]::Replace($escaped, '(\\+)$', { param($m) $m.Groups[1].Value * 2 })
    return '"' + $escaped + '"'
}

function Invoke-CsExport {
    # csexport.exe "<connector>" <file> /f:x; returns $null on success, else the reason.
    param(
        [Parameter(Mandatory = $true)] [string] $Program,
        [Parameter(Mandatory = $true)] [string] $Connector,
        [Parameter(Mandatory = $true)] [string] $Target
    )
    $start = New-Object System.Diagnostics.ProcessStartInfo
    $start.FileName = $Program
    $start.Arguments = (@($Connector, $Target, '/f:x') | ForEach-Object { ConvertTo-NativeArgument -Value $_ }) -join ' '
    $start.UseShellExecute = $false
    $start.CreateNoWindow = $true
    $start.RedirectStandardOutput = $true
    $start.RedirectStandardError = $true
    $process = [System.Diagnostics.Process]::Start($start)
    $stdout = $process.StandardOutput.ReadToEndAsync()
    $stderr = $process.StandardError.ReadToEndAsync()
    if (-not $process.WaitForExit($CsExportTimeoutMs)) {
        $process.Kill()
        return ('no result after {0} minutes' -f ($CsExportTimeoutMs / 60000))
    }
    $process.WaitForExit()
    if ($process.ExitCode -ne 0) {
        $detail = ($stderr.Result + ' ' + $stdout.Result).Trim()
        if ($detail.Length -gt 300) {
            $detail = $detail.Substring(0, 300)
        }
        return ('exit code {0}: {1}' -f $process.ExitCode, $detail)
    }
    if (-not (Test-Path -LiteralPath $Target)) {
        return 'csexport wrote no file'
    }
    return $null
}

function Export-PendingExports {
    # Every connector's pending exports into $Folder, with manifest.json; failures per connector.
    param([Parameter(Mandatory = $true)] [string] $Folder, [Parameter(Mandatory = $true)] [string] $BinFolder)
    New-Item -ItemType Directory -Path $Folder -Force | Out-Null
    $program = Join-Path $BinFolder 'csexport.exe'
    $files = New-Object System.Collections.ArrayList
    $failures = New-Object System.Collections.ArrayList
    $index = 0
    foreach ($connector in @(Get-ADSyncConnector)) {
        $index += 1
        $name = [string] $connector.Name
        $fileName = ConvertTo-SafeFileName -Index $index -Name $name
        $target = Join-Path $Folder $fileName
        try {
            if (-not (Test-Path -LiteralPath $program)) {
                throw "csexport.exe not found in $BinFolder (use -SyncBinPath)"
            }
            $reason = Invoke-CsExport -Program $program -Connector $name -Target $target
        }
        catch {
            $reason = $_.Exception.Message
        }
        if ($null -eq $reason) {
            [void] $files.Add([ordered]@{ file = $fileName; connector = $name })
            Write-Log ("pending exports: {0} -> {1} ({2:N0} bytes)" -f $name, $fileName, (Get-Item -LiteralPath $target).Length)
        }
        else {
            [void] $failures.Add([ordered]@{ connector = $name; error = $reason })
            Write-Log ("pending exports: FAILED for connector {0}: {1}" -f $name, $reason)
            if (Test-Path -LiteralPath $target) {
                Remove-Item -LiteralPath $target -Force -ErrorAction SilentlyContinue
            }
        }
    }
    $manifest = [ordered]@{
        schema   = 'driftcheck/pending-manifest/v1'
        server   = $env:COMPUTERNAME
        created  = (Get-Date).ToUniversalTime().ToString('o')
        files    = $files.ToArray()
        failures = $failures.ToArray()
    }
    $manifestPath = Join-Path $Folder 'manifest.json'
    Set-Content -LiteralPath $manifestPath -Value (ConvertTo-Json -InputObject $manifest -Depth 5) -Encoding UTF8
    Write-Log ("pending exports: {0} connector(s) exported, {1} failed" -f $files.Count, $failures.Count)
}

$CsExportTimeoutMs = 2 * 60 * 60 * 1000

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

    if ($PendingExports) {
        # A failure here (no ADSync connector list, say) must not cost the night's configuration
        # export: it goes out without PendingExports\, and the log says why.
        $pendingFolder = Join-Path $exportFolder 'PendingExports'
        try {
            $binFolder = Get-SyncBinFolder -Configured $SyncBinPath
            Export-PendingExports -Folder $pendingFolder -BinFolder $binFolder
        }
        catch {
            Write-Log "pending exports: FAILED: $($_.Exception.Message); the configuration export goes out without them"
            if (Test-Path -LiteralPath $pendingFolder) {
                Remove-Item -LiteralPath $pendingFolder -Recurse -Force -ErrorAction SilentlyContinue
            }
        }
    }

    # The zip holds Connectors\, GlobalSettings\ and SynchronizationRules\ at its root (and
    # PendingExports\ with -PendingExports).
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
