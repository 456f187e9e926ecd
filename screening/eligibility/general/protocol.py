"""The general protocol format (`format = 2`): a catalogue of data items and criteria built from general kinds.

    format = 2
    [catalogue.labs.creatinine]  ...           # data items (catalogue.py)
    [inclusion.I06b]                           # criteria, in the order shown
    name = { en = "...", "zh-hans" = "..." }
    kind = "any_of"
    of = [ { kind = "value", item = "creatinine", max_uln = 2.0 },
           { kind = "value", item = "cockcroft_gault", min = 60 } ]
    [exclusion.E01]                            # "excluded if ...": the condition that excludes
    kind = "qualitative"
    item = "hbsag"
    result = "positive"

Every kind, its parameters and an example are in docs/protocol-format.md. Loading is strict: an unknown key,
a parameter of the wrong type, a kind that does not exist, or a criterion reading a data item the catalogue
lacks is refused with the dotted key path, so the mistake stops the file at load, never at evaluation.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from types import MappingProxyType
from typing import Any

from ..catalogue import AttributeType, Catalogue, limits, load_catalogue, names
from ..escalation import Escalation, load_escalation
from ..instruments import INSTRUMENTS
from ..protocol import (
    DoseLevels,
    LabSpec,
    Plausibility,
    Reminders,
    load_dose_levels,
    load_reminders,
)
from ..results import ExclusionCriteriaStatus
from ..toml_tables import ProtocolError, Table, choice

FORMAT = 2
SAFE_PERIOD = "safe_period"

# kind -> the parameters it accepts besides `kind`, `window_days` and (at the top) `name`.
KINDS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "value": ("item", "min", "max", "min_uln", "max_uln", "min_lln", "max_lln"),
        "qualitative": ("item", "result", "results", "min_titer"),
        "instrument": ("instrument", "min_score", "max_score", "classified", "min_points", "exclude"),
        "age": ("min_years", "max_years", "on"),
        "attribute": ("item", "equals", "in"),
        "time_since": ("item", "min_days", "min_weeks", "min_months", "max_days", "max_weeks", "max_months",
                       "before"),
        "medication": ("measure", "drugs", "classes", "days", "weeks", "months", "before", "min_count", "min", "max",
                       "equivalent", "per_kg", "current", "dose_plausible", "min_months"),
        "question": ("item", "expect", "in", "unanswered", "confirm"),
        "consent": ("approved_icf_versions",),
        "pregnancy_contraception": ("test", "specimen", "agreements", "method_question"),
        "all_of": ("of",),
        "any_of": ("of",),
        "not": ("of",),
    }
)
SPAN_UNITS = ("days", "weeks", "months")


def span(entry: Table, prefix: str) -> tuple[str, int]:
    """A length of time written as exactly one of `<prefix>days`, `<prefix>weeks`, `<prefix>months`:
    (unit, count), weeks kept as weeks so that the evidence says what the protocol says."""
    given = [unit for unit in SPAN_UNITS if f"{prefix}{unit}" in entry.data]
    if len(given) != 1:
        keys = ", ".join(f"{prefix}{unit}" for unit in SPAN_UNITS)
        raise ProtocolError(entry.path, f"give exactly one of {keys}")
    return given[0], entry.integer(f"{prefix}{given[0]}", minimum=0)


def _before(entry: Table) -> str:
    return choice(entry.string("before", default="evaluation"), entry.key("before"), ("evaluation", "consent"))


MEASURES = ("ever", "within", "none_within", "distinct_count", "dose", "duration", "ongoing_since")


@dataclass(frozen=True)
class Node:
    """One condition of a criterion: a kind with its parameters, or a combination of nodes."""

    kind: str
    params: Mapping[str, Any]
    children: tuple[Node, ...] = ()
    window_days: int | None = None  # overrides the item's and the protocol's window inside this node
    path: str = ""  # where it stands in the file, for messages about the protocol itself


@dataclass(frozen=True)
class GeneralCriterion:
    code: str
    names: Mapping[str, str]
    exclusion: bool  # an exclusion criterion's condition excludes the candidate when it holds
    condition: Node

    @property
    def kind(self) -> str:
        return self.condition.kind


@dataclass(frozen=True)
class GeneralProtocol:
    id: str
    version: str
    title: str
    effective_date: date
    screening_window_days: int
    catalogue: Catalogue
    criteria: tuple[GeneralCriterion, ...]  # inclusion
    exclusion_criteria: tuple[GeneralCriterion, ...]
    exclusion_criteria_status: ExclusionCriteriaStatus
    exclusion_criteria_note: str
    contraception_methods: Mapping[str, Mapping[str, str]]
    contraception_sexes: Mapping[str, tuple[str, ...]]
    dose_levels: DoseLevels | None
    reminders: Reminders | None
    escalation: Escalation | None = None
    format: int = FORMAT

    def methods_for(self, sex: str) -> tuple[str, ...]:
        return tuple(code for code, sexes in self.contraception_sexes.items() if sex in sexes)

    def nodes(self) -> Iterator[Node]:
        """Every condition of every criterion, depth first."""
        stack = [c.condition for c in (*self.criteria, *self.exclusion_criteria)]
        while stack:
            node = stack.pop(0)
            yield node
            stack[:0] = node.children

    # -- the catalogue as MC-1-50's entry forms read it (screening/records): the forms the next step
    # generates from the catalogue replace these -------------------------------------------------------------

    @cached_property
    def lab_tests(self) -> Mapping[str, LabSpec]:
        specs = {}
        for code, lab in self.catalogue.labs.items():
            uln = lab.uln_plausible
            specs[code] = LabSpec(code, lab.canonical_unit, lab.units, lab.plausible.low, lab.plausible.high,
                                  uln.low if uln else 0.0, uln.high if uln else float("inf"), lab.names, lab.loinc)
        return MappingProxyType(specs)

    @cached_property
    def plausibility(self) -> Plausibility | None:
        catalogue = self.catalogue
        try:
            return Plausibility(
                weight_kg=catalogue.attributes["weight_kg"].plausible,
                lvef_percent=catalogue.measurements["lvef"].plausible,
                spo2_percent=catalogue.measurements["spo2"].plausible,
                glucocorticoid_prednisone_mg_per_day=catalogue.prednisone_equivalent_plausible,
            )
        except KeyError:
            return None

    @cached_property
    def glucocorticoid_factors(self) -> Mapping[str, float]:
        return MappingProxyType({d.name: d.prednisone_factor for d in self.catalogue.dictionary.drugs.values()
                                 if d.prednisone_factor is not None})


def is_general(doc: Mapping[str, Any]) -> bool:
    return doc.get("format") == FORMAT


def load_general_text(text: str, source: str = "protocol") -> GeneralProtocol:
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ProtocolError(source, f"invalid TOML: {exc}") from None
    return load_general(doc)


def load_general(doc: Mapping[str, Any]) -> GeneralProtocol:
    root = Table(doc, "")
    root.allow("format", "id", "version", "title", "effective_date", "screening_window_days", "catalogue",
               "inclusion", "exclusion", "exclusion_criteria_status", "exclusion_criteria_note",
               "contraception_methods", "dose_levels", "reminders", "escalation")
    if root.integer("format") != FORMAT:
        raise ProtocolError("format", f"expected {FORMAT}")
    catalogue = load_catalogue(root.table("catalogue"))
    methods, sexes = _contraception_methods(root.table("contraception_methods", default={}))
    reader = _Reader(catalogue, methods)
    inclusion = reader.criteria(root.table("inclusion"), exclusion=False)
    if not inclusion:
        raise ProtocolError("inclusion", "at least one inclusion criterion is required")
    exclusion = reader.criteria(root.table("exclusion", default={}), exclusion=True)
    codes = [c.code for c in inclusion]
    for criterion in exclusion:
        if criterion.code in codes:
            raise ProtocolError(f"exclusion.{criterion.code}", "code already used by an inclusion criterion")
    default_status = "provided" if exclusion else "not_provided"
    status = choice(root.string("exclusion_criteria_status", default=default_status), "exclusion_criteria_status",
                    ExclusionCriteriaStatus)
    if status is ExclusionCriteriaStatus.NOT_PROVIDED and exclusion:
        raise ProtocolError("exclusion", "must be empty while exclusion_criteria_status is 'not_provided'")
    if status is ExclusionCriteriaStatus.PROVIDED and not exclusion:
        raise ProtocolError("exclusion", "required when exclusion_criteria_status is 'provided'")
    if reader.needs_methods and not methods:
        raise ProtocolError("contraception_methods", "required by a pregnancy_contraception criterion")
    dose_levels = load_dose_levels(root.table("dose_levels")) if "dose_levels" in doc else None
    if "escalation" in doc and dose_levels is None:
        raise ProtocolError("escalation", "needs [dose_levels]: the levels it escalates through")
    escalation = load_escalation(root.table("escalation"), len(dose_levels.levels)) if "escalation" in doc else None
    return GeneralProtocol(
        id=root.string("id"),
        version=root.string("version"),
        title=root.string("title"),
        effective_date=root.calendar_date("effective_date"),
        screening_window_days=root.integer("screening_window_days", minimum=1),
        catalogue=catalogue,
        criteria=inclusion,
        exclusion_criteria=exclusion,
        exclusion_criteria_status=status,
        exclusion_criteria_note=root.string("exclusion_criteria_note", default=""),
        contraception_methods=methods,
        contraception_sexes=sexes,
        dose_levels=dose_levels,
        reminders=load_reminders(root.table("reminders")) if "reminders" in doc else None,
        escalation=escalation,
    )


def _contraception_methods(table: Table) -> tuple[Mapping[str, Mapping[str, str]], Mapping[str, tuple[str, ...]]]:
    methods, sexes = {}, {}
    for code in table.keys():
        if code == SAFE_PERIOD:
            raise ProtocolError(table.key(code), "the safe period method is never accepted")
        entry = table.table(code)
        entry.allow("name", "sexes")
        methods[code] = names(entry)
        accepted = entry.strings("sexes")
        if not accepted:
            raise ProtocolError(entry.key("sexes"), "name at least one sex the method is accepted for")
        sexes[code] = tuple(dict.fromkeys(accepted))
    return MappingProxyType(methods), MappingProxyType(sexes)


class _Reader:
    """Reads criteria against the catalogue, so every data item a criterion names is known at load."""

    def __init__(self, catalogue: Catalogue, methods: Mapping[str, Any]) -> None:
        self.catalogue = catalogue
        self.methods = methods
        self.needs_methods = False

    def criteria(self, table: Table, *, exclusion: bool) -> tuple[GeneralCriterion, ...]:
        found = []
        for code in table.keys():
            entry = table.table(code)
            found.append(GeneralCriterion(code, names(entry, key="name"), exclusion, self.node(entry, top=True)))
        return tuple(found)

    def node(self, entry: Table, *, top: bool = False) -> Node:
        kind = entry.string("kind")
        if kind not in KINDS:
            raise ProtocolError(entry.key("kind"), f"unknown kind {kind!r} (known: {', '.join(KINDS)})")
        entry.allow("kind", "window_days", *KINDS[kind], *(("name",) if top else ()))
        window = entry.integer("window_days", minimum=1) if "window_days" in entry.data else None
        if kind in ("all_of", "any_of", "not"):
            children = self._children(entry, kind)
            return Node(kind, MappingProxyType({}), children, window, entry.path)
        params = getattr(self, f"_{kind}")(entry)
        return Node(kind, MappingProxyType(params), (), window, entry.path)

    def _children(self, entry: Table, kind: str) -> tuple[Node, ...]:
        raw = entry.data.get("of")
        if kind == "not":
            if not isinstance(raw, Mapping):
                raise ProtocolError(entry.key("of"), "expected one condition (a table)")
            return (self.node(entry.table("of")),)
        items = entry.array("of")
        if len(items) < 2:
            raise ProtocolError(entry.key("of"), f"{kind} combines at least two conditions")
        children = []
        for i, item in enumerate(items):
            if not isinstance(item, Mapping):
                raise ProtocolError(f"{entry.key('of')}[{i}]", f"expected a condition (a table), got {item!r}")
            children.append(self.node(Table(item, f"{entry.key('of')}[{i}]")))
        return tuple(children)

    # -- one reader per kind: the parameters, typed and checked against the catalogue -------------------------

    def _item(self, entry: Table, *sections: str) -> str:
        code = entry.string("item")
        section = self.catalogue.kind_of(code)
        derived = section == "instruments" and INSTRUMENTS[code].shape == "derived"
        if section not in sections and not (derived and "derived" in sections):
            if section is None:
                raise ProtocolError(entry.key("item"), f"{code!r} is not in the catalogue")
            wanted = " or ".join(sections)
            raise ProtocolError(entry.key("item"), f"{code!r} is in catalogue.{section}; expected one of {wanted}")
        return code

    @staticmethod
    def _bounds(entry: Table, *keys: str) -> dict[str, float]:
        bounds = {key: entry.number(key) for key in keys if key in entry.data}
        if not bounds:
            raise ProtocolError(entry.path, f"give at least one of {', '.join(keys)}")
        low, high = bounds.get(keys[0]), bounds.get(keys[1])
        if low is not None and high is not None and low > high:
            raise ProtocolError(entry.key(keys[1]), f"must be at least {keys[0]}")
        return bounds

    def _value(self, entry: Table) -> dict[str, Any]:
        code = self._item(entry, "labs", "measurements", "attributes", "derived")
        keys = ("min", "max", "min_uln", "max_uln", "min_lln", "max_lln")
        present = [key for key in keys if key in entry.data]
        bounds = None
        for limit in ("uln", "lln"):
            limit_keys = [key for key in present if key.endswith(f"_{limit}")]
            if limit_keys:
                lab = self.catalogue.labs.get(code)
                if lab is None or not getattr(lab, limit):
                    raise ProtocolError(entry.key(limit_keys[0]),
                                        f"{code!r} is not a laboratory test recorded with its {limit.upper()}")
                if len(limit_keys) != len(present):
                    raise ProtocolError(entry.path, "compare with one of: values, multiples of the ULN, multiples "
                                                    "of the LLN")
                bounds = self._bounds(entry, f"min_{limit}", f"max_{limit}")
        if bounds is None:
            bounds = self._bounds(entry, "min", "max")
        attribute = self.catalogue.attributes.get(code)
        if attribute is not None and attribute.type is not AttributeType.NUMBER:
            raise ProtocolError(entry.key("item"), f"{code!r} is a {attribute.type.value} attribute, not a number")
        return {"item": code, **bounds}

    def _qualitative(self, entry: Table) -> dict[str, Any]:
        code = self._item(entry, "qualitative")
        item = self.catalogue.qualitative[code]
        if ("result" in entry.data) == ("results" in entry.data):
            raise ProtocolError(entry.path, "give either result or results")
        results = (entry.string("result"),) if "result" in entry.data else entry.strings("results")
        for i, result in enumerate(results):
            choice(result, entry.key("result") if "result" in entry.data else f"{entry.key('results')}[{i}]",
                   item.results)
        params: dict[str, Any] = {"item": code, "results": tuple(results)}
        if "min_titer" in entry.data:
            if not item.titer:
                raise ProtocolError(entry.key("min_titer"), f"{code!r} has no titer (titer = true in the catalogue)")
            params["min_titer"] = entry.number("min_titer", positive=True)
        return params

    def _instrument(self, entry: Table) -> dict[str, Any]:
        name = entry.string("instrument")
        if name not in self.catalogue.instruments:
            raise ProtocolError(entry.key("instrument"), f"{name!r} is not in catalogue.instruments")
        instrument = INSTRUMENTS[name]
        if instrument.shape == "derived":
            raise ProtocolError(entry.key("instrument"), f"{name!r} is a derived value: use kind = 'value'")
        params: dict[str, Any] = {"instrument": name}
        if "classified" in entry.data:
            if instrument.shape != "classification":
                raise ProtocolError(entry.key("classified"), f"{name!r} is a score, not a classification")
            params["classified"] = entry.boolean("classified")
        for key in ("min_score", "max_score"):
            if key in entry.data:
                params[key] = entry.number(key)
        if "exclude" in entry.data:
            if instrument.shape != "score":
                raise ProtocolError(entry.key("exclude"), f"{name!r} is not a score")
            excluded = entry.strings("exclude")
            for i, code in enumerate(excluded):
                choice(code, f"{entry.key('exclude')}[{i}]", instrument.codes)
            params["exclude"] = tuple(excluded)
        for key in ("min_points",):
            if key in entry.data:
                if key not in instrument.params:
                    raise ProtocolError(entry.key(key), f"{name!r} takes no {key}")
                params[key] = entry.integer(key, minimum=1)
        if not {"classified", "min_score", "max_score"} & set(params):
            raise ProtocolError(entry.path, "give classified, min_score or max_score")
        return params

    def _time_since(self, entry: Table) -> dict[str, Any]:
        code = self._item(entry, "attributes")
        if self.catalogue.attributes[code].type is not AttributeType.DATE:
            raise ProtocolError(entry.key("item"), f"{code!r} is not a date attribute")
        bounds = {bound: span(entry, f"{bound}_") for bound in ("min", "max")
                  if any(f"{bound}_{unit}" in entry.data for unit in SPAN_UNITS)}
        if not bounds:
            raise ProtocolError(entry.path, "give a minimum or a maximum time (min_months, max_days, ...)")
        return {"item": code, **bounds, "before": _before(entry)}

    def _need_attribute(self, entry: Table, code: str, kind: str) -> None:
        if code not in self.catalogue.attributes:
            raise ProtocolError(f"catalogue.attributes.{code}", f"required by {entry.path} ({kind})")

    def _age(self, entry: Table) -> dict[str, Any]:
        self._need_attribute(entry, "date_of_birth", "age")
        bounds = {key: entry.integer(key, minimum=0) for key in ("min_years", "max_years") if key in entry.data}
        if not bounds:
            raise ProtocolError(entry.path, "give min_years, max_years or both")
        if bounds.get("min_years", 0) > bounds.get("max_years", 10**6):
            raise ProtocolError(entry.key("max_years"), "must be at least min_years")
        on = choice(entry.string("on", default="consent"), entry.key("on"), ("consent", "evaluation"))
        return {**bounds, "on": on}

    def _attribute(self, entry: Table) -> dict[str, Any]:
        code = self._item(entry, "attributes")
        attribute = self.catalogue.attributes[code]
        if attribute.type not in (AttributeType.BOOLEAN, AttributeType.CHOICE):
            raise ProtocolError(entry.key("item"), f"{code!r} is a {attribute.type.value}: use kind = 'value' or 'age'")
        return {"item": code, "accepted": self._accepted(entry, attribute.choices, "equals")}

    @staticmethod
    def _accepted(entry: Table, choices: tuple[str, ...], key: str) -> tuple[Any, ...]:
        """The answers that make the condition hold: `key = true` (yes/no) or `in = [...]` (choices)."""
        if choices:
            if key in entry.data and "in" in entry.data:
                raise ProtocolError(entry.path, f"give either {key} or in")
            values = (entry.string(key),) if key in entry.data else entry.strings("in")
            for i, value in enumerate(values):
                choice(value, f"{entry.key('in')}[{i}]" if key not in entry.data else entry.key(key), choices)
            return tuple(values)
        if "in" in entry.data:
            raise ProtocolError(entry.key("in"), "a yes/no item takes equals/expect = true or false")
        return (entry.boolean(key, default=True),)

    def _question(self, entry: Table) -> dict[str, Any]:
        code = self._item(entry, "questions")
        question = self.catalogue.questions[code]
        return {
            "item": code,
            "accepted": self._accepted(entry, question.choices, "expect"),
            "unanswered": choice(entry.string("unanswered", default="needs_review"), entry.key("unanswered"),
                                 ("needs_review", "missing")),
            "confirm": entry.boolean("confirm", default=False),
        }

    def _consent(self, entry: Table) -> dict[str, Any]:
        if "approved_icf_versions" in entry.data:
            return {"approved_icf_versions": entry.strings("approved_icf_versions")}
        return {}

    def _medication(self, entry: Table) -> dict[str, Any]:
        measure = choice(entry.string("measure"), entry.key("measure"), MEASURES)
        dictionary = self.catalogue.dictionary
        drugs = entry.strings("drugs") if "drugs" in entry.data else ()
        resolved = []
        for i, written in enumerate(drugs):
            drug = dictionary.find(written)
            if drug is None:
                raise ProtocolError(f"{entry.key('drugs')}[{i}]", f"{written!r} is not in catalogue.drugs")
            resolved.append(drug.name)
        classes = entry.strings("classes") if "classes" in entry.data else ()
        for i, drug_class in enumerate(classes):
            if drug_class not in dictionary.classes:
                raise ProtocolError(f"{entry.key('classes')}[{i}]", f"no drug of catalogue.drugs has class {drug_class!r}")
        if not resolved and not classes:
            raise ProtocolError(entry.path, "name the drugs, the classes or both")
        params: dict[str, Any] = {"measure": measure, "drugs": tuple(resolved), "classes": tuple(classes)}
        allowed = {
            "ever": (), "within": ("days", "weeks", "months", "before"),
            "none_within": ("days", "weeks", "months", "before"),
            "distinct_count": ("min_count",), "duration": ("min_months",),
            "dose": ("min", "max", "equivalent", "per_kg", "current", "dose_plausible"),
            "ongoing_since": ("days", "weeks", "months"),
        }[measure]
        for key in KINDS["medication"][3:]:
            if key in entry.data and key not in allowed:
                raise ProtocolError(entry.key(key), f"not a parameter of measure = {measure!r}")
        if measure in ("within", "none_within"):
            params["span"] = span(entry, "")
            params["before"] = _before(entry)
        elif measure == "ongoing_since":
            params["span"] = span(entry, "")
        elif measure == "distinct_count":
            params["min_count"] = entry.integer("min_count", minimum=1)
        elif measure == "duration":
            params["min_months"] = entry.integer("min_months", minimum=1)
        elif measure == "dose":
            params.update(self._bounds(entry, "min", "max"))
            equivalent = entry.string("equivalent", default="")
            if equivalent and equivalent != "prednisone":
                raise ProtocolError(entry.key("equivalent"), "expected 'prednisone' or nothing")
            params["equivalent"] = equivalent
            params["per_kg"] = entry.boolean("per_kg", default=False)
            if params["per_kg"]:
                self._need_attribute(entry, "weight_kg", "medication dose per kg")
            params["current"] = entry.boolean("current", default=False)
            if "dose_plausible" in entry.data:
                params["dose_plausible"] = limits(entry, "dose_plausible")
            selected = [d for d in dictionary.drugs.values()
                        if d.name in resolved or set(d.classes) & set(classes)]
            if equivalent and any(d.prednisone_factor is None for d in selected):
                raise ProtocolError(entry.key("equivalent"), "every selected drug needs a prednisone_factor")
            if not equivalent and len(selected) > 1:
                raise ProtocolError(entry.path, "doses of different drugs compare only as equivalent = 'prednisone'")
        return params

    def _pregnancy_contraception(self, entry: Table) -> dict[str, Any]:
        for attribute in ("sex", "childbearing_potential"):
            self._need_attribute(entry, attribute, "pregnancy_contraception")
        test = entry.string("test", default="pregnancy_test")
        item = self.catalogue.qualitative.get(test)
        if item is None:
            raise ProtocolError(entry.key("test"), f"{test!r} is not in catalogue.qualitative")
        if not {"positive", "negative"} <= set(item.results):
            raise ProtocolError(f"catalogue.qualitative.{test}.results", "a pregnancy test has positive and negative")
        specimen = entry.string("specimen", default="serum" if "serum" in item.specimens else "any")
        if specimen != "any" and specimen not in item.specimens:
            raise ProtocolError(entry.key("specimen"), f"{specimen!r} is not a specimen of {test!r}")
        agreements = entry.strings("agreements") if "agreements" in entry.data else ()
        for i, question in enumerate(agreements):
            if question not in self.catalogue.questions:
                raise ProtocolError(f"{entry.key('agreements')}[{i}]", f"{question!r} is not in catalogue.questions")
        method = entry.string("method_question", default="")
        if method and (method not in self.catalogue.questions or not self.catalogue.questions[method].choices):
            raise ProtocolError(entry.key("method_question"), f"{method!r} must be a choice question of the catalogue")
        self.needs_methods = self.needs_methods or bool(method)
        return {"test": test, "specimen": specimen, "agreements": tuple(agreements), "method_question": method}
