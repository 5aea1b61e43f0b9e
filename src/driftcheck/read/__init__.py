"""Read an export (a folder or a .zip from Get-ADSyncServerConfiguration) safely, into the model.

``files`` finds and parses the files within limits (no DTD, no entities, bounded sizes);
``extract`` turns them into :mod:`driftcheck.model`. May import: ``model``, ``output``.
"""
