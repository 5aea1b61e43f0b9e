"""Reading JSON data back into typed objects, with a one-line reason for whatever is wrong.

A saved report can be truncated, hand-edited or written by something else. Each accessor of
:class:`JsonReader` checks one key and raises :class:`~driftcheck.errors.InputError` naming the
file, where in the document (``differences[3].severity``) and what is wrong; values echoed in
the message are cut short.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from enum import StrEnum
from typing import Any, TypeVar

from driftcheck.errors import InputError

Json = Any
E = TypeVar("E", bound=StrEnum)

#: Longest value echoed in an error message.
ECHO = 80
#: Deepest nesting accepted in a configuration tree (real ones are under 10 levels).
MAX_DEPTH = 64

_MISSING = object()


def _kind(value: Json) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    return {
        dict: "an object",
        list: "a list",
        str: "a text",
        int: "a number",
        float: "a number",
    }.get(type(value), type(value).__name__)


def depth_exceeds(value: Json, limit: int) -> bool:
    """Whether ``value`` nests lists and objects more than ``limit`` levels deep.

    Recursive, but never deeper than ``limit`` calls.
    """
    if isinstance(value, dict):
        children: Iterable[Json] = value.values()
    elif isinstance(value, list):
        children = value
    else:
        return False
    if limit <= 0:
        return True
    for child in children:
        if isinstance(child, (dict, list)) and depth_exceeds(child, limit - 1):
            return True
    return False


class JsonReader:
    """A JSON object (or any value) at a place in a document, read with checks."""

    def __init__(self, data: Json, where: str, file: str | None) -> None:
        self.data = data
        self.where = where
        self.file = file

    @staticmethod
    def root(data: Json, *, file: str | None) -> JsonReader:
        reader = JsonReader(data, "", file)
        reader.expect_object()
        return reader

    @staticmethod
    def shorten(text: str) -> str:
        text = " ".join(text.split())
        return text if len(text) <= ECHO else text[: ECHO - 1] + "…"

    @staticmethod
    def shown(value: Json) -> str:
        """A value for an error message, cut short."""
        return JsonReader.shorten(repr(value))

    def fail(self, problem: str, key: str | None = None) -> InputError:
        where = self._at(key) if key is not None else self.where
        prefix = f"{where}: " if where else ""
        return InputError(f"not a valid report: {prefix}{problem}", file=self.file)

    def _at(self, key: str | int) -> str:
        if isinstance(key, int):
            return f"{self.where}[{key}]"
        return f"{self.where}.{key}" if self.where else key

    def expect_object(self) -> None:
        if not isinstance(self.data, dict):
            raise self.fail(f"expected an object, found {_kind(self.data)}")

    def _object(self) -> dict[str, Json]:
        self.expect_object()
        data: dict[str, Json] = self.data
        return data

    def names(self) -> list[str]:
        return list(self._object())

    def present(self, key: str) -> bool:
        return self._object().get(key) is not None

    def optional_value(self, key: str) -> Json:
        return self._object().get(key)

    def value(self, key: str) -> Json:
        found = self._object().get(key, _MISSING)
        if found is _MISSING:
            raise self.fail("missing", key)
        if isinstance(found, (dict, list)) and depth_exceeds(found, MAX_DEPTH):
            raise self.fail(f"nested deeper than {MAX_DEPTH} levels", key)
        return found

    def _typed(self, key: str, kinds: type | tuple[type, ...], what: str) -> Json:
        found = self.value(key)
        if not isinstance(found, kinds) or (isinstance(found, bool) and bool not in _tuple(kinds)):
            raise self.fail(f"expected {what}, found {_kind(found)}", key)
        return found

    def child(self, key: str) -> JsonReader:
        found = self._typed(key, dict, "an object")
        return JsonReader(found, self._at(key), self.file)

    def items(self, key: str) -> Iterator[JsonReader]:
        found = self._typed(key, list, "a list")
        for n, item in enumerate(found):
            reader = JsonReader(item, self._at(key) + f"[{n}]", self.file)
            yield reader

    def as_text(self) -> str:
        if not isinstance(self.data, str):
            raise self.fail(f"expected a text, found {_kind(self.data)}")
        return self.data

    def text(self, key: str, *, choices: Sequence[str] | None = None) -> str:
        found: str = self._typed(key, str, "a text")
        if choices is not None and found not in choices:
            raise self.fail(f"{self.shown(found)} is not one of {', '.join(choices)}", key)
        return found

    def optional_text(self, key: str) -> str | None:
        found = self.optional_value(key)
        if found is not None and not isinstance(found, str):
            raise self.fail(f"expected a text or null, found {_kind(found)}", key)
        return found

    def choice(self, key: str, vocabulary: type[E]) -> E:
        found = self.text(key)
        try:
            return vocabulary(found)
        except ValueError:
            allowed = ", ".join(member.value for member in vocabulary)
            raise self.fail(
                f"unknown {key} {self.shown(found)} (expected {allowed})", key
            ) from None

    def integer(self, key: str) -> int:
        found: int = self._typed(key, int, "a whole number")
        return found

    def count(self, key: str) -> int:
        found = self.integer(key)
        if found < 0:
            raise self.fail(f"expected a count, found {found}", key)
        return found

    def boolean(self, key: str) -> bool:
        found: bool = self._typed(key, bool, "true or false")
        return found

    def optional_tree(self, key: str) -> dict[str, Json] | None:
        """A configuration tree (an object of texts, lists and objects), or null."""
        found = self.optional_value(key)
        if found is None:
            return None
        if not isinstance(found, dict):
            raise self.fail(f"expected an object or null, found {_kind(found)}", key)
        if depth_exceeds(found, MAX_DEPTH):
            raise self.fail(f"nested deeper than {MAX_DEPTH} levels", key)
        return found


def _tuple(kinds: type | tuple[type, ...]) -> tuple[type, ...]:
    return kinds if isinstance(kinds, tuple) else (kinds,)
