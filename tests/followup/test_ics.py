"""The hand-written iCalendar: RFC 5545 escaping and 75-octet line folding."""

from __future__ import annotations

import datetime as dt

from followup import ics


def unfold(text: str) -> list[str]:
    return text.replace("\r\n ", "").split("\r\n")


def test_text_escaping_of_backslash_semicolon_comma_and_newline():
    assert ics.escape_text("a\\b;c,d\ne") == "a\\\\b\\;c\\,d\\ne"


def test_long_lines_fold_at_75_octets_without_splitting_a_character():
    line = "SUMMARY:" + "患者" * 40 + "x" * 30
    folded = ics.fold(line)
    pieces = folded.split("\r\n")
    assert all(len(piece.encode("utf-8")) <= 75 for piece in pieces)
    assert all(piece.startswith(" ") for piece in pieces[1:])
    assert folded.replace("\r\n ", "") == line


def test_calendar_has_all_day_events_with_crlf_lines():
    text = ics.render_calendar(
        name="MC-1-50 follow-up",
        events=[ics.Event(uid="1-x-3@portal", day=dt.date(2026, 12, 31), summary="01-0001 ABC: test, month 3")],
        generated_at=dt.datetime(2026, 12, 1, 8, 30, tzinfo=dt.UTC),
    )
    assert text.endswith("END:VCALENDAR\r\n")
    assert "\n" not in text.replace("\r\n", "")
    lines = unfold(text)
    assert lines[0] == "BEGIN:VCALENDAR" and "VERSION:2.0" in lines
    assert "DTSTART;VALUE=DATE:20261231" in lines and "DTEND;VALUE=DATE:20270101" in lines
    assert "DTSTAMP:20261201T083000Z" in lines
    assert "SUMMARY:01-0001 ABC: test\\, month 3" in lines
