"""Policy: the ignore and severity rules (built-in and the admin's), the policy file, the name map
and ``accept``.

May import: ``exports``, ``compare``, ``read``, ``model``, ``output``.
"""
