"""A facts document read against a protocol's catalogue (docs/facts-format.md).

Codes are the catalogue's: `labs[i].test` must be a laboratory test of the catalogue, a qualitative result
one of its vocabulary, an answer a question it declares. Today's screening-facts.md documents stay valid
input: their sections map onto catalogue codes of MC-1-50's file (`echo` is the measurement `lvef`, `spo2`
the measurement `spo2`, `serology` and `pregnancy_test` qualitative results, `attestations` answers,
`sledai_2k` and `eular_acr_2019` instrument records), keeping their references (`echo[1]`, `serology[0]`,
`attestations.apheresis_suitable`) so that evidence names what the author wrote.

Strict about what it recognises, lenient about what it does not (unknown keys are ignored), and every error
names the key path.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from types import MappingProxyType
from typing import Any

from ..catalogue import AttributeType, Catalogue
from ..facts import Consent, FactsError, Signer, read_date, read_number
from ..facts import read_object as _object
from ..facts import read_string as _string
from ..facts import show as _show
from ..instruments import INSTRUMENTS

HISTORY = "history"  # a record's source: from the medical history, not a screening procedure


@dataclass(frozen=True)
class LabRecord:
    ref: str
    test: str
    value: float
    unit: str
    uln: float | None
    on: date
    source: str = "screening"
    lln: float | None = None


@dataclass(frozen=True)
class QualitativeRecord:
    ref: str
    test: str
    result: str
    on: date
    titer: float | None = None
    specimen: str = ""
    source: str = "screening"


@dataclass(frozen=True)
class MeasurementRecord:
    ref: str
    item: str
    value: float
    on: date
    unit: str = ""
    flags: Mapping[str, bool | None] = field(default_factory=dict)
    source: str = "screening"
    date_key: str = "measured_on"  # the key its date stands under (today's `echo` says performed_on)


@dataclass(frozen=True)
class InstrumentRecord:
    ref: str
    instrument: str
    codes: tuple[str, ...]
    flags: Mapping[str, bool | None]
    on: date | None


@dataclass(frozen=True)
class TreatmentRecord:
    ref: str
    drug: str  # as written
    started_on: date
    stopped_on: date | None = None
    dose_mg_per_day: float | None = None


@dataclass(frozen=True)
class GeneralFacts:
    evaluated_on: date
    attributes: Mapping[str, Any]  # attribute code -> value (bool, float, date, str); absent = not recorded
    consent: Consent | None = None
    labs: tuple[LabRecord, ...] = ()
    qualitative: tuple[QualitativeRecord, ...] = ()
    measurements: tuple[MeasurementRecord, ...] = ()
    instruments: tuple[InstrumentRecord, ...] = ()
    treatments: tuple[TreatmentRecord, ...] | None = None  # None: no treatment history given at all
    answers: Mapping[str, Any] = field(default_factory=dict)  # question -> True/False/choice; absent = none


# Sections of today's format and the catalogue code each maps to.
_LEGACY_MEASUREMENTS = {"echo": ("lvef", "lvef_percent", "performed_on"), "spo2": ("spo2", "percent", "measured_on")}
_LEGACY_ANSWER_KEYS = ("intolerant_to_conventional_therapy",)


def parse_general_facts(doc: Any, catalogue: Catalogue) -> GeneralFacts:
    obj = _object(doc, "facts")
    evaluated = obj.get("evaluated_on")
    if evaluated is None:
        raise FactsError("evaluated_on", "required")
    reader = _Reader(catalogue)
    qualitative = reader.records(obj, "qualitative", reader.qualitative)
    qualitative += reader.records(obj, "serology", reader.qualitative)
    qualitative += reader.one_or_many(obj, "pregnancy_test", reader.pregnancy_test)
    measurements = reader.records(obj, "measurements", reader.measurement)
    for key, (code, value_key, date_key) in _LEGACY_MEASUREMENTS.items():
        if code in catalogue.measurements:
            measurements += reader.one_or_many(obj, key, lambda o, p, c=code, v=value_key, d=date_key:
                                               reader.legacy_measurement(o, p, c, v, d))
    treatments = obj.get("treatments")
    return GeneralFacts(
        evaluated_on=read_date(evaluated, "evaluated_on"),
        attributes=reader.patient(obj.get("patient")),
        consent=reader.consent(obj.get("consent")),
        labs=reader.records(obj, "labs", reader.lab),
        qualitative=qualitative,
        measurements=measurements,
        instruments=reader.instruments(obj),
        treatments=None if treatments is None else reader.records(obj, "treatments", reader.treatment),
        answers=reader.answers(obj),
    )


class _Reader:
    def __init__(self, catalogue: Catalogue) -> None:
        self.catalogue = catalogue

    # -- shapes --------------------------------------------------------------------------------------------

    def records(self, obj: Mapping[str, Any], key: str, build) -> tuple[Any, ...]:
        value = obj.get(key)
        if value is None:
            return ()
        if not isinstance(value, list):
            raise FactsError(key, f"expected a list, got {_show(value)}")
        return tuple(build(_object(item, f"{key}[{i}]"), f"{key}[{i}]") for i, item in enumerate(value))

    def one_or_many(self, obj: Mapping[str, Any], key: str, build) -> tuple[Any, ...]:
        value = obj.get(key)
        if value is None:
            return ()
        if isinstance(value, list):
            return self.records(obj, key, build)
        return (build(_object(value, key), key),)

    @staticmethod
    def required(obj: Mapping[str, Any], key: str, path: str) -> Any:
        value = obj.get(key)
        if value is None:
            raise FactsError(f"{path}.{key}", "required")
        return value

    def code(self, obj: Mapping[str, Any], key: str, path: str, known: Mapping[str, Any] | tuple,
             what: str = "") -> str:
        """A code of the catalogue (`what` names the kind of item) or one of a fixed set of choices."""
        value = self.required(obj, key, path)
        if not isinstance(value, str) or value not in known:
            listed = ", ".join(repr(code) for code in known) or "none"
            if what:
                raise FactsError(f"{path}.{key}", f"unknown {what} {_show(value)} (the protocol's: {listed})")
            raise FactsError(f"{path}.{key}", f"expected one of {listed}, got {_show(value)}")
        return value

    @staticmethod
    def flag(obj: Mapping[str, Any], key: str, path: str) -> bool | None:
        value = obj.get(key)
        if value is None or isinstance(value, bool):
            return value
        raise FactsError(f"{path}.{key}", f"expected true, false or null, got {_show(value)}")

    def source(self, obj: Mapping[str, Any], path: str) -> str:
        value = obj.get("source", "screening")
        if value not in ("screening", HISTORY):
            raise FactsError(f"{path}.source", f"expected 'screening' or 'history', got {_show(value)}")
        return value

    # -- sections ------------------------------------------------------------------------------------------

    def patient(self, value: Any) -> Mapping[str, Any]:
        if value is None:
            return MappingProxyType({})
        obj = _object(value, "patient")
        attributes: dict[str, Any] = {}
        for code, item in self.catalogue.attributes.items():
            raw = obj.get(code)
            path = f"patient.{code}"
            if raw is None:
                continue
            if item.type is AttributeType.BOOLEAN:
                attributes[code] = self.flag(obj, code, "patient")
            elif item.type is AttributeType.NUMBER:
                attributes[code] = read_number(raw, path)
            elif item.type is AttributeType.DATE:
                attributes[code] = read_date(raw, path)
            else:
                attributes[code] = self.code(obj, code, "patient", item.choices)
        return MappingProxyType(attributes)

    def consent(self, value: Any) -> Consent | None:
        if value is None:
            return None
        obj = _object(value, "consent")
        signer = self.code(obj, "signer", "consent", tuple(s.value for s in Signer))
        withdrawn = obj.get("withdrawn_on")
        return Consent(
            signed_on=read_date(self.required(obj, "signed_on", "consent"), "consent.signed_on"),
            signer=Signer(signer),
            icf_version=_string(self.required(obj, "icf_version", "consent"), "consent.icf_version"),
            withdrawn_on=None if withdrawn is None else read_date(withdrawn, "consent.withdrawn_on"),
        )

    def lab(self, obj: Mapping[str, Any], path: str) -> LabRecord:
        test = self.code(obj, "test", path, self.catalogue.labs, "laboratory test")
        item = self.catalogue.labs[test]
        unit = self.required(obj, "unit", path)
        if not isinstance(unit, str):
            raise FactsError(f"{path}.unit", f"expected a unit, got {_show(unit)}")
        uln = obj.get("uln")
        if uln is None and item.uln:
            raise FactsError(f"{path}.uln", "required: the protocol records a ULN with every value of this test")
        lln = obj.get("lln")
        if lln is None and item.lln:
            raise FactsError(f"{path}.lln", "required: the protocol records an LLN with every value of this test")
        return LabRecord(
            ref=path, test=test,
            value=read_number(self.required(obj, "value", path), f"{path}.value"),
            unit=unit,  # an unaccepted unit is the criterion's business (needs review), not a parse error
            uln=None if uln is None else read_number(uln, f"{path}.uln"),
            on=read_date(self.required(obj, "collected_on", path), f"{path}.collected_on"),
            source=self.source(obj, path),
            lln=None if lln is None else read_number(lln, f"{path}.lln", positive=True),
        )

    def qualitative(self, obj: Mapping[str, Any], path: str) -> QualitativeRecord:
        test = self.code(obj, "test", path, self.catalogue.qualitative, "qualitative test")
        item = self.catalogue.qualitative[test]
        result = self.code(obj, "result", path, item.results)
        titer = obj.get("titer")
        specimen = obj.get("specimen", "")
        if specimen and item.specimens:
            specimen = self.code(obj, "specimen", path, item.specimens)
        return QualitativeRecord(
            ref=path, test=test, result=result,
            on=read_date(self.required(obj, "collected_on", path), f"{path}.collected_on"),
            titer=None if titer is None else read_number(titer, f"{path}.titer", positive=True),
            specimen=specimen if isinstance(specimen, str) else "",
            source=self.source(obj, path),
        )

    def pregnancy_test(self, obj: Mapping[str, Any], path: str) -> QualitativeRecord:
        return self.qualitative({**obj, "test": "pregnancy_test"}, path)

    def measurement(self, obj: Mapping[str, Any], path: str) -> MeasurementRecord:
        code = self.code(obj, "item", path, self.catalogue.measurements, "measurement")
        item = self.catalogue.measurements[code]
        unit = obj.get("unit", "")
        if not isinstance(unit, str):
            raise FactsError(f"{path}.unit", f"expected a unit, got {_show(unit)}")
        flags = {item.required_flag: self.flag(obj, item.required_flag, path)} if item.required_flag else {}
        return MeasurementRecord(
            ref=path, item=code,
            value=read_number(self.required(obj, "value", path), f"{path}.value"),
            on=read_date(self.required(obj, "measured_on", path), f"{path}.measured_on"),
            unit=unit, flags=MappingProxyType(flags), source=self.source(obj, path),
        )

    def legacy_measurement(self, obj: Mapping[str, Any], path: str, code: str, value_key: str,
                           date_key: str) -> MeasurementRecord:
        item = self.catalogue.measurements[code]
        flags = {item.required_flag: self.flag(obj, item.required_flag, path)} if item.required_flag else {}
        return MeasurementRecord(
            ref=path, item=code,
            value=read_number(self.required(obj, value_key, path), f"{path}.{value_key}"),
            on=read_date(self.required(obj, date_key, path), f"{path}.{date_key}"),
            unit=item.unit, flags=MappingProxyType(flags), date_key=date_key,
        )

    def instruments(self, obj: Mapping[str, Any]) -> tuple[InstrumentRecord, ...]:
        found: list[InstrumentRecord] = []
        given = obj.get("instruments")
        sections: list[tuple[str, str, Any]] = []
        if given is not None:
            for name, value in _object(given, "instruments").items():
                sections.append((name, f"instruments.{name}", value))
        for name in ("sledai_2k", "eular_acr_2019"):  # today's format: top-level sections
            if obj.get(name) is not None:
                sections.append((name, name, obj[name]))
        for name, path, value in sections:
            if name not in self.catalogue.instruments:
                if path.startswith("instruments."):
                    listed = ", ".join(self.catalogue.instruments) or "none"
                    raise FactsError(path, f"unknown instrument (the protocol's: {listed})")
                continue
            values = value if isinstance(value, list) else [value]
            for i, record in enumerate(values):
                ref = f"{path}[{i}]" if isinstance(value, list) else path
                found.append(self.instrument(name, _object(record, ref), ref))
        return tuple(found)

    def instrument(self, name: str, obj: Mapping[str, Any], path: str) -> InstrumentRecord:
        instrument = INSTRUMENTS[name]
        key = "descriptors" if name == "sledai_2k" else "criteria"
        raw = self.required(obj, key, path)
        if not isinstance(raw, list):
            raise FactsError(f"{path}.{key}", f"expected a list, got {_show(raw)}")
        codes = []
        for i, code in enumerate(raw):
            if not isinstance(code, str) or code not in instrument.codes:
                raise FactsError(f"{path}.{key}[{i}]", f"unknown code {_show(code)}")
            codes.append(code)
        on = None
        if instrument.dated:
            on = read_date(self.required(obj, "assessed_on", path), f"{path}.assessed_on")
        elif obj.get("assessed_on") is not None:
            on = read_date(obj["assessed_on"], f"{path}.assessed_on")
        flags = {flag: self.flag(obj, flag, path) for flag in instrument.flags}
        return InstrumentRecord(path, name, tuple(dict.fromkeys(codes)), MappingProxyType(flags), on)

    def treatment(self, obj: Mapping[str, Any], path: str) -> TreatmentRecord:
        started = read_date(self.required(obj, "started_on", path), f"{path}.started_on")
        stopped = obj.get("stopped_on")
        stopped_on = None if stopped is None else read_date(stopped, f"{path}.stopped_on")
        if stopped_on is not None and stopped_on < started:
            raise FactsError(f"{path}.stopped_on",
                             f"{stopped_on.isoformat()} is before started_on {started.isoformat()}")
        dose = obj.get("dose_mg_per_day")
        return TreatmentRecord(
            ref=path,
            drug=" ".join(_string(self.required(obj, "drug", path), f"{path}.drug").split()),
            started_on=started, stopped_on=stopped_on,
            dose_mg_per_day=None if dose is None else read_number(dose, f"{path}.dose_mg_per_day"),
        )

    def answers(self, obj: Mapping[str, Any]) -> Mapping[str, Any]:
        answers: dict[str, Any] = {}
        given: list[tuple[str, str, Any]] = []
        for section in ("answers", "attestations"):
            if obj.get(section) is not None:
                for key, value in _object(obj[section], section).items():
                    given.append((key, f"{section}.{key}", value))
        given += [(key, key, obj[key]) for key in _LEGACY_ANSWER_KEYS if key in obj]
        for key, path, value in given:
            question = self.catalogue.questions.get(key)
            if question is None:
                if path.startswith("answers."):
                    raise FactsError(path, "not a question of the protocol")
                continue  # today's format: keys the protocol does not ask are ignored
            if value is None:
                continue
            if question.choices:
                if not isinstance(value, str) or value not in question.choices:
                    listed = ", ".join(repr(c) for c in question.choices)
                    raise FactsError(path, f"expected one of {listed}, got {_show(value)}")
            elif not isinstance(value, bool):
                raise FactsError(path, f"expected true, false or null, got {_show(value)}")
            answers[key] = value
        return MappingProxyType(answers)


def answer_ref(key: str) -> str:
    """Where an answer stands in today's documents (`attestations.x`, the top-level intolerance flag)."""
    return key if key in _LEGACY_ANSWER_KEYS else f"attestations.{key}"
