"""Output files written atomically (temp file, then rename), and text made safe for a terminal.

The lowest layer: imports nothing of driftcheck but ``driftcheck.errors``.
"""
