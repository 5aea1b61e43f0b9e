"""The stages wired together for one job: compare two exports, check one export.

May import: ``report`` and everything below it.
"""
