"""The engine's first protocol format (MC-1-50's bespoke criterion kinds), and what both formats share.

A file of the first format (no `format = 2`) is validated here, strictly (unknown keys, unknown criterion
kinds, missing thresholds and wrong types are all refused, naming the key), then read as the general format
(`first_format.py`): protocol versions stored before the general format keep evaluating. The dose levels,
reminder schedules, lab specifications and drug lists defined here are shared with the general format.
"""

from __future__ import annotations

import dataclasses
import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from pathlib import Path
from types import MappingProxyType
from typing import Any

from .catalogue import LANGUAGES, Limits, Spellings, drug_key
from .results import ExclusionCriteriaStatus
from .toml_tables import ParamType, ProtocolError, read_protocol_file
from .toml_tables import Table as _Table
from .toml_tables import choice as _choice
from .toml_tables import is_number as _is_number

RITUXIMAB = "rituximab"


# The first format's vocabulary: the tests, classes and methods its bespoke kinds know.


class Sex(StrEnum):
    FEMALE = "female"
    MALE = "male"


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
class KindSpec:
    """What a criterion kind needs from the protocol: its thresholds and the lab tests it reads."""

    required: Mapping[str, ParamType]
    optional: Mapping[str, ParamType] = field(default_factory=lambda: MappingProxyType({}))
    lab_tests: tuple[str, ...] = ()


_N, _I, _S = ParamType.NUMBER, ParamType.INTEGER, ParamType.STRING

# The first format's criterion kinds (first_format.py writes each as general kinds).
CRITERION_KINDS: Mapping[str, KindSpec] = MappingProxyType(
    {
        "consent": KindSpec({}, {"approved_icf_versions": ParamType.STRING_LIST}),
        "age": KindSpec({"min_age_years": _I}),
        "eular_acr_2019": KindSpec({"min_points": _I}),
        "refractory_therapy": KindSpec(
            {
                "min_antimalarials": _I,
                "min_glucocorticoid_mg_per_kg_day": _N,
                "min_immunosuppressants": _I,
                "min_biologics": _I,
                "min_treatment_months": _I,
            }
        ),
        "sledai_2k": KindSpec({"min_score": _I}),
        "autoantibodies": KindSpec({}),
        "lvef": KindSpec({"min_lvef_percent": _N}),
        "renal_function": KindSpec(
            {"creatinine_max_uln": _N, "min_crcl_ml_min": _N}, lab_tests=(LabTest.CREATININE,)
        ),
        "liver_enzymes": KindSpec(
            {"alt_ast_max_uln": _N, "alt_ast_relaxed_uln": _N}, lab_tests=(LabTest.ALT, LabTest.AST)
        ),
        "bilirubin": KindSpec(
            {"total_bilirubin_max_uln": _N, "gilbert_max_uln": _N}, lab_tests=(LabTest.TOTAL_BILIRUBIN,)
        ),
        "oxygen_saturation": KindSpec({"min_spo2_percent": _N}),
        "attestation": KindSpec({"attestation": _S}),
        "pregnancy_contraception": KindSpec({}),
    }
)


@dataclass(frozen=True)
class Criterion:
    code: str
    kind: str
    names: Mapping[str, str]  # language code ("en", "zh-hans") -> display name
    params: Mapping[str, Any]  # thresholds and options, as declared by CRITERION_KINDS[kind]


@dataclass(frozen=True)
class LabSpec:
    test: str
    canonical_unit: str
    units: Mapping[str, float]  # accepted unit -> factor converting it to the canonical unit
    plausible_min: float  # canonical unit; outside this a value is more likely an entry error than a result
    plausible_max: float
    # Canonical unit: a site's ULN outside these is impossible for the test, so the unit is probably wrong
    # (a mg/dL ULN of 1.1 recorded as umol/L would make every creatinine look 80 times too high).
    uln_min: float = 0.0
    uln_max: float = math.inf
    names: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))  # by language
    loinc: str = ""

    def limits_in(self, unit: str) -> Limits:
        """The value's plausibility limits expressed in `unit` (an accepted unit)."""
        return Limits(self.plausible_min / self.units[unit], self.plausible_max / self.units[unit])

    def uln_limits_in(self, unit: str) -> Limits:
        return Limits(self.uln_min / self.units[unit], self.uln_max / self.units[unit])


@dataclass(frozen=True)
class Plausibility:
    """Limits of the numbers a criterion reads besides lab values (those are per test, in `LabSpec`)."""

    weight_kg: Limits
    lvef_percent: Limits
    spo2_percent: Limits
    glucocorticoid_prednisone_mg_per_day: Limits  # a glucocorticoid daily dose, as prednisone equivalent


