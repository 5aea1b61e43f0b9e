"""The typed report every renderer reads: findings, summary, history fields, its JSON file.

May import: ``checks``, ``policy``, ``exports``, ``flows``, ``compare``, ``read``, ``model``,
``output``.
"""
