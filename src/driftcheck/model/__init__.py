"""The model: one sync server's configuration as frozen dataclasses, in the admin's vocabulary.

Also the closed vocabularies (severities, sections, change kinds), a sync rule's definition,
the expression lexer and the table of Entra Connect builds. Imports nothing of driftcheck but
``driftcheck.errors``: every other stage builds on it.
"""