@dataclass(frozen=True)
class DrugLists:
    """Drugs that count towards each class of conventional therapy (I03b). Exhaustive: amend to add one.

    `synonyms` maps every accepted spelling's `drug_key` (the drug's own name, its international names,
    abbreviations and salts) to the drug's name in the lists; a name it does not hold counts as nothing."""

    antimalarial: tuple[str, ...]
    glucocorticoid: tuple[str, ...]
    immunosuppressant: tuple[str, ...]
    biologic: tuple[str, ...]
    rituximab_counts: bool
    synonyms: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))

    def canonical(self, name: str) -> str | None:
        """The protocol's name for `name` (a synonym, any case or spacing), or None if it is not listed."""
        return self.synonyms.get(drug_key(name))

    def class_of(self, drug: str) -> DrugClass | None:
        name = self.canonical(drug)
        for drug_class in DrugClass:
            if name in getattr(self, drug_class.value):
                return drug_class
        return None


@dataclass(frozen=True)
class DoseLevels:
    unit: str
    levels: tuple[float, ...]


@dataclass(frozen=True)
class ReminderSchedule:
    applies_to: str  # "all" or "childbearing_potential"
    every_months: int  # after infusion
    until_month: int
    before_lymphodepletion_hours: int | None = None
    end_notice: bool = False


@dataclass(frozen=True)
class Reminders:
    overdue_after_days: int
    pregnancy_test: ReminderSchedule
    contraception: ReminderSchedule


@dataclass(frozen=True)
class Protocol:
    id: str
    version: str
    title: str
    effective_date: date
    screening_window_days: int
    criteria: tuple[Criterion, ...]
    exclusion_criteria_status: ExclusionCriteriaStatus
    exclusion_criteria_note: str
    exclusion_criteria: tuple[Criterion, ...]
    contraception_methods: Mapping[str, Mapping[str, str]]  # method code -> names by language
    contraception_sexes: Mapping[str, tuple[str, ...]]  # method code -> the sexes it is accepted for
    drugs: DrugLists
    glucocorticoid_factors: Mapping[str, float]  # drug -> mg prednisone per mg of drug (table C)
    dose_levels: DoseLevels
    reminders: Reminders
    lab_tests: Mapping[str, LabSpec]
    plausibility: Plausibility

    def methods_for(self, sex: str) -> tuple[str, ...]:
        """The contraception methods accepted for a subject of `sex`, in the protocol's order."""
        return tuple(code for code, sexes in self.contraception_sexes.items() if sex in sexes)


def load_protocol_file(path: str | Path) -> Protocol:
    """Read and validate a protocol TOML file. An unreadable file is a `ProtocolError` naming the path."""
    return load_protocol_text(read_protocol_file(path), source=str(path))


def load_protocol_text(text: str, source: str = "protocol") -> Protocol:
    """Parse and validate protocol TOML text; `source` names it in a syntax error (the file path)."""
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ProtocolError(source, f"invalid TOML: {exc}") from None
    root = _Table(doc, "")
    root.allow(
        "id",
        "version",
        "title",
        "effective_date",
        "screening_window_days",
        "exclusion_criteria_status",
        "exclusion_criteria_note",
        "criteria",
        "exclusion_criteria",
        "contraception_methods",
        "drugs",
        "glucocorticoid_factors",
        "dose_levels",
        "reminders",
        "lab_tests",
        "plausibility",
        "drug_synonyms",
    )
    identity = {
        "id": root.string("id"),
        "version": root.string("version"),
        "title": root.string("title"),
        "effective_date": root.calendar_date("effective_date"),
        "screening_window_days": root.integer("screening_window_days", minimum=1),
    }
    lab_tests = _lab_tests(root.table("lab_tests"))
    criteria = _criteria(root.table("criteria"), lab_tests)
    if not criteria:
        raise ProtocolError("criteria", "at least one criterion is required")
    exclusion_status = _choice(
        root.string("exclusion_criteria_status"), "exclusion_criteria_status", ExclusionCriteriaStatus
    )
    exclusions = _criteria(root.table("exclusion_criteria", default={}), lab_tests)
    for criterion in exclusions:
        if any(criterion.code == inclusion.code for inclusion in criteria):
            raise ProtocolError(f"exclusion_criteria.{criterion.code}", "code already used by an inclusion criterion")
    if exclusion_status is ExclusionCriteriaStatus.NOT_PROVIDED and exclusions:
        raise ProtocolError("exclusion_criteria", "must be empty while exclusion_criteria_status is 'not_provided'")
    if exclusion_status is ExclusionCriteriaStatus.PROVIDED and not exclusions:
        raise ProtocolError("exclusion_criteria", "required when exclusion_criteria_status is 'provided'")
    factors = _glucocorticoid_factors(root.table("glucocorticoid_factors"))
    methods, sexes = _contraception_methods(root.table("contraception_methods"))
    drugs = _drugs(root.table("drugs"), tuple(factors))
    return Protocol(
        **identity,
        criteria=criteria,
        exclusion_criteria_status=exclusion_status,
        exclusion_criteria_note=root.string("exclusion_criteria_note", default=""),
        exclusion_criteria=exclusions,
        contraception_methods=methods,
        contraception_sexes=sexes,
        drugs=_drug_synonyms(root.table("drug_synonyms", default={}), drugs),
        glucocorticoid_factors=factors,
        dose_levels=load_dose_levels(root.table("dose_levels")),
        reminders=load_reminders(root.table("reminders")),
        lab_tests=lab_tests,
        plausibility=_plausibility(root.table("plausibility")),
    )


