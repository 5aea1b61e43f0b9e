"""Attribute flows: the end-to-end graph of how one server's attributes flow, connector to
metaverse to connector, through its sync rules.

May import only ``model``. ``exports``, ``report`` and ``render`` import it.
"""
