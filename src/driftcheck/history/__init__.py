"""The drift history: an SQLite store of runs and findings, fingerprints, tracking and the trend.

Consumes the typed report. May import: ``report`` and everything below it.
"""