# -- sections -----------------------------------------------------------------------------------------------


def _criteria(table: _Table, lab_tests: Mapping[str, LabSpec]) -> tuple[Criterion, ...]:
    criteria = []
    for code in table.keys():
        entry = table.table(code)
        kind = entry.string("kind")
        spec = CRITERION_KINDS.get(kind)
        if spec is None:
            known = ", ".join(CRITERION_KINDS)
            raise ProtocolError(entry.key("kind"), f"unknown criterion kind {kind!r} (known: {known})")
        entry.allow("kind", "name", *spec.required, *spec.optional)
        params = {name: entry.param(name, kind_) for name, kind_ in spec.required.items()}
        params.update(
            {name: entry.param(name, kind_) for name, kind_ in spec.optional.items() if name in entry.data}
        )
        for test in spec.lab_tests:
            if test not in lab_tests:
                raise ProtocolError(f"lab_tests.{test}", f"required by {entry.path} ({kind})")
        criteria.append(
            Criterion(code=code, kind=kind, names=_names(entry.table("name")), params=MappingProxyType(params))
        )
    return tuple(criteria)


def _names(table: _Table, *other_keys: str) -> Mapping[str, str]:
    """A name in each language; ``other_keys``: the entry's keys besides the names (read by the caller)."""
    table.allow(*LANGUAGES, *other_keys)
    return MappingProxyType({language: table.string(language) for language in LANGUAGES})


def _lab_tests(table: _Table) -> Mapping[str, LabSpec]:
    specs = {}
    for test in table.keys():
        entry = table.table(test)
        _choice(test, entry.path, LabTest)
        entry.allow("canonical_unit", "units", "plausible_min", "plausible_max", "uln_plausible_min",
                    "uln_plausible_max")
        units_table = entry.table("units")
        units = {}
        for unit in units_table.keys():
            _choice(unit, units_table.key(unit), LAB_UNITS)
            units[unit] = units_table.number(unit, positive=True)
        canonical = entry.string("canonical_unit")
        if units.get(canonical) != 1:
            raise ProtocolError(entry.key("canonical_unit"), f"{canonical!r} must be listed in units with factor 1")
        # Positive: a zero creatinine would divide Cockcroft-Gault by zero instead of being flagged implausible.
        low, high = entry.number("plausible_min", positive=True), entry.number("plausible_max")
        if not low < high:
            raise ProtocolError(entry.key("plausible_max"), "must be greater than plausible_min")
        uln_low, uln_high = entry.number("uln_plausible_min", positive=True), entry.number("uln_plausible_max")
        if not uln_low < uln_high:
            raise ProtocolError(entry.key("uln_plausible_max"), "must be greater than uln_plausible_min")
        specs[test] = LabSpec(test, canonical, MappingProxyType(units), low, high, uln_low, uln_high)
    return MappingProxyType(specs)


def _limits(table: _Table, name: str) -> Limits:
    entry = table.table(name)
    entry.allow("min", "max")
    low, high = entry.number("min"), entry.number("max")
    if not low < high:
        raise ProtocolError(entry.key("max"), "must be greater than min")
    return Limits(low, high)


def _plausibility(table: _Table) -> Plausibility:
    names = ("weight_kg", "lvef_percent", "spo2_percent", "glucocorticoid_prednisone_mg_per_day")
    table.allow(*names)
    return Plausibility(**{name: _limits(table, name) for name in names})


