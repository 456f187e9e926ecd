"""The portal's printed documents (the eligibility checklist, the validation report): A4 pages in fpdf2, a
footer with page X of Y, an optional watermark, and Chinese through a CJK TrueType font (``settings.PDF_CJK_FONT``,
Debian's fonts-wqy-microhei, installed by ``make``). The built-in fonts cover Latin-1 only: other characters are
transliterated where there is an ASCII form and replaced by "?" otherwise."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace

logger = logging.getLogger(__name__)

_ASCII_FORMS = {"→": "->", "←": "<-", "≤": "<=", "≥": ">=", "—": "-", "–": "-", "…": "...", "’": "'", "‘": "'",
                "“": '"', "”": '"', "•": "-", "\u00a0": " "}
_CJK_FAMILY = "cjk"


def latin1(text: Any) -> str:
    """``text`` in the core fonts' character set: never raises, whatever the script."""
    value = "".join(_ASCII_FORMS.get(ch, ch) for ch in str(text))
    return value.encode("latin-1", errors="replace").decode("latin-1")


def _plain(text: Any) -> str:
    """``text`` for the CJK font: it has the Chinese and Latin glyphs, the arrows are spelled out anyway."""
    return "".join(_ASCII_FORMS.get(ch, ch) for ch in str(text))


class Document(FPDF):
    def __init__(self, footer_text: str, cjk_font: Path | None, watermark: str = "") -> None:
        super().__init__(format="A4")
        self.footer_text = footer_text
        self.watermark = watermark
        self.set_auto_page_break(auto=True, margin=15)
        self.set_margins(15, 15, 15)
        self.family, self.shown = "Helvetica", latin1
        if cjk_font is not None:
            # A TrueType collection: its first face (Regular). It has no bold face; bold text uses it too.
            for style in ("", "B"):
                self.add_font(_CJK_FAMILY, style, str(cjk_font), collection_font_number=0)
            self.family, self.shown = _CJK_FAMILY, _plain

    def header(self) -> None:
        """A draft or void checklist says so across every page, under the text: it cannot be mistaken for a
        signed one however it is printed or cut."""
        if not self.watermark:
            return
        self.set_font(self.family, style="B", size=64)
        self.set_text_color(215, 215, 215)
        with self.rotation(45, x=self.w / 2, y=self.h / 2):
            self.text(self.w / 2 - self.get_string_width(self.shown(self.watermark)) / 2, self.h / 2 + 10,
                      self.shown(self.watermark))
        self.set_text_color(0, 0, 0)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(self.family, size=7)
        page = _("page %(number)s/%(total)s") % {"number": self.page_no(), "total": "{nb}"}
        self.cell(0, 5, self.shown(f"{self.footer_text} - {page}"), align="C")

    def table_of(self, widths: Sequence[float], headings: Iterable[str], rows: Iterable[Iterable[Any]]) -> None:
        """A table in the documents' one style: bold grey headings repeated on every page it runs over, cells
        top-aligned, horizontal rules."""
        with self.table(col_widths=tuple(widths), text_align="LEFT", v_align="TOP", line_height=3.6, padding=1.2,
                        headings_style=FontFace(emphasis="BOLD", fill_color=(235, 235, 235)),
                        borders_layout="HORIZONTAL_LINES") as table:
            heading = table.row()
            for title in headings:
                heading.cell(self.shown(title))
            for values in rows:
                row = table.row()
                for value in values:
                    row.cell(self.shown(value))

    def line_of(self, text: str, *, size: float = 9, bold: bool = False, height: float = 5) -> None:
        self.set_font(self.family, style="B" if bold else "", size=size)
        self.multi_cell(0, height, self.shown(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def cjk_font() -> Path | None:
    """The CJK font file, or None (logged) when it is missing."""
    path = Path(settings.PDF_CJK_FONT)
    if path.is_file():
        return path
    logger.warning("PDF: CJK font %s is missing (Debian package fonts-wqy-microhei); printing in English",
                   path)
    return None
