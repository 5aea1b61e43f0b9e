"""Command line: ``driftcheck compare PRIMARY STAGING``.

Exit codes are a contract for schedulers: 0 consistent, 1 drift found, 2 bad usage or
unreadable input. Typer would exit 1 on an uncaught exception, the same as "drift found",
so :func:`main` maps every error to 2 with a one-line reason.
"""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from driftcheck import __version__
from driftcheck.errors import InputError
from driftcheck.pipeline import compare_exports
from driftcheck.render_html import render_html
from driftcheck.render_text import render_text, verdict_line
from driftcheck.report import exit_code, load_report, to_json, write_atomically

EXIT_USAGE = 2

app = typer.Typer(
    name="driftcheck",
    help=(
        "Compare the configuration exports of an Azure AD Connect / Entra Connect primary "
        "server and its staging server, and report drift.\n\n"
        "Export each server with: Get-ADSyncServerConfiguration -Path <folder>"
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


class FailOn(StrEnum):
    info = "info"
    warning = "warning"
    blocking = "blocking"


def _version(value: bool) -> None:
    if value:
        typer.echo(f"driftcheck {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Show the version."),
    ] = False,
) -> None:
    """Compare two Azure AD Connect configuration exports."""


EXPORT_HELP = (
    "Folder written by Get-ADSyncServerConfiguration (holding Connectors/, GlobalSettings/, "
    "SynchronizationRules/), or a .zip of it."
)


@app.command()
def compare(
    primary: Annotated[Path, typer.Argument(help=f"Primary server's export. {EXPORT_HELP}")],
    staging: Annotated[Path, typer.Argument(help=f"Staging server's export. {EXPORT_HELP}")],
    json_path: Annotated[
        Path | None,
        typer.Option(
            "--json",
            help="Write the JSON report (schema driftcheck/report/v1) here; "
            "'-' writes it to stdout instead of the summary.",
        ),
    ] = None,
    html_path: Annotated[
        Path | None, typer.Option("--html", help="Write the HTML consistency report here.")
    ] = None,
    fail_on: Annotated[
        FailOn,
        typer.Option(
            "--fail-on",
            help="Lowest severity that counts as drift (exit code 1).",
            case_sensitive=False,
        ),
    ] = FailOn.warning,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="Print only the one-line verdict.")
    ] = False,
) -> None:
    """Compare PRIMARY with STAGING and report every difference that matters.

    Objects are matched by name (ignoring case), never by server-local GUIDs. Differences that
    are always there between two healthy servers (GUIDs, times, counters, DirSync cookies,
    service accounts, the staging flag...) are suppressed by named ignore rules and counted
    in the report.

    Exit codes: 0 no difference at or above --fail-on, 1 drift found, 2 bad usage or
    unreadable input.
    """
    report = compare_exports(primary, staging, fail_on=fail_on.value)
    outputs: list[tuple[Path, str]] = []
    if json_path is not None and str(json_path) != "-":
        outputs.append((json_path, to_json(report)))
    if html_path is not None:
        outputs.append((html_path, render_html(report)))
    for path, text in outputs:
        _write(path, text)
    if json_path is not None and str(json_path) == "-":
        sys.stdout.write(to_json(report))
    elif quiet:
        typer.echo(verdict_line(report))
    else:
        typer.echo(render_text(report), nl=False)
        for path, _ in outputs:
            typer.echo(f"Report written: {path}")
    raise typer.Exit(exit_code(report))


@app.command()
def render(
    report_path: Annotated[
        Path, typer.Argument(metavar="REPORT.json", help="A JSON report written by compare --json.")
    ],
    html_path: Annotated[Path, typer.Option("--html", help="Write the HTML report here.")],
) -> None:
    """Render the HTML report again from a saved JSON report.

    The JSON report carries everything the HTML shows, so reports can be archived as JSON and
    rebuilt later (by a newer driftcheck, too).
    """
    report = load_report(report_path)
    _write(html_path, render_html(report))
    typer.echo(f"Report written: {html_path}")


def _write(path: Path, text: str) -> None:
    try:
        write_atomically(path, text)
    except OSError as exc:
        reason = f"cannot write the report ({exc.strerror or exc})"
        raise InputError(reason, file=str(path)) from None


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``driftcheck`` console script."""
    try:
        # standalone_mode=False: click returns the exit code instead of calling sys.exit
        result = app(args=argv, prog_name="driftcheck", standalone_mode=False)
    except InputError as exc:
        typer.echo(f"driftcheck: error: {exc.message}", err=True)
        return EXIT_USAGE
    except typer.Exit as exc:
        return exc.exit_code
    except KeyboardInterrupt:
        typer.echo("driftcheck: interrupted", err=True)
        return EXIT_USAGE
    except Exception as exc:  # one line, never a traceback, never exit 1
        usage = getattr(exc, "exit_code", None)
        show = getattr(exc, "show", None)
        if usage is not None and callable(show):  # click usage errors
            show()
            return EXIT_USAGE
        typer.echo(f"driftcheck: internal error: {type(exc).__name__}: {exc}", err=True)
        return EXIT_USAGE
    return result if isinstance(result, int) else 0


def run() -> None:
    sys.exit(main())


if __name__ == "__main__":
    run()
