"""Build the screening facts document (screening-facts.md) for a candidate from the database.

The document is what the engine evaluates, both here and on the command line, so the checklist in the
browser and ``manage.py evaluate_eligibility`` agree by construction. It is plain JSON (ISO dates, floats):
it can be stored, hashed and re-evaluated later.

``BuiltFacts.sources`` maps every engine reference (``labs[0]``, ``echo``, ``patient.weight_kg``,
``attestations.apheresis_suitable``, ...) to the database record it came from, so the checklist links a
criterion to its records and a signature can be voided when one of them changes.

Decided here:
- Every active record of a list kind is included (labs, serology, treatments, echo, SpO2, pregnancy
  tests), oldest first, so the engine picks the newest valid one, sees two results of one day that
  disagree or a positive pregnancy test behind a newer negative one, and I01 sees a record dated before
  consent. Records marked entered in error are left out.
- SLEDAI-2K takes the newest assessment dated on or before the evaluation date (the newest of all if none
  is), on equal dates the later entry; the 2019 EULAR/ACR criteria are "ever" findings: the latest
  assessment counts.
- Lab values go in the protocol's canonical unit, with the ULN (the result's reference high) converted the
  same way, so value / ULN is unit-free; the entered value and unit stay on the record.
- ``consent.signed_on`` is the FIRST consent's date (screening records must follow it, and re-consent on a
  new ICF does not invalidate them); signer and ICF version are the latest consent's.
- Investigator attestations: the latest answer per question; ``intolerant_to_conventional_therapy`` and
  ``patient.liver_involvement`` are attestations too.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from types import MappingProxyType
from typing import Any

from django.db import models
from django.urls import NoReverseMatch, reverse

from patients.models import Patient
from screening.eligibility import Protocol
from screening.fact_names import NameOf, Translate, fact_summary, record_value, value_at
from screening.models import (
    CONTRACEPTION_AGREED,
    Attestation,
    Consent,
    RecordStatus,
    Withdrawal,
)
from screening.records.kinds import KINDS
from screening.records.kinds.base import iso, num
from screening.records.selectors import latest_of

PATIENT_FIELDS = ("date_of_birth", "sex", "weight_kg", "childbearing_potential", "gilbert_syndrome")


@dataclass(frozen=True)
class Source:
    """The database record behind a fact: model label (``screening.labresult``), primary key, a page."""

    label: str
    pk: int
    description: str
    url: str | None

    @classmethod
    def of(cls, record: models.Model, url: str | None = None) -> Source:
        return cls(record._meta.label_lower, record.pk, str(record), url)


@dataclass(frozen=True)
class SourceLink:
    """A record a criterion used, as the checklist and the signing page list it."""

    label: str
    url: str | None


@dataclass(frozen=True)
class BuiltFacts:
    document: dict[str, Any]
    sources: Mapping[str, Source]

    def source_of(self, ref: str) -> Source | None:
        """The record behind an engine reference; a field reference (``labs[0].collected_on``) resolves to its
        record (``labs[0]``)."""
        while True:
            if ref in self.sources:
                return self.sources[ref]
            if "." not in ref:
                return None
            ref = ref.rsplit(".", 1)[0]

    def links_for(self, refs: Iterable[str], name_of: NameOf, translate: Translate) -> list[SourceLink]:
        """Each record behind ``refs``, named as people name it (``screening.fact_names``), with its page."""
        return [SourceLink(fact_summary(ref, record_value(self.document, ref), value_at(self.document, ref), name_of,
                                        translate), source.url)
                for ref, source in self.sources_for(refs)]

    def sources_for(self, refs: Iterable[str]) -> list[tuple[str, Source]]:
        """(reference, source) for each resolvable reference, one entry per record."""
        seen, found = set(), []
        for ref in refs:
            source = self.source_of(ref)
            if source is not None and (source.label, source.pk) not in seen:
                seen.add((source.label, source.pk))
                found.append((ref, source))
        return found


def _url(name: str, *args: Any) -> str | None:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def _record_url(slug: str, record: models.Model) -> str | None:
    return _url("screening_record_edit", slug, record.pk)


# Records already read by the caller, all statuses, by model (``records_by_kind``; attestations newest first,
# ``attestation_history``); None: read them here.
Preloaded = Mapping[type[models.Model], list[Any]] | None


def _active(model: type[models.Model], patient: Patient, order: Iterable[str], preloaded: Preloaded) -> list[Any]:
    """The patient's active records of ``model`` in ``order`` (ascending fields, as ``order_by``)."""
    if preloaded is not None and model in preloaded:
        fields = list(order)
        active = [record for record in preloaded[model] if record.status == RecordStatus.ACTIVE]
        return sorted(active, key=lambda record: tuple(getattr(record, name) for name in fields))
    return list(model.objects.filter(patient=patient).active().order_by(*order))


