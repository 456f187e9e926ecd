"""The screening facts document (screening-facts.md) as frozen dataclasses.

The portal builds one plain JSON document of facts about a candidate and the engine evaluates it. Parsing
is strict about what it recognises (types, enum values, dates) and lenient about what it does not (unknown
keys are ignored), so a typo never silently turns into "data missing" while a newer portal can add keys
without breaking an older engine. Absent optional sections are not errors: they become `None` / empty and
the criteria that need them report `missing`.

Every error names the key path in the document (`labs[2].collected_on`), because the person fixing it is
looking at the form or the JSON, not at this code.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from .calculators import EULAR_ACR_2019_CRITERIA, SLEDAI_2K_WEIGHTS


class FactsError(ValueError):
    """A malformed facts document; `key` is the path of the offending key (`labs[2].collected_on`)."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(f"{key}: {message}")
        self.key = key
        self.message = message


class Sex(StrEnum):
    FEMALE = "female"
    MALE = "male"


class Signer(StrEnum):
    PATIENT = "patient"
    GUARDIAN = "guardian"


class LabTest(StrEnum):
    CREATININE = "creatinine"
    ALT = "alt"
    AST = "ast"
    TOTAL_BILIRUBIN = "total_bilirubin"


class SerologyTest(StrEnum):
    ANA = "ana"
    ANTI_DSDNA = "anti_dsdna"


class Outcome(StrEnum):
    """A qualitative test result."""

    POSITIVE = "positive"
    NEGATIVE = "negative"


class DrugClass(StrEnum):
    ANTIMALARIAL = "antimalarial"
    GLUCOCORTICOID = "glucocorticoid"
    IMMUNOSUPPRESSANT = "immunosuppressant"
    BIOLOGIC = "biologic"


class Specimen(StrEnum):
    SERUM = "serum"
    URINE = "urine"


class ContraceptionMethod(StrEnum):
    IUD = "iud"
    IMPLANT = "implant"
    IUS = "ius"
    VASECTOMISED_PARTNER = "vasectomised_partner"
    COMBINED_HORMONAL = "combined_hormonal"
    PROGESTOGEN_ONLY = "progestogen_only"
    ABSTINENCE = "abstinence"
    BARRIER = "barrier"
    SAFE_PERIOD = "safe_period"


LAB_UNITS = ("umol/L", "mg/dL", "U/L")

# Attestation keys screening-facts.md defines; other true/false/null keys are kept too, so a protocol's
# attestation-kind exclusion criteria can ask for keys this module has never heard of.
KNOWN_ATTESTATIONS = (
    "no_serious_mental_disorder",
    "apheresis_suitable",
    "contraception_agreed",
    "no_gamete_donation_agreed",
)


@dataclass(frozen=True)
class Patient:
    date_of_birth: date | None = None
    sex: Sex | None = None
    weight_kg: float | None = None
    childbearing_potential: bool | None = None
    gilbert_syndrome: bool | None = None
    liver_involvement: bool | None = None


@dataclass(frozen=True)
class Consent:
    signed_on: date
    signer: Signer
    icf_version: str
    withdrawn_on: date | None = None


@dataclass(frozen=True)
class Lab:
    test: LabTest
    value: float
    unit: str
    uln: float
    collected_on: date


@dataclass(frozen=True)
class Serology:
    test: SerologyTest
    result: Outcome
    collected_on: date
    titer: float | None = None


@dataclass(frozen=True)
class SledaiAssessment:
    assessed_on: date
    descriptors: tuple[str, ...]


@dataclass(frozen=True)
class EularAcrFacts:
    ana_ever_1_80_hep2: bool | None
    criteria: tuple[str, ...]


@dataclass(frozen=True)
class Treatment:
    drug: str
    drug_class: DrugClass
    started_on: date
    stopped_on: date | None = None
    dose_mg_per_day: float | None = None


@dataclass(frozen=True)
class Echo:
    lvef_percent: float
    performed_on: date
    ref: str = "echo"  # where it stands in the document: `echo`, or `echo[1]` when a list was given


@dataclass(frozen=True)
class Spo2:
    percent: float
    room_air: bool | None
    measured_on: date
    ref: str = "spo2"


