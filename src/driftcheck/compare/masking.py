"""Secrets: the values of settings named like a password or secret never leave the report stage.

An export should hold no clear-text secret (the connector passwords are encrypted), but a
hand-edited or foreign export, a ``...ClientSecret`` global setting or a ``<password>`` element
in a connector's private configuration can. The report masks them once, in the differences, the
suppressed differences and both configuration trees, so no renderer, mail or script can print
one.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from driftcheck.compare.canonical import ENCRYPTED
from driftcheck.model.vocab import Section

Json = Any

#: Shown instead of a value whose name says it is a secret.
MASKED = "(masked)"

_SECRET_NAME = re.compile(
    r"(^|[-_.\s])(password|passwd|pwd|secret|client-?secret|token|credentials?|passphrase|"
    r"private-?key|shared-?key|key-?value)$",
    re.IGNORECASE,
)
#: An encrypted value, an empty one or one masked already: kept as it is.
_KEEP = frozenset({"", ENCRYPTED, MASKED})


@functools.lru_cache(maxsize=4096)
def is_secret_name(name: str) -> bool:
    """A setting named like a password or secret (``password``, ``Connector.ClientSecret``)."""
    return bool(_SECRET_NAME.search(name)) or name.casefold().endswith(("password", "secret"))


def mask_all(value: Json) -> Json:
    """``value`` with every text in it masked (the value of a secret-named setting)."""
    if isinstance(value, str):
        return value if value in _KEEP else MASKED
    if isinstance(value, dict):
        return {k: mask_all(v) for k, v in value.items()}
    if isinstance(value, list):
        return [mask_all(v) for v in value]
    return value


def mask_secrets(tree: Json) -> Json:
    """``tree`` with the value of every secret-named key masked, at any depth."""
    if isinstance(tree, list):
        return [mask_secrets(v) for v in tree]
    if not isinstance(tree, dict):
        return tree
    return {
        key: mask_all(value) if is_secret_name(key) else mask_secrets(value)
        for key, value in tree.items()
    }


def is_secret_object(section: str, name: str) -> bool:
    """A whole object that is a secret: a global setting named like one."""
    return section == Section.GLOBAL_SETTINGS and is_secret_name(name)


def is_secret_path(section: str, name: str, path: str) -> bool:
    """A difference at ``path`` of object ``name`` is about a secret's value."""
    if is_secret_object(section, name):
        return True
    return any(is_secret_name(part) for part in path.split("/") if part)


def mask_value(section: str, name: str, path: str, value: Json) -> Json:
    """One side of a difference, safe to print: masked whole when it is a secret's value,
    else with the secret-named keys within it masked."""
    if is_secret_path(section, name, path):
        return mask_all(value)
    return mask_secrets(value)