def _contraception_methods(table: _Table) -> tuple[Mapping[str, Mapping[str, str]], Mapping[str, tuple[str, ...]]]:
    methods, sexes = {}, {}
    for code in table.keys():
        _choice(code, table.key(code), ContraceptionMethod)
        if code == ContraceptionMethod.SAFE_PERIOD:
            # The record excludes it explicitly; no amendment of this file may bring it back.
            raise ProtocolError(table.key(code), "the safe period method is never accepted")
        entry = table.table(code)
        methods[code] = _names(entry, "sexes")
        accepted = entry.strings("sexes")
        for i, sex in enumerate(accepted):
            _choice(sex, f"{entry.key('sexes')}[{i}]", Sex)
        if not accepted:
            raise ProtocolError(entry.key("sexes"), "name at least one sex the method is accepted for")
        sexes[code] = tuple(dict.fromkeys(accepted))
    if not methods:
        raise ProtocolError(table.path, "at least one accepted method is required")
    return MappingProxyType(methods), MappingProxyType(sexes)


def _glucocorticoid_factors(table: _Table) -> Mapping[str, float]:
    # Facts lower-case drug names before matching, so the protocol's names are lower-cased too.
    factors = {drug.strip().lower(): table.number(drug, positive=True) for drug in table.keys()}
    if not factors:
        raise ProtocolError(table.path, "at least one glucocorticoid is required")
    return MappingProxyType(factors)


def _drugs(table: _Table, glucocorticoids: tuple[str, ...]) -> DrugLists:
    table.allow("antimalarial", "immunosuppressant", "biologic", "rituximab_counts_as_biologic")
    rituximab_counts = table.boolean("rituximab_counts_as_biologic", default=False)
    biologic = _drug_names(table, "biologic")
    if RITUXIMAB in biologic:
        raise ProtocolError(table.key("biologic"), "list rituximab through rituximab_counts_as_biologic = true")
    lists = DrugLists(
        antimalarial=_drug_names(table, "antimalarial"),
        glucocorticoid=glucocorticoids,
        immunosuppressant=_drug_names(table, "immunosuppressant"),
        biologic=(*biologic, RITUXIMAB) if rituximab_counts else biologic,
        rituximab_counts=rituximab_counts,
    )
    seen: dict[str, str] = {}
    for drug_class in DrugClass:
        for drug in getattr(lists, drug_class.value):
            if drug in seen:
                raise ProtocolError(table.path, f"{drug!r} is listed as both {seen[drug]} and {drug_class.value}")
            seen[drug] = drug_class.value
    return lists


def _drug_synonyms(table: _Table, drugs: DrugLists) -> DrugLists:
    """Every listed drug under its own name, plus the synonyms of [drug_synonyms] (drug -> other names).
    Two drugs may not share a spelling: a name must mean one drug or the engine would have to guess."""
    listed = [drug for drug_class in DrugClass for drug in getattr(drugs, drug_class.value)]
    meaning = Spellings()
    add = meaning.add

    for drug in listed:
        add(drug, drug, table.path or "drugs")
    for drug in table.keys():
        name = drug.strip().lower()
        if name not in listed:
            raise ProtocolError(table.key(drug), f"{drug!r} is not a drug of [drugs] or [glucocorticoid_factors]")
        for i, synonym in enumerate(table.strings(drug)):
            add(synonym, name, f"{table.key(drug)}[{i}]")
    return dataclasses.replace(drugs, synonyms=MappingProxyType(dict(meaning)))


def _drug_names(table: _Table, name: str) -> tuple[str, ...]:
    return tuple(drug.strip().lower() for drug in table.strings(name))


def load_dose_levels(table: _Table) -> DoseLevels:
    table.allow("unit", "levels")
    levels = table.array("levels")
    for i, level in enumerate(levels):
        if not _is_number(level) or level <= 0:
            raise ProtocolError(f"{table.key('levels')}[{i}]", f"expected a positive number, got {level!r}")
    return DoseLevels(unit=table.string("unit"), levels=tuple(float(level) for level in levels))


def load_reminders(table: _Table) -> Reminders:
    table.allow("overdue_after_days", "pregnancy_test", "contraception")
    return Reminders(
        overdue_after_days=table.integer("overdue_after_days", minimum=1),
        pregnancy_test=_schedule(table.table("pregnancy_test")),
        contraception=_schedule(table.table("contraception")),
    )


def _schedule(table: _Table) -> ReminderSchedule:
    table.allow("applies_to", "every_months", "until_month", "before_lymphodepletion_hours", "end_notice")
    hours = table.data.get("before_lymphodepletion_hours")
    return ReminderSchedule(
        applies_to=_choice(table.string("applies_to"), table.key("applies_to"), ("all", "childbearing_potential")),
        every_months=table.integer("every_months", minimum=1),
        until_month=table.integer("until_month", minimum=1),
        before_lymphodepletion_hours=None if hours is None else table.integer("before_lymphodepletion_hours",
                                                                              minimum=1),
        end_notice=table.boolean("end_notice", default=False),
    )