def build_facts(patient: Patient, evaluated_on: date, protocol: Protocol | None = None, *,
                preloaded: Preloaded = None) -> BuiltFacts:
    """The facts document for ``patient`` as of ``evaluated_on``, with the source of every reference.

    A fixed number of queries whatever the number of records (one per kind, none for the kinds in
    ``preloaded``). ``protocol`` converts lab values to its canonical units; without it values go as
    entered (the engine converts for plausibility)."""
    sources: dict[str, Source] = {}
    doc: dict[str, Any] = {"evaluated_on": evaluated_on.isoformat()}

    patient_url = _url("patient_edit", patient.pk)
    doc["patient"] = {
        "date_of_birth": iso(patient.date_of_birth),
        "sex": patient.sex or None,
        "weight_kg": num(patient.weight_kg),
        "childbearing_potential": patient.childbearing_potential,
        "gilbert_syndrome": patient.gilbert_syndrome,
    }
    for field in PATIENT_FIELDS:
        sources[f"patient.{field}"] = Source.of(patient, patient_url)

    consents = list(Consent.objects.filter(patient=patient).select_related("icf_version").order_by("signed_at", "pk"))
    withdrawal = Withdrawal.objects.filter(patient=patient).first()
    if consents:
        first, latest = consents[0], consents[-1]
        doc["consent"] = {
            "signed_on": first.signed_on.isoformat(),
            "signer": latest.signer,
            "icf_version": latest.icf_version.label,
            "withdrawn_on": iso(withdrawal.withdrawn_on) if withdrawal else None,
        }
        sources["consent"] = Source.of(latest, _url("consent_edit", latest.pk))
        sources["consent.signed_on"] = Source.of(first, _url("consent_edit", first.pk))

    # Each kind's facts, from its module (``screening.records.kinds``).
    for kind in KINDS.values():
        if not kind.always_in_facts and protocol is not None and not kind.needed(protocol):
            continue  # read only where the protocol has such an item, so no other trial pays a query
        entries, records = kind.facts(_active(kind.model, patient, kind.facts_order, preloaded), protocol,
                                      evaluated_on)
        doc.update(entries)
        sources.update({ref: Source.of(record, _record_url(kind.slug, record)) for ref, record in records.items()})

    _add_attestations(patient, doc, sources, preloaded, protocol)
    return BuiltFacts(document=doc, sources=MappingProxyType(sources))


# Where today's facts document keeps MC-1-50's intolerance question: a top-level key, not an attestation.
_TOP_LEVEL_QUESTIONS = ("intolerant_to_conventional_therapy",)


def _typed(attestation: Attestation, kind: str) -> Any:
    """An attribute's answer as the facts document types it: yes/no, a number, or the text (a date, a choice)."""
    if attestation.answer is not None:
        return attestation.answer
    return float(attestation.value) if kind == "number" else attestation.value


def _add_attestations(patient: Patient, doc: dict[str, Any], sources: dict[str, Source], preloaded: Preloaded,
                      protocol: Protocol | None) -> None:
    """The latest answer to each question: a patient attribute of the catalogue goes in ``patient`` (liver
    involvement), every other answer in ``attestations``."""
    if preloaded is not None and Attestation in preloaded:
        history = preloaded[Attestation]  # newest first (``attestation_history``)
    else:
        history = list(Attestation.objects.filter(patient=patient).order_by("-recorded_at", "-pk"))
    latest = latest_of(history)
    url = _url("patient_detail", patient.pk)
    url = f"{url}#attestations" if url else None
    attributes = protocol.catalogue.attributes if protocol is not None else {}
    answers: dict[str, Any] = {}
    for question, attestation in latest.items():
        source = Source.of(attestation, url)
        if question in _TOP_LEVEL_QUESTIONS:
            doc[question] = attestation.answer
            ref = question
        elif question in attributes:
            doc["patient"][question] = _typed(attestation, attributes[question].type.value)
            ref = f"patient.{question}"
        else:
            answers[question] = attestation.answer if attestation.answer is not None else attestation.value
            ref = f"attestations.{question}"
            if question == CONTRACEPTION_AGREED and attestation.contraception_method:
                answers["contraception_method"] = attestation.contraception_method
                sources["attestations.contraception_method"] = source
        sources[ref] = source
    if answers:
        doc["attestations"] = answers
