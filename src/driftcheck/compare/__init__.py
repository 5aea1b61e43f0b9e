"""Compare two servers: canonical form (normalize), the keyed walk, upgrade mode, masking.

Pure: no file access. May import: ``model``.
"""
