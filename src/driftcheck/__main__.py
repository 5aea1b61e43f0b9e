"""``python -m driftcheck``: the same command line as the ``driftcheck`` console script."""

from driftcheck.cli.app import run

if __name__ == "__main__":
    run()
