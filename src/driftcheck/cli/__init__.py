"""The command line: one small module per command, registered by :mod:`driftcheck.cli.app`.

The only stage that touches typer. May import every stage.
"""
