"""Rewrite staging-side names to primary-side names before comparing (policy ``[map]``).

Admins compare DEV, QA and PROD servers whose domains and tenants are named differently
(``contoso-dev.com`` for ``contoso.com``). The map applies wherever a name occurs, in object
names, values and DNs, case-insensitively and by whole token: ``contoso.com`` maps inside
``user@contoso.com`` or ``emea.contoso.com`` but not inside ``mycontoso.com`` or
``contoso.community``.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

T = TypeVar("T")


def token_replacer(mapping: Mapping[str, str]) -> Callable[[str], str]:
    """A function replacing each mapped name where it stands as a whole token."""
    if not mapping:
        return lambda text: text
    lookup = {old.casefold(): new for old, new in mapping.items()}
    alternatives = "|".join(re.escape(old) for old in sorted(mapping, key=len, reverse=True))
    # Not part of a longer word before it; not followed by more of a word or a further label.
    pattern = re.compile(rf"(?<![\w-])(?:{alternatives})(?![\w-]|\.\w)", re.IGNORECASE)

    def replace(text: str) -> str:
        return pattern.sub(lambda m: lookup[m.group(0).casefold()], text)

    return replace


def map_strings(value: T, replace: Callable[[str], str]) -> T:
    """Apply ``replace`` to every string inside frozen dataclasses and tuples."""
    return _map(value, replace)  # type: ignore[no-any-return]


def _map(value: Any, replace: Callable[[str], str]) -> Any:
    if isinstance(value, str):
        return replace(value)
    if isinstance(value, tuple):
        return tuple(_map(v, replace) for v in value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {f.name: _map(getattr(value, f.name), replace) for f in dataclasses.fields(value)}
        return dataclasses.replace(value, **changes)
    return value
