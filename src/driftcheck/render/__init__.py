"""Renderers, one writer per format: text, JSON, HTML (one module per page type), JUnit and the
PowerShell migration script.

The only stage that touches jinja2. May import: ``history``, ``pipeline``, ``report`` and
everything below.
"""
