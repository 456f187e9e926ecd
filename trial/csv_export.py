"""CSV for download, safe to open in a spreadsheet: every export of the portal writes through ``safe_writer``.

A cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is read by Excel, LibreOffice
and Google Sheets as a formula (``=HYPERLINK(...)`` typed as a reason would run on a monitor's machine). Such
a cell is prefixed with a single quote, the OWASP-recommended escape: the text stays readable and nothing
is evaluated. A negative number written by the portal itself is data, not a formula, and stays as it is.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from typing import Any

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


def safe_cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(_FORMULA_START) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


class _Echo:
    """csv.writer needs a file; each row is handed straight to a streaming response instead."""

    def write(self, value: str) -> str:
        return value


class SafeWriter:
    def __init__(self) -> None:
        self._writer = csv.writer(_Echo())

    def writerow(self, row: Iterable[Any]) -> str:
        return self._writer.writerow([safe_cell(value) for value in row])


def safe_writer() -> SafeWriter:
    return SafeWriter()
