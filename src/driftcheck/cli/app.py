"""The ``driftcheck`` command line: the typer app, its commands in order, and :func:`main`.

Each command lives in its own module (``driftcheck/cli/<command>.py``): a function that parses
its options, calls one stage function and hands the result to one renderer, with the shared
option types and output helpers from :mod:`driftcheck.cli.common`. A new command is a new
module plus one ``app.command()(...)`` line below, in the order ``--help`` lists them.

Exit codes are a contract for schedulers: 0 consistent, 1 drift found, 2 bad usage or
unreadable input. Typer would exit 1 on an uncaught exception, the same as "drift found",
so :func:`main` maps every error to 2 with a one-line reason.
"""

from __future__ import annotations

import signal
import sys
from typing import Annotated

import click
import typer

from driftcheck import __version__
from driftcheck.cli.accept import accept
from driftcheck.cli.check import check
from driftcheck.cli.common import EXIT_USAGE, echo
from driftcheck.cli.compare import compare
from driftcheck.cli.exports import exports_command
from driftcheck.cli.flows import flows_command
from driftcheck.cli.history import history_command
from driftcheck.cli.nightly import nightly
from driftcheck.cli.render import render
from driftcheck.cli.rules import rules
from driftcheck.cli.script import script_command
from driftcheck.errors import MAX_MESSAGE, InputError, shorten
from driftcheck.output.terminal import printable

app = typer.Typer(
    name="driftcheck",
    help=(
        "Compare the configuration exports of an Azure AD Connect / Entra Connect primary "
        "server and its staging server, and report drift.\n\n"
        "Switchover: compare PRIMARY STAGING, then exports FILE... (the staging server's "
        "pending exports, from csexport). Before an upgrade: check EXPORT on each "
        "server, then compare (upgrade mode starts by itself when the versions differ). "
        "Every night: nightly DROP --out OUTDIR --history FILE. To fix sync-rule drift: "
        "compare ... --script fix.ps1.\n\n"
        "Export each server with: Get-ADSyncServerConfiguration -Path <folder>"
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


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


# The commands in the order --help lists them.
app.command()(compare)
app.command()(rules)
app.command()(accept)
app.command()(render)
app.command("script")(script_command)
app.command()(check)
app.command("exports")(exports_command)
app.command("flows")(flows_command)
app.command("history")(history_command)
app.command()(nightly)


class Stopped(BaseException):
    """SIGTERM (a scheduler's time limit, ``timeout``, a service manager) or SIGINT (Ctrl+C)
    as an exception that neither click nor typer turns into an exit of their own, so
    that the run unwinds: worker processes are ended and no output is half-written (outputs
    are renamed into place only once complete)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _raise_stopped(signum: int, _frame: object) -> None:
    raise Stopped(signum)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``driftcheck`` console script.

    Exit codes: 0, 1 (drift or failing checks), 2 (bad usage or input), and 128 + the signal
    number when the run is stopped: 130 for SIGINT (Ctrl+C), 143 for SIGTERM.
    """
    stopping = (signal.SIGTERM, signal.SIGINT)
    previous = {signum: signal.signal(signum, _raise_stopped) for signum in stopping}
    try:
        return _main(argv)
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _main(argv: list[str] | None) -> int:
    try:
        # standalone_mode=False: click returns the exit code instead of calling sys.exit
        result = app(args=argv, prog_name="driftcheck", standalone_mode=False)
    except InputError as exc:
        echo(f"driftcheck: error: {printable(exc.message)}", err=True)
        return EXIT_USAGE
    except typer.Exit as exc:
        return exc.exit_code
    except Stopped as exc:
        typer.echo(f"driftcheck: stopped by {signal.Signals(exc.signum).name}", err=True)
        return 128 + exc.signum
    except (KeyboardInterrupt, click.exceptions.Abort):
        typer.echo("driftcheck: interrupted", err=True)
        return 128 + signal.SIGINT
    except Exception as exc:  # one line, never a traceback, never exit 1
        usage = getattr(exc, "exit_code", None)
        show = getattr(exc, "show", None)
        if usage is not None and callable(show):  # click usage errors
            show()
            return EXIT_USAGE
        message = shorten(printable(str(exc)), MAX_MESSAGE)
        echo(f"driftcheck: internal error: {type(exc).__name__}: {message}", err=True)
        return EXIT_USAGE
    return result if isinstance(result, int) else 0


def run() -> None:
    sys.exit(main())
