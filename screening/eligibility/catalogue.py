"""The protocol's catalogue of data items: what can be recorded about a candidate, in what units and limits.

Criteria name data items by their catalogue code; the loader refuses a criterion that reads an item the
catalogue lacks, so a typo stops the file at load rather than making every candidate "missing" for ever.
The kinds of item:

- laboratory tests: canonical unit, accepted units with the factor to the canonical unit, plausibility
  limits (canonical unit, converted for every other unit), whether a ULN is recorded with each value;
- qualitative tests: their result vocabulary, a titer if they have one, the specimens they come from;
- measurements (LVEF, SpO2, QTc, FVC ...): one unit, plausibility limits, a flag a reading must carry to
  count (SpO2 `room_air`);
- patient attributes (sex, date of birth, weight, childbearing potential, Gilbert syndrome ...);
- investigator questions: wording in each language, yes/no or a choice;
- the medication dictionary: drugs with synonyms, ATC code, classes, a prednisone-equivalence factor;
- instruments: chosen from the registry of validated calculators in `instruments.py`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType

from .instruments import INSTRUMENTS
from .toml_tables import ProtocolError, Table, choice

LANGUAGES = ("en", "zh-hans")
_CODE = re.compile(r"[a-z][a-z0-9_]*")


class AttributeType(StrEnum):
    BOOLEAN = "boolean"
    NUMBER = "number"
    DATE = "date"
    CHOICE = "choice"


class Validity(StrEnum):
    SCREENING = "screening"  # inside the screening window: on or after consent, at most N days old
    EVER = "ever"  # any date up to the evaluation date (a history finding, before consent too)


@dataclass(frozen=True)
class Limits:
    """Plausibility limits of a number, inclusive: outside them it is more likely mis-entered than true."""

    low: float
    high: float

    def contains(self, value: float) -> bool:
        return self.low <= value <= self.high

    def scaled(self, factor: float) -> Limits:
        return Limits(self.low / factor, self.high / factor)


@dataclass(frozen=True)
class Item:
    """What every data item has: its code, its name in each language and how long a record of it is valid."""

    code: str
    names: Mapping[str, str]
    loinc: str = ""
    window_days: int | None = None  # None: the protocol's screening window
    validity: Validity = Validity.SCREENING


@dataclass(frozen=True)
class LabItem(Item):
    canonical_unit: str = ""
    units: Mapping[str, float] = field(default_factory=dict)  # accepted unit -> factor to the canonical unit
    plausible: Limits = Limits(0, 0)
    uln: bool = False  # a ULN (the site's upper limit of normal) is recorded with each value
    uln_plausible: Limits | None = None  # canonical unit
    lln: bool = False  # an LLN (the site's lower limit of normal) is recorded with each value

    def limits_in(self, unit: str) -> Limits:
        return self.plausible.scaled(self.units[unit])

    def uln_limits_in(self, unit: str) -> Limits | None:
        return self.uln_plausible.scaled(self.units[unit]) if self.uln_plausible else None


@dataclass(frozen=True)
class QualitativeItem(Item):
    results: tuple[str, ...] = ("positive", "negative")
    titer: bool = False
    specimens: tuple[str, ...] = ()  # empty: the specimen is not recorded


@dataclass(frozen=True)
class MeasurementItem(Item):
    unit: str = ""
    plausible: Limits = Limits(0, 0)
    required_flag: str = ""  # a reading counts only when this flag is true (SpO2: room_air)


@dataclass(frozen=True)
class AttributeItem(Item):
    type: AttributeType = AttributeType.BOOLEAN
    choices: tuple[str, ...] = ()
    unit: str = ""
    plausible: Limits | None = None


@dataclass(frozen=True)
class QuestionItem(Item):
    choices: tuple[str, ...] = ()  # empty: a yes/no question


@dataclass(frozen=True)
class Drug:
    name: str
    classes: tuple[str, ...]
    synonyms: tuple[str, ...] = ()
    atc: str = ""
    prednisone_factor: float | None = None  # mg prednisone per mg of drug, for glucocorticoids


def drug_key(name: str) -> str:
    """A drug name as the dictionary matches it: case, spaces, hyphens and underscores ignored."""
    return re.sub(r"[\s_\-]+", "", name).casefold()


@dataclass(frozen=True)
class Dictionary:
    """The medication dictionary: every spelling (name, synonym) -> the drug it means."""

    drugs: Mapping[str, Drug]
    spellings: Mapping[str, str]

    def find(self, written: str) -> Drug | None:
        name = self.spellings.get(drug_key(written))
        return self.drugs[name] if name else None

    @property
    def classes(self) -> frozenset[str]:
        return frozenset(c for drug in self.drugs.values() for c in drug.classes)


@dataclass(frozen=True)
class Catalogue:
    labs: Mapping[str, LabItem]
    qualitative: Mapping[str, QualitativeItem]
    measurements: Mapping[str, MeasurementItem]
    attributes: Mapping[str, AttributeItem]
    questions: Mapping[str, QuestionItem]
    dictionary: Dictionary
    instruments: tuple[str, ...]
    # A glucocorticoid daily dose as prednisone equivalent outside these limits is probably mis-entered.
    prednisone_equivalent_plausible: Limits | None = None
    class_names: Mapping[str, Mapping[str, str]] = field(default_factory=dict)  # drug class -> names

    def kind_of(self, code: str) -> str | None:
        """Which section holds `code` ("labs", "measurements", ...), or None."""
        for section in ("labs", "qualitative", "measurements", "attributes", "questions"):
            if code in getattr(self, section):
                return section
        if code in self.instruments:
            return "instruments"
        return None


# -- loading ---------------------------------------------------------------------------------------------------


def load_catalogue(table: Table) -> Catalogue:
    table.allow("labs", "qualitative", "measurements", "attributes", "questions", "drugs", "instruments",
                "prednisone_equivalent_plausible", "drug_classes")
    instruments = table.strings("instruments") if "instruments" in table.data else ()
    for i, name in enumerate(instruments):
        choice(name, f"{table.key('instruments')}[{i}]", tuple(INSTRUMENTS))
    catalogue = Catalogue(
        labs=_section(table, "labs", _lab),
        qualitative=_section(table, "qualitative", _qualitative),
        measurements=_section(table, "measurements", _measurement),
        attributes=_section(table, "attributes", _attribute),
        questions=_section(table, "questions", _question),
        dictionary=_dictionary(table.table("drugs", default={})),
        instruments=tuple(dict.fromkeys(instruments)),
        prednisone_equivalent_plausible=(limits(table, "prednisone_equivalent_plausible")
                                         if "prednisone_equivalent_plausible" in table.data else None),
        class_names=_class_names(table.table("drug_classes", default={})),
    )
    for drug_class in catalogue.class_names:
        if drug_class not in catalogue.dictionary.classes:
            raise ProtocolError(f"catalogue.drug_classes.{drug_class}", "no drug of catalogue.drugs has this class")
    seen: dict[str, str] = {}
    for section in ("labs", "qualitative", "measurements", "attributes", "questions"):
        for code in getattr(catalogue, section):
            if code in seen:
                raise ProtocolError(f"catalogue.{section}.{code}", f"code already used in catalogue.{seen[code]}")
            if code in INSTRUMENTS:
                raise ProtocolError(f"catalogue.{section}.{code}", "code is the name of an instrument")
            seen[code] = section
    for name in catalogue.instruments:
        for need_section, need in INSTRUMENTS[name].needs:
            if need not in getattr(catalogue, need_section):
                raise ProtocolError(f"catalogue.{need_section}.{need}", f"required by the instrument {name!r}")
    return catalogue


def _class_names(table: Table) -> Mapping[str, Mapping[str, str]]:
    """`[catalogue.drug_classes] antimalarial = { en = "antimalarial", "zh-hans" = "抗疟药" }`: optional."""
    found = {}
    for drug_class in table.keys():
        entry = table.table(drug_class)
        entry.allow(*LANGUAGES)
        found[drug_class] = MappingProxyType({language: entry.string(language) for language in LANGUAGES})
    return MappingProxyType(found)


def names(table: Table, *other_keys: str, key: str = "name") -> Mapping[str, str]:
    """`key = { en = ..., "zh-hans" = ... }`: the text in every language."""
    entry = table.table(key)
    entry.allow(*LANGUAGES, *other_keys)
    return MappingProxyType({language: entry.string(language) for language in LANGUAGES})


def limits(table: Table, name: str) -> Limits:
    entry = table.table(name)
    entry.allow("min", "max")
    low, high = entry.number("min"), entry.number("max")
    if not low < high:
        raise ProtocolError(entry.key("max"), "must be greater than min")
    return Limits(low, high)


def _section(table: Table, name: str, build) -> Mapping[str, Item]:
    section = table.table(name, default={})
    items = {}
    for code in section.keys():
        if not _CODE.fullmatch(code):
            raise ProtocolError(section.key(code), "a code is lower case letters, digits and underscores")
        entry = section.table(code)
        items[code] = build(code, entry)
    return MappingProxyType(items)


_COMMON = ("name", "loinc", "window_days", "validity")


def _common(code: str, entry: Table) -> dict:
    window = entry.integer("window_days", minimum=1) if "window_days" in entry.data else None
    validity = choice(entry.string("validity", default="screening"), entry.key("validity"), Validity)
    if window is not None and validity is Validity.EVER:
        raise ProtocolError(entry.key("window_days"), "a window makes no sense with validity = 'ever'")
    return {"code": code, "names": names(entry), "loinc": entry.string("loinc", default=""),
            "window_days": window, "validity": validity}


def _lab(code: str, entry: Table) -> LabItem:
    entry.allow(*_COMMON, "canonical_unit", "units", "plausible", "uln", "uln_plausible", "lln")
    units_table = entry.table("units")
    units = {unit: units_table.number(unit, positive=True) for unit in units_table.keys()}
    canonical = entry.string("canonical_unit")
    if units.get(canonical) != 1:
        raise ProtocolError(entry.key("canonical_unit"), f"{canonical!r} must be listed in units with factor 1")
    plausible = limits(entry, "plausible")
    if plausible.low < 0:
        raise ProtocolError(entry.key("plausible.min"), "a laboratory value cannot be negative")
    uln = entry.boolean("uln", default=False)
    uln_plausible = limits(entry, "uln_plausible") if "uln_plausible" in entry.data else None
    if uln and uln_plausible is None:
        raise ProtocolError(entry.key("uln_plausible"), "required when a ULN is recorded (uln = true)")
    if uln_plausible is not None and (not uln or uln_plausible.low <= 0):
        raise ProtocolError(entry.key("uln_plausible"), "needs uln = true and a minimum greater than 0")
    return LabItem(**_common(code, entry), canonical_unit=canonical, units=MappingProxyType(units),
                   plausible=plausible, uln=uln, uln_plausible=uln_plausible,
                   lln=entry.boolean("lln", default=False))


def _qualitative(code: str, entry: Table) -> QualitativeItem:
    entry.allow(*_COMMON, "results", "titer", "specimens")
    results = entry.strings("results") if "results" in entry.data else ("positive", "negative")
    if len(set(results)) < 2:
        raise ProtocolError(entry.key("results"), "at least two distinct results")
    specimens = entry.strings("specimens") if "specimens" in entry.data else ()
    return QualitativeItem(**_common(code, entry), results=tuple(results), titer=entry.boolean("titer", default=False),
                           specimens=tuple(specimens))


def _measurement(code: str, entry: Table) -> MeasurementItem:
    entry.allow(*_COMMON, "unit", "plausible", "required_flag")
    return MeasurementItem(**_common(code, entry), unit=entry.string("unit"), plausible=limits(entry, "plausible"),
                           required_flag=entry.string("required_flag", default=""))


def _attribute(code: str, entry: Table) -> AttributeItem:
    entry.allow("name", "type", "choices", "unit", "plausible")
    kind = choice(entry.string("type"), entry.key("type"), AttributeType)
    choices = entry.strings("choices") if kind is AttributeType.CHOICE else ()
    if kind is not AttributeType.CHOICE and "choices" in entry.data:
        raise ProtocolError(entry.key("choices"), "only a choice attribute has choices")
    plausible = None
    if kind is AttributeType.NUMBER:
        plausible = limits(entry, "plausible")
    elif "plausible" in entry.data or "unit" in entry.data:
        raise ProtocolError(entry.key("plausible" if "plausible" in entry.data else "unit"),
                            "only a number attribute has a unit and plausibility limits")
    return AttributeItem(code=code, names=names(entry), validity=Validity.EVER, type=kind, choices=tuple(choices),
                         unit=entry.string("unit", default=""), plausible=plausible)


def _question(code: str, entry: Table) -> QuestionItem:
    entry.allow("text", "choices")
    choices = entry.strings("choices") if "choices" in entry.data else ()
    return QuestionItem(code=code, names=names(entry, key="text"), validity=Validity.EVER, choices=tuple(choices))


class Spellings(dict):
    """Every accepted spelling of the dictionary (its `drug_key`) -> the drug it means. Two drugs may not
    share a spelling: a name must mean one drug or the engine would have to guess."""

    def add(self, spelling: str, drug: str, key: str) -> None:
        normal = drug_key(spelling)
        if not normal:
            raise ProtocolError(key, "a drug name cannot be empty")
        if self.get(normal, drug) != drug:
            raise ProtocolError(key, f"{spelling!r} already names {self[normal]!r}")
        self[normal] = drug


def _dictionary(table: Table) -> Dictionary:
    drugs: dict[str, Drug] = {}
    spellings = Spellings()
    add = spellings.add

    for written in table.keys():
        entry = table.table(written)
        entry.allow("classes", "synonyms", "atc", "prednisone_factor")
        name = " ".join(written.split())  # as the protocol writes it; matching ignores case and spacing
        classes = entry.strings("classes")
        if not classes:
            raise ProtocolError(entry.key("classes"), "name at least one class")
        factor = entry.number("prednisone_factor", positive=True) if "prednisone_factor" in entry.data else None
        if factor is not None and "glucocorticoid" not in classes:
            raise ProtocolError(entry.key("prednisone_factor"), "only a glucocorticoid has a prednisone factor")
        if factor is None and "glucocorticoid" in classes:
            raise ProtocolError(entry.key("prednisone_factor"), "required for a glucocorticoid")
        synonyms = entry.strings("synonyms") if "synonyms" in entry.data else ()
        drugs[name] = Drug(name, tuple(classes), tuple(synonyms), entry.string("atc", default=""), factor)
        add(written, name, table.key(written))
        for i, synonym in enumerate(synonyms):
            add(synonym, name, f"{entry.key('synonyms')}[{i}]")
    return Dictionary(MappingProxyType(drugs), MappingProxyType(dict(spellings)))
