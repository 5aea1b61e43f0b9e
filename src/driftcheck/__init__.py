"""driftcheck: compare a primary and a staging Azure AD Connect configuration export."""

__version__ = "0.1.0"
