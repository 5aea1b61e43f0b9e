"""Pending exports: a streaming reader of csexport XML, their summaries and findings.

May import ``read``, ``model`` and ``flows``. ``policy`` (the ``[pending]`` table),
``report``, ``render``, ``nightly`` and ``cli`` import it.
"""
