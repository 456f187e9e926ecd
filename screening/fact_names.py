"""What a person calls a piece of the facts document: "Creatinine of 2026-11-20", "Prednisone from
2026-01-10, daily dose (mg/day)", "Weight (kg)", "Investigator's answer: Suitable for apheresis".

The engine and the signed document speak in references (``labs[0]``, ``patient.weight_kg``,
``attestations.apheresis_suitable``): exact, and meaningless to an investigator. Everything shown to people
(the checklist, the void notices and their e-mail, the PDF) names them here. ``name_of`` gives the
protocol's name of a catalogue code (``screening.eligibility.general.naming.names_in``); ``translate`` is
gettext for a page, or ``str`` for the English stored with a void signature. Pure: no database.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from django.utils.translation import gettext_noop

from screening.eligibility.general.messages import WORDS

# An item of a list of the facts document: ``labs[0]`` (name labs, index 0).
LIST_ITEM = re.compile(r"^(?P<name>[a-z0-9_]+)\[(?P<index>\d+)\]")

NameOf = Callable[[str], str]

# -- paths into the facts document ---------------------------------------------------------------------------

ABSENT = object()  # what ``value_at`` returns for a path the document does not have (None is a value)
_PART = re.compile(r"^(?P<name>[a-z0-9_]+)(?:\[(?P<index>\d+)\])?$")


def value_at(facts: Mapping[str, Any], ref: str) -> Any:
    """The value an engine reference names (``labs[0]``, ``labs[0].value``, ``patient.weight_kg``)."""
    value: Any = facts
    for part in ref.split("."):
        match = _PART.match(part)
        if match is None or not isinstance(value, Mapping) or match["name"] not in value:
            return ABSENT
        value = value[match["name"]]
        if match["index"] is not None:
            index = int(match["index"])
            if not isinstance(value, list) or index >= len(value):
                return ABSENT
            value = value[index]
    return value


def record_value(facts: Mapping[str, Any], ref: str) -> Any:
    """The whole record a reference points into (``labs[0].collected_on`` -> the value of ``labs[0]``)."""
    head = ref.split(".")[0]
    return value_at(facts, head) if LIST_ITEM.match(head) else value_at(facts, ref)


# -- names -----------------------------------------------------------------------------------------------------
Translate = Callable[[str], str]

FIELD_NAMES: Mapping[str, str] = {
    "value": gettext_noop("value"), "unit": gettext_noop("unit"), "uln": gettext_noop("ULN"),
    "collected_on": gettext_noop("collection date"), "result": gettext_noop("result"),
    "titer": gettext_noop("titer"), "source": gettext_noop("source"),
    "dose_mg_per_day": gettext_noop("daily dose (mg/day)"), "started_on": gettext_noop("start date"),
    "stopped_on": gettext_noop("stop date"), "class": gettext_noop("drug class"), "drug": gettext_noop("drug"),
    "test": gettext_noop("test"), "item": gettext_noop("measurement"),
    "lvef_percent": gettext_noop("LVEF (%)"), "performed_on": gettext_noop("date performed"),
    "percent": gettext_noop("SpO2 (%)"), "room_air": gettext_noop("on room air"),
    "measured_on": gettext_noop("date measured"), "specimen": gettext_noop("specimen"),
    "assessed_on": gettext_noop("assessment date"), "descriptors": gettext_noop("descriptors"),
    "criteria": gettext_noop("criteria"), "ana_ever_1_80_hep2": gettext_noop("ANA ≥ 1:80 on HEp-2 cells (ever)"),
    "date_of_birth": gettext_noop("date of birth"), "sex": gettext_noop("sex"), "weight_kg": gettext_noop("weight (kg)"),
    "childbearing_potential": gettext_noop("childbearing potential"),
    "gilbert_syndrome": gettext_noop("Gilbert syndrome"), "signed_on": gettext_noop("consent date"), "consent_date": gettext_noop("consent date"),
    "signer": gettext_noop("signer"), "icf_version": gettext_noop("ICF version"),
    "withdrawn_on": gettext_noop("withdrawal date"), "contraception_method": gettext_noop("contraception method"),
}
# A list record of the facts document: its kind's name (None: the item's), the field naming the item, the
# field dating it.
_LIST_RECORDS: Mapping[str, tuple[str | None, str | None, str]] = {
    "labs": (None, "test", "collected_on"), "serology": (None, "test", "collected_on"),
    "treatments": (None, "drug", "started_on"), "measurements": (None, "item", "measured_on"),
    "echo": (gettext_noop("Echocardiography"), None, "performed_on"), "spo2": ("SpO2", None, "measured_on"),
    "pregnancy_test": (gettext_noop("Pregnancy test"), None, "collected_on"),
}
_SINGLE_RECORDS: Mapping[str, str] = {
    "sledai_2k": "SLEDAI-2K", "eular_acr_2019": gettext_noop("2019 EULAR/ACR criteria"),
    "consent": gettext_noop("Consent"), "patient": gettext_noop("Candidate"),
    "intolerant_to_conventional_therapy": gettext_noop("Intolerant to conventional therapy"),
}


def readable(code: str) -> str:
    return code.replace("_", " ")


def field_name(field: str, name_of: NameOf = readable, translate: Translate = str) -> str:
    return translate(FIELD_NAMES[field]) if field in FIELD_NAMES else name_of(field)


def record_name(ref: str, value: Any, name_of: NameOf = readable, translate: Translate = str) -> str:
    """What ``ref`` points at, named from its value in the facts (for a field reference, the value of its
    record names it). Never the reference itself."""
    head, _dot, field = ref.partition(".")
    item = LIST_ITEM.match(head)
    if item and item["name"] in _LIST_RECORDS:
        kind, named_by, dated_by = _LIST_RECORDS[item["name"]]
        record = value if isinstance(value, Mapping) else {}
        if kind:
            what = translate(kind)
        elif named_by in record:
            what = name_of(str(record[named_by]))
        else:
            what = readable(item["name"])
        on = record.get(dated_by)
        if on:
            template = gettext_noop("%(what)s from %(date)s") if dated_by == "started_on" else \
                gettext_noop("%(what)s of %(date)s")
            what = translate(template) % {"what": what, "date": on}
        return f"{what}, {field_name(field, name_of, translate)}" if field else what
    if head == "attestations" and field:
        return translate(gettext_noop("Investigator's answer: %(question)s")) % {"question": name_of(field)}
    if head == "instruments" and field:
        instrument, _dot, detail = field.partition(".")
        return name_of(instrument) + (f", {field_name(detail, name_of, translate)}" if detail else "")
    if head == "patient" and field:
        return sentence_start(field_name(field, name_of, translate))
    if head in _SINGLE_RECORDS:
        return translate(_SINGLE_RECORDS[head]) + (f", {field_name(field, name_of, translate)}" if field else "")
    return readable(ref)


def sentence_start(text: str) -> str:
    """A name at the start of a sentence: its first letter upper case, the rest as written ("AST", not "Ast")."""
    return text[:1].upper() + text[1:]


def shown(value: Any, translate: Translate = str) -> str:
    """A fact's value as a person reads it: yes/no for a boolean, 1.5 not 1.50000, a dash for nothing."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return translate(gettext_noop("yes")) if value else translate(gettext_noop("no"))
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, list):
        return ", ".join(shown(v, translate) for v in value) or "—"
    if isinstance(value, str) and value in WORDS:
        return translate(value)  # female, positive, serum: vocabulary, in the reader's language
    return str(value)


