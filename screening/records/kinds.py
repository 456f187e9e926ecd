"""The kinds of screening record the entry pages handle, by URL slug.

A kind names its model, the field the consent guard checks (the date of the procedure), the fields a
correction may change (also those a concurrent-edit message describes), and its facts section. The
per-kind validation lives in ``services``; the forms in ``forms``.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from screening.eligibility.instruments import INSTRUMENTS
from screening.models import (
    Classification,
    EchoResult,
    EularAcrAssessment,
    LabResult,
    Measurement,
    PregnancyTest,
    ScreeningRecord,
    SerologyResult,
    SledaiAssessment,
    Spo2Reading,
    Treatment,
)
from screening.records.rules import OWN_PANELS


@dataclass(frozen=True)
class RecordKind:
    slug: str
    model: type[ScreeningRecord]
    title: str
    fields: tuple[str, ...]  # what a form enters and a correction may change
    date_field: str  # the date the record is "on" (newest first; consent guard unless ``history``)
    # Treatment history predates the screening on purpose: its dates are not screening procedures.
    history: bool = False


KINDS: dict[str, RecordKind] = {
    kind.slug: kind
    for kind in (
        RecordKind("labs", LabResult, _("Laboratory results"),
                   ("test", "value", "unit", "reference_low", "reference_high", "collected_on", "source"),
                   "collected_on"),
        RecordKind("serology", SerologyResult, _("Serology"),
                   ("test", "result", "titer", "pattern", "collected_on", "source"), "collected_on"),
        RecordKind("echo", EchoResult, _("Echocardiography"), ("lvef_percent", "performed_on"), "performed_on"),
        RecordKind("spo2", Spo2Reading, _("SpO2"), ("percent", "room_air", "measured_on"), "measured_on"),
        RecordKind("pregnancy", PregnancyTest, _("Pregnancy test"),
                   ("specimen", "result", "collected_on"), "collected_on"),
        RecordKind("sledai", SledaiAssessment, _("SLEDAI-2K"), ("assessed_on", "descriptors"), "assessed_on"),
        RecordKind("eular", EularAcrAssessment, _("2019 EULAR/ACR classification"),
                   ("assessed_on", "ana_ever_1_80_hep2", "criteria"), "assessed_on"),
        RecordKind("treatments", Treatment, _("Treatment history"),
                   ("drug", "started_on", "stopped_on", "dose_mg_per_day"), "started_on", history=True),
        # The registry's classification instruments without a panel of their own (ACR 1997, SLICC 2012).
        RecordKind("classifications", Classification, _("Classification criteria"),
                   ("instrument", "assessed_on", "criteria", "flags"), "assessed_on"),
        # The catalogue's measurements without a panel of their own (QTc, FVC, ...): shown when a protocol
        # declares one (``shown_for``).
        RecordKind("measurements", Measurement, _("Measurements"), ("item", "value", "flag", "measured_on"),
                   "measured_on"),
    )
}


def kind_of(record: ScreeningRecord) -> RecordKind:
    for kind in KINDS.values():
        if isinstance(record, kind.model):
            return kind
    raise LookupError(f"not a screening record kind: {type(record).__name__}")


# Measurements that have a panel (and a model) of their own; the qualitative ones are rules.OWN_PANELS.
OWN_MEASUREMENT_PANELS = frozenset({"lvef", "spo2"})


def other_measurements(protocol) -> dict:
    """The protocol's measurements the generic panel enters: code -> catalogue item."""
    return {code: item for code, item in protocol.catalogue.measurements.items() if code not in OWN_MEASUREMENT_PANELS}


# Classification instruments with a panel (and a model) of their own.
OWN_INSTRUMENT_PANELS = frozenset({"eular_acr_2019"})


def other_classifications(protocol) -> list[str]:
    """The protocol's classification instruments the generic panel enters, in the protocol's order."""
    return [name for name in protocol.catalogue.instruments
            if INSTRUMENTS[name].shape == "classification" and name not in OWN_INSTRUMENT_PANELS]


def needed_by(slug: str, protocol) -> bool:
    """Whether ``protocol``'s catalogue declares what the kind's panel enters."""
    catalogue = protocol.catalogue
    return {
        "labs": bool(catalogue.labs),
        "serology": any(code not in OWN_PANELS for code in catalogue.qualitative),
        "echo": "lvef" in catalogue.measurements,
        "spo2": "spo2" in catalogue.measurements,
        "pregnancy": "pregnancy_test" in catalogue.qualitative,
        "sledai": "sledai_2k" in catalogue.instruments,
        "eular": "eular_acr_2019" in catalogue.instruments,
        "treatments": bool(catalogue.dictionary.drugs),
        "classifications": bool(other_classifications(protocol)),
        "measurements": bool(other_measurements(protocol)),
    }[slug]


def shown_for(slug: str, protocol, records=()) -> bool:
    """Whether the candidate page shows the kind's panel: the candidate's protocol version needs it, or the
    candidate has records of it that this version no longer asks for (they stay visible, and correctable)."""
    return needed_by(slug, protocol) or bool(records)