@dataclass(frozen=True)
class PregnancyTest:
    specimen: Specimen
    result: Outcome
    collected_on: date
    ref: str = "pregnancy_test"


@dataclass(frozen=True)
class Attestations:
    """Investigator decisions: `True`/`False` as recorded, `None` when not yet decided."""

    answers: Mapping[str, bool | None]
    contraception_method: ContraceptionMethod | None = None

    def answer(self, key: str) -> bool | None:
        return self.answers.get(key)


@dataclass(frozen=True)
class Facts:
    """One candidate's screening facts. Tuples keep the document's order: `labs[i]` is `facts.labs[i]`."""

    evaluated_on: date
    patient: Patient | None = None
    consent: Consent | None = None
    labs: tuple[Lab, ...] = ()
    serology: tuple[Serology, ...] = ()
    sledai_2k: SledaiAssessment | None = None
    eular_acr_2019: EularAcrFacts | None = None
    # None: the treatment history was not given at all; (): it was given and is empty.
    treatments: tuple[Treatment, ...] | None = None
    intolerant_to_conventional_therapy: bool | None = None
    # One object or a list of them in the document; every one is kept, so that the engine can see two
    # results of one day that disagree, or a positive pregnancy test behind a newer negative one.
    echo: tuple[Echo, ...] = ()
    spo2: tuple[Spo2, ...] = ()
    pregnancy_test: tuple[PregnancyTest, ...] = ()
    attestations: Attestations | None = None


def parse_facts(doc: Any) -> Facts:
    """Validate a decoded facts document and build `Facts`; raise `FactsError` naming the key on any defect."""
    obj = _object(doc, "facts")
    return Facts(
        evaluated_on=_date(_required(obj, "evaluated_on", ""), "evaluated_on"),
        patient=_section(obj, "patient", _patient),
        consent=_section(obj, "consent", _consent),
        labs=_records(obj, "labs", _lab) or (),
        serology=_records(obj, "serology", _serology) or (),
        sledai_2k=_section(obj, "sledai_2k", _sledai),
        eular_acr_2019=_section(obj, "eular_acr_2019", _eular_acr),
        treatments=_records(obj, "treatments", _treatment),
        intolerant_to_conventional_therapy=_optional_bool(obj, "intolerant_to_conventional_therapy", ""),
        echo=_one_or_many(obj, "echo", _echo),
        spo2=_one_or_many(obj, "spo2", _spo2),
        pregnancy_test=_one_or_many(obj, "pregnancy_test", _pregnancy_test),
        attestations=_section(obj, "attestations", _attestations),
    )


# -- sections -------------------------------------------------------------------------------------------


def _patient(obj: Mapping[str, Any], path: str) -> Patient:
    dob = obj.get("date_of_birth")
    weight = obj.get("weight_kg")
    return Patient(
        date_of_birth=None if dob is None else _date(dob, f"{path}.date_of_birth"),
        sex=_optional_enum(obj, "sex", path, Sex),
        # Any number: the protocol's plausibility limits judge it (6.4 typed for 64 kg is needs_review).
        weight_kg=None if weight is None else _number(weight, f"{path}.weight_kg"),
        childbearing_potential=_optional_bool(obj, "childbearing_potential", path),
        gilbert_syndrome=_optional_bool(obj, "gilbert_syndrome", path),
        liver_involvement=_optional_bool(obj, "liver_involvement", path),
    )


def _consent(obj: Mapping[str, Any], path: str) -> Consent:
    withdrawn = obj.get("withdrawn_on")
    return Consent(
        signed_on=_date(_required(obj, "signed_on", path), f"{path}.signed_on"),
        signer=_enum(_required(obj, "signer", path), f"{path}.signer", Signer),
        icf_version=_string(_required(obj, "icf_version", path), f"{path}.icf_version"),
        withdrawn_on=None if withdrawn is None else _date(withdrawn, f"{path}.withdrawn_on"),
    )


def _lab(obj: Mapping[str, Any], path: str) -> Lab:
    return Lab(
        test=_enum(_required(obj, "test", path), f"{path}.test", LabTest),
        # Value and ULN are judged by the protocol's plausibility limits for the test in its unit, not here.
        value=_number(_required(obj, "value", path), f"{path}.value"),
        unit=_choice(_required(obj, "unit", path), f"{path}.unit", LAB_UNITS),
        uln=_number(_required(obj, "uln", path), f"{path}.uln"),
        collected_on=_date(_required(obj, "collected_on", path), f"{path}.collected_on"),
    )