# The value that says what a list record found, after its name: "Creatinine of 2026-11-20: 70 umol/L".
_HEADLINE: Mapping[str, Callable[[Mapping[str, Any]], str]] = {
    "labs": lambda r: f"{shown(r.get('value'))} {r.get('unit', '')}".strip(),
    "measurements": lambda r: f"{shown(r.get('value'))} {r.get('unit', '')}".strip(),
    "serology": lambda r: str(r.get("result", "")) + (f" 1:{r['titer']}" if r.get("titer") else ""),
    "treatments": lambda r: f"{shown(r['dose_mg_per_day'])} mg/day" if r.get("dose_mg_per_day") else "",
    "echo": lambda r: f"LVEF {shown(r.get('lvef_percent'))}%",
    "spo2": lambda r: f"{shown(r.get('percent'))}%",
    "pregnancy_test": lambda r: str(r.get("result", "")),
}


def fact_summary(ref: str, record: Any, value: Any, name_of: NameOf = readable, translate: Translate = str) -> str:
    """The name of what ``ref`` points at and what it says: ``record`` is the value of its record (itself,
    unless a field reference), ``value`` the value at ``ref``."""
    record = None if record is ABSENT else record
    value = None if value is ABSENT else value
    name = record_name(ref, record, name_of, translate)
    head, _dot, field = ref.partition(".")
    item = LIST_ITEM.match(head)
    if item and not field and isinstance(record, Mapping):
        headline = _HEADLINE.get(item["name"], lambda r: "")(record)
        return f"{name}: {headline}" if headline else name
    if isinstance(value, Mapping) or value is None and not field:
        return name
    return f"{name}: {shown(value, translate)}"
