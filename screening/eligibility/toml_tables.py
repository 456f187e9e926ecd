"""Strict readers of a parsed TOML document: every error names the dotted key path it is about.

Shared by the protocol loaders (today's format and the general one) so that both refuse the same defects
with the same words.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Any


class ProtocolError(ValueError):
    """A protocol file that cannot be used; `key` is the dotted path of the offending key."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(f"{key}: {message}")
        self.key = key
        self.message = message


def read_protocol_file(path: str | Path) -> str:
    """A protocol file's text; an unreadable file is a `ProtocolError` naming the path."""
    try:
        return Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ProtocolError(str(path), f"cannot read protocol file: {getattr(exc, 'strerror', None) or exc}") from None


class ParamType(StrEnum):
    NUMBER = "a number"
    INTEGER = "an integer"
    STRING = "a string"
    STRING_LIST = "a list of strings"


# -- readers --------------------------------------------------------------------------------------------------

_MISSING = object()


def is_number(value: Any) -> bool:
    # TOML allows inf and nan; neither is a threshold anyone meant.
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def choice(value: str, key: str, choices: Any) -> Any:
    allowed = tuple(c.value if isinstance(c, StrEnum) else c for c in choices)
    if value not in allowed:
        raise ProtocolError(key, f"expected one of {', '.join(repr(c) for c in allowed)}, got {value!r}")
    return choices(value) if isinstance(choices, type) else value


@dataclass(frozen=True)
class Table:
    """A TOML table and its dotted path, so every error can name the key it is about."""

    data: Mapping[str, Any]
    path: str

    def key(self, name: str) -> str:
        return f"{self.path}.{name}" if self.path else name

    def keys(self) -> list[str]:
        return list(self.data)

    def allow(self, *names: str) -> None:
        for name in self.data:
            if name not in names:
                raise ProtocolError(self.key(name), "unknown key")

    def _get(self, name: str, default: Any) -> Any:
        value = self.data.get(name, _MISSING)
        if value is _MISSING:
            if default is _MISSING:
                raise ProtocolError(self.key(name), "required")
            return default
        return value

    def _fail(self, name: str, expected: str, value: Any) -> ProtocolError:
        return ProtocolError(self.key(name), f"expected {expected}, got {value!r}")

    def table(self, name: str, default: Any = _MISSING) -> Table:
        value = self._get(name, default)
        if not isinstance(value, Mapping):
            raise self._fail(name, "a table", value)
        return Table(value, self.key(name))

    def string(self, name: str, default: Any = _MISSING) -> str:
        value = self._get(name, default)
        if not isinstance(value, str):
            raise self._fail(name, "a string", value)
        return value

    def strings(self, name: str) -> tuple[str, ...]:
        values = self.array(name)
        for i, value in enumerate(values):
            if not isinstance(value, str):
                raise ProtocolError(f"{self.key(name)}[{i}]", f"expected a string, got {value!r}")
        return tuple(values)

    def array(self, name: str) -> list[Any]:
        value = self._get(name, _MISSING)
        if not isinstance(value, list):
            raise self._fail(name, "a list", value)
        return value

    def number(self, name: str, *, positive: bool = False) -> float:
        value = self._get(name, _MISSING)
        if not is_number(value):
            raise self._fail(name, "a number", value)
        if positive and value <= 0:
            raise self._fail(name, "a number greater than 0", value)
        return value

    def integer(self, name: str, *, minimum: int | None = None) -> int:
        value = self._get(name, _MISSING)
        if not isinstance(value, int) or isinstance(value, bool):
            raise self._fail(name, "an integer", value)
        if minimum is not None and value < minimum:
            raise self._fail(name, f"an integer >= {minimum}", value)
        return value

    def boolean(self, name: str, default: Any = _MISSING) -> bool:
        value = self._get(name, default)
        if not isinstance(value, bool):
            raise self._fail(name, "true or false", value)
        return value

    def calendar_date(self, name: str) -> date:
        value = self._get(name, _MISSING)
        # tomllib gives a datetime for 2025-03-01T00:00; the protocol means a calendar day.
        if not isinstance(value, date) or hasattr(value, "hour"):
            raise self._fail(name, "a date (YYYY-MM-DD, unquoted)", value)
        return value

    def param(self, name: str, param_type: ParamType) -> Any:
        if param_type is ParamType.NUMBER:
            return self.number(name)
        if param_type is ParamType.INTEGER:
            return self.integer(name)
        if param_type is ParamType.STRING:
            return self.string(name)
        return self.strings(name)
