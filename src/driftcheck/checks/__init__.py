"""Readiness checks: one catalogue of checks on one server's export or on the pair, with their docs.

May import: ``compare``, ``read``, ``model``.
"""