def _serology(obj: Mapping[str, Any], path: str) -> Serology:
    titer = obj.get("titer")
    return Serology(
        test=_enum(_required(obj, "test", path), f"{path}.test", SerologyTest),
        result=_enum(_required(obj, "result", path), f"{path}.result", Outcome),
        collected_on=_date(_required(obj, "collected_on", path), f"{path}.collected_on"),
        titer=None if titer is None else _number(titer, f"{path}.titer", positive=True),
    )


def _sledai(obj: Mapping[str, Any], path: str) -> SledaiAssessment:
    return SledaiAssessment(
        assessed_on=_date(_required(obj, "assessed_on", path), f"{path}.assessed_on"),
        descriptors=_codes(_required(obj, "descriptors", path), f"{path}.descriptors", SLEDAI_2K_WEIGHTS),
    )


def _eular_acr(obj: Mapping[str, Any], path: str) -> EularAcrFacts:
    return EularAcrFacts(
        ana_ever_1_80_hep2=_optional_bool(obj, "ana_ever_1_80_hep2", path),
        criteria=_codes(_required(obj, "criteria", path), f"{path}.criteria", EULAR_ACR_2019_CRITERIA),
    )


def _treatment(obj: Mapping[str, Any], path: str) -> Treatment:
    started = _date(_required(obj, "started_on", path), f"{path}.started_on")
    stopped_raw = obj.get("stopped_on")
    stopped = None if stopped_raw is None else _date(stopped_raw, f"{path}.stopped_on")
    if stopped is not None and stopped < started:
        raise FactsError(f"{path}.stopped_on", f"{stopped.isoformat()} is before started_on {started.isoformat()}")
    dose = obj.get("dose_mg_per_day")
    return Treatment(
        # As written: the protocol's dictionary maps names and synonyms, ignoring case, spaces and hyphens.
        drug=" ".join(_string(_required(obj, "drug", path), f"{path}.drug").split()),
        drug_class=_enum(_required(obj, "class", path), f"{path}.class", DrugClass),
        started_on=started,
        stopped_on=stopped,
        dose_mg_per_day=None if dose is None else _number(dose, f"{path}.dose_mg_per_day"),
    )


# Percentages are any number here: a fraction typed for a percentage (0.96) or 620 for 62 is the
# protocol's plausibility limits' business, reported as needs_review naming the value.
def _echo(obj: Mapping[str, Any], path: str) -> Echo:
    return Echo(
        lvef_percent=_number(_required(obj, "lvef_percent", path), f"{path}.lvef_percent"),
        performed_on=_date(_required(obj, "performed_on", path), f"{path}.performed_on"),
        ref=path,
    )


def _spo2(obj: Mapping[str, Any], path: str) -> Spo2:
    return Spo2(
        percent=_number(_required(obj, "percent", path), f"{path}.percent"),
        room_air=_optional_bool(obj, "room_air", path),
        measured_on=_date(_required(obj, "measured_on", path), f"{path}.measured_on"),
        ref=path,
    )


def _pregnancy_test(obj: Mapping[str, Any], path: str) -> PregnancyTest:
    return PregnancyTest(
        specimen=_enum(_required(obj, "specimen", path), f"{path}.specimen", Specimen),
        result=_enum(_required(obj, "result", path), f"{path}.result", Outcome),
        collected_on=_date(_required(obj, "collected_on", path), f"{path}.collected_on"),
        ref=path,
    )


def _attestations(obj: Mapping[str, Any], path: str) -> Attestations:
    answers: dict[str, bool | None] = {}
    for key, value in obj.items():
        if key in KNOWN_ATTESTATIONS:
            answers[key] = _optional_bool(obj, key, path)
        elif key != "contraception_method" and (value is None or isinstance(value, bool)):
            answers[key] = value
    return Attestations(
        answers=MappingProxyType(answers),
        contraception_method=_optional_enum(obj, "contraception_method", path, ContraceptionMethod),
    )


