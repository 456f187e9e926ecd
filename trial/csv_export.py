"""CSV for download, safe to open in a spreadsheet: every export of the portal writes through ``safe_writer``.

A cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is read by Excel, LibreOffice
and Google Sheets as a formula (``=HYPERLINK(...)`` typed as a reason would run on a monitor's machine). Such
a cell is prefixed with a single quote, the OWASP-recommended escape: the text stays readable and nothing
is evaluated. A negative number written by the portal itself is data, not a formula, and stays as it is.

Every file starts with a UTF-8 byte-order mark: without it Excel reads the file in the machine's legacy code
page, and Chinese names, "µmol/L" and "≥" open garbled.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator
from typing import Any

from django.http import StreamingHttpResponse

BOM = "\ufeff"

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


def csv_response(lines: Iterable[str], filename: str) -> StreamingHttpResponse:
    """A download of ``lines`` (rows written by a ``safe_writer``), streamed, with the byte-order mark first."""

    def with_bom() -> Iterator[str]:
        yield BOM
        yield from lines

    response = StreamingHttpResponse(with_bom(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
