"""The screening log: every candidate of the user's sites with status, key dates and screen-failure reasons,
the funnel and the failure reasons by criterion (drawn as SVG on the server), and the CSV export.

Funnel stages, each a subset of the one before in a normal course:
- registered: every candidate;
- consented: at least one consent recorded;
- evaluated: at least one eligibility signature, valid or void. "Evaluated" means an investigator judged a
  complete data set (a signature is only possible on an eligible / not eligible result); re-running the
  engine for every candidate on every view of the log would cost a dozen queries per candidate, and the
  signature is the durable record of that judgment;
- signed eligible: the current (valid) signature says eligible;
- infused: an infusion date is recorded.

No direct identifiers anywhere (no name, record number, date of birth, not even initials in the export).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.db.models import F, JSONField, OuterRef, QuerySet, Subquery

from patients.models import Patient
from screening.models import (
    Consent,
    EligibilitySignature,
    SignatureOutcome,
    SignatureStatus,
)
from trial.csv_export import safe_writer
from trial.models import Site


@dataclass(frozen=True)
class LogRow:
    trial: str
    screening_number: str
    site: str
    status: str
    registered_on: date
    consented_on: date | None
    signed_on: date | None
    signature_outcome: str
    signature_status: str
    infused_on: date | None
    failure_reasons: tuple[str, ...]

    @property
    def signed_eligible(self) -> bool:
        return self.signature_status == SignatureStatus.VALID and self.signature_outcome == SignatureOutcome.ELIGIBLE


def _patients(sites: QuerySet[Site] | Iterable[Site]) -> QuerySet[Patient]:
    latest = EligibilitySignature.objects.filter(patient=OuterRef("pk")).order_by("-signed_at", "-pk")
    first_consent = Consent.objects.filter(patient=OuterRef("pk")).order_by("signed_at", "pk")
    return (
        Patient.objects.filter(site__in=sites)
        .select_related("site__trial", "site__hospital")
        .annotate(
            consented_on=Subquery(first_consent.values("signed_on")[:1]),
            signature_at=Subquery(latest.values("signed_at")[:1]),
            signature_outcome=Subquery(latest.values("outcome")[:1]),
            signature_status=Subquery(latest.values("status")[:1]),
            signature_reasons=Subquery(latest.values("screen_failure_reasons")[:1], output_field=JSONField()),
            infused_on=F("enrollment__infused_on"),
        )
        .order_by("site__trial__code", "site__number", "sequence")
    )


def _local_date(moment: datetime | None, zone: str) -> date | None:
    return moment.astimezone(ZoneInfo(zone)).date() if moment else None


def log_rows(sites: QuerySet[Site] | Iterable[Site]) -> Iterator[LogRow]:
    """One row per candidate of ``sites``, by trial, site and screening number. One query."""
    for patient in _patients(sites).iterator(chunk_size=500):
        valid_failure = (patient.signature_status == SignatureStatus.VALID
                         and patient.signature_outcome == SignatureOutcome.NOT_ELIGIBLE)
        yield LogRow(
            trial=patient.site.trial.code,
            screening_number=patient.screening_number,
            site=patient.site.code,
            status=patient.status,
            registered_on=_local_date(patient.registered_at, patient.site.time_zone),
            consented_on=patient.consented_on,
            signed_on=_local_date(patient.signature_at, patient.site.time_zone),
            signature_outcome=patient.signature_outcome or "",
            signature_status=patient.signature_status or "",
            infused_on=patient.infused_on,
            failure_reasons=tuple(patient.signature_reasons or ()) if valid_failure else (),
        )


FUNNEL_STAGES = ("registered", "consented", "evaluated", "signed eligible", "infused")


def funnel(rows: Iterable[LogRow]) -> list[tuple[str, int]]:
    counts = Counter()
    for row in rows:
        counts["registered"] += 1
        counts["consented"] += row.consented_on is not None
        counts["evaluated"] += bool(row.signature_status)
        counts["signed eligible"] += row.signed_eligible
        counts["infused"] += row.infused_on is not None
    return [(stage, counts[stage]) for stage in FUNNEL_STAGES]


def failure_reasons(rows: Iterable[LogRow]) -> list[tuple[str, int]]:
    """Screen failures (valid not-eligible signatures) per failed criterion, most frequent first. Criterion codes
    are a trial's own (two trials may both have an I06b): rows of several trials name the trial too."""
    rows = list(rows)
    several = len({row.trial for row in rows}) > 1
    counts = Counter(f"{row.trial} {code}" if several else code for row in rows for code in row.failure_reasons)
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


# -- SVG geometry (pure): the template draws these rectangles and labels ----------------------------------


@dataclass(frozen=True)
class Bar:
    label: str
    count: int
    x: int
    y: int
    width: int
    height: int
    text_y: int  # baseline of the label and count, vertically centred on the bar
    count_x: int


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    bars: list[Bar]
    label_width: int


def bar_chart(items: list[tuple[str, int]], *, width: int = 640, label_width: int = 150, bar_height: int = 26,
              gap: int = 8) -> Chart:
    """Horizontal bars scaled to the largest count; room on the right for the count itself."""
    room = width - label_width - 60
    largest = max((count for _, count in items), default=0) or 1
    bars = []
    for i, (label, count) in enumerate(items):
        y = gap + i * (bar_height + gap)
        bar_width = round(room * count / largest)
        bars.append(Bar(label, count, label_width, y, bar_width, bar_height, y + bar_height // 2 + 5,
                        label_width + bar_width + 6))
    return Chart(width, gap + len(items) * (bar_height + gap), bars, label_width)


# -- CSV ---------------------------------------------------------------------------------------------------

CSV_HEADER = ["trial", "screening_number", "site", "status", "registered_on", "consented_on", "signed_on",
              "signature_outcome", "signature_status", "infused_on", "screen_failure_reasons"]


def _iso(day: date | None) -> str:
    return day.isoformat() if day else ""


def csv_lines(rows: Iterable[LogRow]) -> Iterator[str]:
    writer = safe_writer()
    yield writer.writerow(CSV_HEADER)
    for row in rows:
        yield writer.writerow([
            row.trial, row.screening_number, row.site, row.status, _iso(row.registered_on), _iso(row.consented_on),
            _iso(row.signed_on), row.signature_outcome, row.signature_status, _iso(row.infused_on),
            " ".join(row.failure_reasons),
        ])