# -- value readers ----------------------------------------------------------------------------------------

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _show(value: Any) -> str:
    """Render a rejected value the way the author wrote it in JSON (strings quoted, `true`, `null`)."""
    if isinstance(value, str):
        return repr(value) if len(value) <= 60 else repr(value[:57] + "...")
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Mapping):
        return "an object"
    if isinstance(value, list):
        return "a list"
    shown = repr(value)
    return shown if len(shown) <= 60 else shown[:57] + "..."


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _object(value: Any, path: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise FactsError(path, f"expected an object, got {_show(value)}")
    return value


def _required(obj: Mapping[str, Any], key: str, path: str) -> Any:
    value = obj.get(key)
    if value is None:
        raise FactsError(_join(path, key), "required")
    return value


def _section(obj: Mapping[str, Any], key: str, build: Any) -> Any:
    value = obj.get(key)
    if value is None:
        return None
    return build(_object(value, key), key)


def _one_or_many(obj: Mapping[str, Any], key: str, build: Any) -> tuple[Any, ...]:
    """A section given as one object (`echo`) or as a list of them (`echo[0]`, `echo[1]`)."""
    value = obj.get(key)
    if value is None:
        return ()
    if isinstance(value, list):
        return _records(obj, key, build) or ()
    return (build(_object(value, key), key),)


def _records(obj: Mapping[str, Any], key: str, build: Any) -> tuple[Any, ...] | None:
    value = obj.get(key)
    if value is None:
        return None
    if not isinstance(value, list):
        raise FactsError(key, f"expected a list, got {_show(value)}")
    return tuple(build(_object(item, f"{key}[{i}]"), f"{key}[{i}]") for i, item in enumerate(value))


def _date(value: Any, path: str) -> date:
    # A `date` is accepted too, so the portal can build the document from model fields without formatting.
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str) and _ISO_DATE.fullmatch(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise FactsError(path, f"expected a date YYYY-MM-DD, got {_show(value)}")


def _number(value: Any, path: str, *, minimum: float | None = None, positive: bool = False) -> float:
    # bool is an int in Python but `true` is never a number in a facts document; NaN/Infinity (which
    # json.loads accepts) and values too large for a float would poison every comparison downstream.
    # Decimal (Django's DecimalField) is accepted so the portal need not convert.
    number = math.nan
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        try:
            number = float(value)
        except (ValueError, OverflowError):  # signalling NaN, integers beyond float range
            pass
    if not math.isfinite(number):
        raise FactsError(path, f"expected a number, got {_show(value)}")
    if positive and number <= 0:
        raise FactsError(path, f"expected a number greater than 0, got {_show(value)}")
    if minimum is not None and number < minimum:
        raise FactsError(path, f"expected a number >= {minimum:g}, got {_show(value)}")
    return number


def _string(value: Any, path: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise FactsError(path, f"expected a non-empty string, got {_show(value)}")
    return value


def _choice(value: Any, path: str, choices: tuple[str, ...] | Mapping[str, Any]) -> str:
    if not isinstance(value, str) or value not in choices:
        allowed = ", ".join(repr(c) for c in choices)
        raise FactsError(path, f"expected one of {allowed}, got {_show(value)}")
    return value


def _enum(value: Any, path: str, enum: type[StrEnum]) -> Any:
    return enum(_choice(value, path, tuple(member.value for member in enum)))


def _optional_enum(obj: Mapping[str, Any], key: str, path: str, enum: type[StrEnum]) -> Any:
    value = obj.get(key)
    return None if value is None else _enum(value, _join(path, key), enum)


def _optional_bool(obj: Mapping[str, Any], key: str, path: str) -> bool | None:
    value = obj.get(key)
    if value is None or isinstance(value, bool):
        return value
    raise FactsError(_join(path, key), f"expected true, false or null, got {_show(value)}")


def _codes(value: Any, path: str, known: Mapping[str, Any]) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise FactsError(path, f"expected a list, got {_show(value)}")
    codes = []
    for i, code in enumerate(value):
        if not isinstance(code, str) or code not in known:
            raise FactsError(f"{path}[{i}]", f"unknown code {_show(code)}")
        if code not in codes:
            codes.append(code)
    return tuple(codes)


# The general format's reader (general/facts.py) reads dates, numbers and objects with the same rules and words.
read_date, read_number, read_object, read_string, show = _date, _number, _object, _string, _show
