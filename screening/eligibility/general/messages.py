"""Evidence as structure: a message id and its parameters, rendered in the reader's language.

The engine never writes sentences: a condition returns `Message`s (values, dates, limits, record
references and the arithmetic as parameters). `render` turns them into text with a translation function:
the engine's own English `evidence` string uses the identity, the portal passes Django's `gettext`, and the
catalogue of `locale/` holds every template below (they are marked with `gettext_noop` so that
`makemessages` finds them without this module importing Django). Parameters named `item` are catalogue
codes, rendered as the item's name in the reader's language; dates are ISO; numbers are already written
with the digits that decide their comparison.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any


def gettext_noop(text: str) -> str:
    """Marks a template for `makemessages`; translated at render time, never here."""
    return text


TEMPLATES: Mapping[str, str] = MappingProxyType(
    {
        # records and windows
        "span.days": gettext_noop("{count} days"),
        "span.weeks": gettext_noop("{count} weeks"),
        "span.months": gettext_noop("{count} months"),
        "time.since": gettext_noop("{item} {date}, before {reference} {on} ({limits})"),
        "time.min": gettext_noop("at least {span}: on or before {start}"),
        "time.max": gettext_noop("at most {span}: on or after {start}"),
        "window.span": gettext_noop("{start} to {end}"),
        "window.until": gettext_noop("up to {end}"),
        "record.none": gettext_noop("no {item} in the window {window}"),
        "record.none_no_window": gettext_noop("no {item}: no window: consent {consent} is after the evaluation date {evaluated}"),
        "record.rejected": gettext_noop("{ref} dated {date} is not valid: {why}"),
        "why.before_consent": gettext_noop("before consent {consent}"),
        "why.after_evaluation": gettext_noop("after the evaluation date {evaluated}"),
        "why.too_old": gettext_noop("{age} days before evaluation (window {days} days)"),
        "why.history": gettext_noop("from the medical history, not a screening procedure"),
        "need.record": gettext_noop("{item} dated {window}"),
        "need.record_after_consent": gettext_noop("{item} dated on or after consent, once consent precedes the evaluation"),
        "need.value": gettext_noop("{item}"),
        "need.flag": gettext_noop("whether the patient has {item}"),
        "need.check": gettext_noop("check of the {item} value and unit ({ref})"),
        "need.review_same_day": gettext_noop("investigator review of the same-day results {refs}"),
        # values
        "value.unit_not_accepted": gettext_noop("{item} {value} {unit} ({ref}, {date}): unit not accepted (use {accepted})"),
        "value.implausible": gettext_noop("{item} {value} {unit} ({ref}) is outside the plausible range {low}-{high} {unit}: check the value and its unit"),
        "value.uln_missing": gettext_noop("{item} {value} {unit} ({ref}, {date}): no ULN recorded"),
        "value.uln_implausible": gettext_noop("{item} {value} {unit} ({ref}, {date}): ULN {uln} {unit} is outside the plausible ULN range {low}-{high} {unit}: check the unit and the reference range"),
        "value.uln": gettext_noop("{item} {value} {unit} ({ref}, {date}) = {multiple} x ULN {uln} ({bound} {limit} x ULN)"),
        "value.lln": gettext_noop("{item} {value} {unit} ({ref}, {date}) = {multiple} x LLN {lln} ({bound} {limit} x LLN)"),
        "value.lln_missing": gettext_noop("{item} {value} {unit} ({ref}, {date}): no LLN recorded"),
        "value.reading": gettext_noop("{item} {value} {unit} ({ref}, {date}) ({bound} {limit} {unit})"),
        "value.converted": gettext_noop("{item} {value} {unit} = {canonical} {canonical_unit} ({ref}, {date}) ({bound} {limit} {canonical_unit})"),
        "value.attribute": gettext_noop("{item} {value} {unit} ({bound} {limit} {unit})"),
        "value.flag_false": gettext_noop("{item} {value} {unit} ({ref}, {date}) without {flag} is not evidence"),
        "value.flag_missing": gettext_noop("{item} {value} {unit} ({ref}, {date}): {flag} not recorded"),
        "value.not_recorded": gettext_noop("{item} not recorded"),
        "bound.min": gettext_noop("minimum"),
        "bound.years": gettext_noop("{bound} {limit}"),
        "bound.max": gettext_noop("maximum"),
        # derived values
        "derived.cockcroft_gault": gettext_noop("{item} (140 - {age}) x {weight} kg / (72 x {scr} mg/dL){female} = {result} mL/min ({bound} {limit})"),
        "derived.bmi": gettext_noop("{item}: {weight} kg / ({height} m)^2 = {result} kg/m2 ({bound} {limit})"),
        "derived.ckd_epi_2021": gettext_noop("{item}: age {age}, {sex}, creatinine {scr} mg/dL ({ref}, {date}) = {result} mL/min/1.73 m2 ({bound} {limit})"),
        "derived.not_computable": gettext_noop("{item} not computable (no {absent})"),
        "derived.need_input": gettext_noop("{input} for {item}"),
        # qualitative
        "qualitative.result": gettext_noop("{item} {result}{titer} ({ref}, {date})"),
        "qualitative.no_titer": gettext_noop("{item} {result} ({ref}, {date}): titer not recorded (minimum 1:{limit})"),
        # instruments
        "instrument.none": gettext_noop("no {item} recorded"),
        "instrument.score": gettext_noop("{item} ({ref}{on}): {terms} = {score} ({bound} {limit})"),
        "instrument.classified": gettext_noop("{item} ({ref}): {terms} = {score}: classified"),
        "instrument.not_classified": gettext_noop("{item} ({ref}): {terms} = {score}: not classified ({reasons})"),
        "instrument.flag_missing": gettext_noop("{item} ({ref}): {flag} not recorded"),
        "instrument.eular.no_entry": gettext_noop("entry criterion ANA >= 1:80 on HEp-2 not met"),
        "instrument.eular.no_clinical": gettext_noop("no clinical criterion"),
        "instrument.eular.too_few_points": gettext_noop("fewer points than the minimum"),
        "instrument.acr_1997.too_few": gettext_noop("fewer than 4 criteria"),
        "instrument.slicc.too_few": gettext_noop("fewer than 4 criteria"),
        "instrument.slicc.no_clinical": gettext_noop("no clinical criterion"),
        "instrument.slicc.no_immunologic": gettext_noop("no immunologic criterion"),
        # age, attributes, questions, consent
        "age.years": gettext_noop("born {born}, {years} years on {on_what} {on} ({limits})"),
        "age.not_computable": gettext_noop("age not computable: no {absent}"),
        "age.on_consent": gettext_noop("the consent date"),
        "age.on_evaluation": gettext_noop("the evaluation date"),
        "attribute.value": gettext_noop("{item}: {value}"),
        "question.answer": gettext_noop("{item}: {value}"),
        "question.unanswered": gettext_noop("{item}: not yet answered"),
        "question.to_confirm": gettext_noop("{item}: {value}, to be confirmed by the investigator"),
        "need.answer": gettext_noop("investigator decision: {item}"),
        "need.confirmation": gettext_noop("investigator confirmation: {item}"),
        "answer.yes": gettext_noop("yes"),
        "answer.no": gettext_noop("no"),
        "consent.none": gettext_noop("no consent recorded"),
        "consent.signed": gettext_noop("consent signed {signed} by {signer} on ICF {icf}"),
        "consent.withdrawn": gettext_noop("withdrawn on {withdrawn}"),
        "consent.after_evaluation": gettext_noop("no window: consent {signed} is after the evaluation date {evaluated}"),
        "consent.not_approved": gettext_noop("ICF {icf} is not approved (approved: {approved})"),
        "consent.early": gettext_noop("dated before consent: {records}"),
        "consent.ok": gettext_noop("not withdrawn; {count} screening records dated on or after it"),
        "need.consent": gettext_noop("signed informed consent"),
        # medication
        "medication.no_history": gettext_noop("no treatment history recorded"),
        "need.history": gettext_noop("treatment history"),
        "medication.not_listed": gettext_noop("not counted: {ref} {drug} is not in the protocol's dictionary"),
        "medication.future": gettext_noop("not counted: {ref} {drug} starts after the evaluation date"),
        "medication.ever": gettext_noop("{what}: {found}"),
        "medication.within": gettext_noop("{what} within {span} before {reference} {on} ({since} to {on}): {found}"),
        "medication.ongoing_since": gettext_noop("{what} ongoing on {on} and started at least {span} before it (on or before {latest}): {found}"),
        "medication.count": gettext_noop("{what}: {found} = {count} (minimum {limit})"),
        "medication.duration": gettext_noop("duration: {start} to {end} ({until}) = {months} calendar months (minimum {limit})"),
        "medication.no_duration": gettext_noop("duration: no counted treatment (minimum {limit} months)"),
        "medication.dose": gettext_noop("{what}: {dose} mg/day {drug} ({ref}){conversion} = {result} {unit} ({bound} {limit})"),
        "medication.no_dose_drug": gettext_noop("{what}: none ({bound} {limit} {unit})"),
        "medication.no_dose": gettext_noop("{what}: no daily dose recorded"),
        "medication.dose_implausible": gettext_noop("{what} {drug} {dose} mg/day{conversion} = {result} {unit} ({ref}) is outside the plausible range {low}-{high} {unit}: check the value and its unit"),
        "need.dose": gettext_noop("daily dose of {drug} ({ref})"),
        "need.reference_date": gettext_noop("the consent date"),
        "until.evaluation": gettext_noop("evaluation"),
        "until.last_stop": gettext_noop("last stop"),
        "none": gettext_noop("none"),
        # pregnancy and contraception
        "pregnancy.test": gettext_noop("{specimen} pregnancy test {result} on {date} ({ref})"),
        "pregnancy.contradiction_male": gettext_noop("contradicts the recorded sex: male"),
        "pregnancy.contradiction_potential": gettext_noop("contradicts the record: not of childbearing potential"),
        "pregnancy.potential_not_recorded": gettext_noop("childbearing potential not recorded"),
        "pregnancy.urine_needs_serum": gettext_noop("a positive urine test needs a serum test on or after it"),
        "pregnancy.urine_not_evidence": gettext_noop("a urine test is not evidence"),
        "pregnancy.sex_missing": gettext_noop("pregnancy test: sex not recorded"),
        "pregnancy.male": gettext_noop("pregnancy test: not applicable (male)"),
        "pregnancy.not_applicable": gettext_noop("pregnancy test: not applicable (not of childbearing potential)"),
        "pregnancy.potential_missing": gettext_noop("pregnancy test: childbearing potential not recorded"),
        "need.serum_after": gettext_noop("serum pregnancy test dated {since} to {until}"),
        "need.sex": gettext_noop("patient's sex"),
        "need.potential": gettext_noop("whether the patient is of childbearing potential"),
        "method.missing": gettext_noop("contraception method: not recorded"),
        "method.not_accepted": gettext_noop("contraception method: {method} is not an accepted method"),
        "method.sex_missing": gettext_noop("contraception method: {method}; sex not recorded"),
        "method.not_for_sex": gettext_noop("contraception method: {method} is not accepted for a {sex} subject (accepted: {accepted})"),
        "method.ok": gettext_noop("contraception method: {method}"),
        "method.name": gettext_noop("{method}"),
        "item.name": gettext_noop("{item}"),
        "need.method": gettext_noop("contraception method"),
        # combinations and ties
        "not.holds": gettext_noop("not: {inner}"),
        "ties.disagree": gettext_noop("the newest day holds several results that lead to different statuses: {ways}"),
        "ties.too_many": gettext_noop("too many combinations of {refs} to try"),
        "ties.way": gettext_noop("with {refs}: {status} ({evidence})"),
    }
)


@dataclass(frozen=True)
class Message:
    """A message id and its parameters (kept as pairs so that a message is hashable and compares by value)."""

    id: str
    pairs: tuple[tuple[str, Any], ...] = ()

    @property
    def params(self) -> Mapping[str, Any]:
        return MappingProxyType(dict(self.pairs))

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "params": {key: _plain(value) for key, value in self.pairs}}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Message:
        """The JSON form back (a stored signed document), nested messages included."""
        return cls(data["id"], tuple((key, _unplain(value)) for key, value in data.get("params", {}).items()))


def _plain(value: Any) -> Any:
    if isinstance(value, Message):
        return value.to_dict()
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    return value


def _unplain(value: Any) -> Any:
    if isinstance(value, Mapping) and "id" in value and "params" in value:
        return Message.from_dict(value)
    if isinstance(value, list):
        return tuple(_unplain(v) for v in value)
    return value


def message(id_: str, **params: Any) -> Message:
    if id_ not in TEMPLATES:
        raise KeyError(id_)
    return Message(id_, tuple(params.items()))


# Words a parameter may hold that are vocabulary, not values (a result, a specimen, a sex, a signer).
WORDS = (
    gettext_noop("positive"), gettext_noop("negative"), gettext_noop("detectable"), gettext_noop("undetectable"),
    gettext_noop("indeterminate"), gettext_noop("serum"), gettext_noop("urine"), gettext_noop("female"),
    gettext_noop("male"), gettext_noop("patient"), gettext_noop("guardian"), gettext_noop("evaluation"),
    gettext_noop("consent"),
)
_WORD_KEYS = ("result", "specimen", "sex", "signer", "accepted", "reference")

Translate = Callable[[str], str]
NameOf = Callable[[str], str]


def render(msg: Message, translate: Translate = str, name_of: NameOf = str, ref_of: NameOf | None = None) -> str:
    """One message as text: its template translated, `item` as the item's name, nested messages rendered.

    ``ref_of``: for people, not the engine's record references (``labs[0]``): a reference in parentheses
    beside the item and date it repeats is left out, one that is the subject of the sentence is named by
    ``ref_of`` ("creatinine of 2026-11-20"). Without it the references stay, as the engine wrote them."""
    template = translate(TEMPLATES[msg.id])
    params = {}
    for key, value in msg.pairs:
        if isinstance(value, Message):
            value = render(value, translate, name_of, ref_of)
        elif isinstance(value, tuple) and value and isinstance(value[0], Message):
            value = {"ways": " | ", "accepted": ", ", "limits": ", ", "what": ", ", "absent": ", "}.get(key, "; ").join(render(v, translate, name_of, ref_of) for v in value)
        elif key in ("item", "input", "method") and isinstance(value, str):
            value = name_of(value)
        elif key in _WORD_KEYS and isinstance(value, str) and value in WORDS:
            value = translate(value)
        elif key == "ref" and ref_of is not None and isinstance(value, str):
            value = "" if _REF_IN_PARENTHESES.search(template) else ref_of(value)
        elif key == "terms" and ref_of is not None and isinstance(value, str) and " " in value:
            value = _named_terms(value, dict(msg.pairs).get("item", ""), name_of)
        params[key] = value
    # A percentage is written against its number (62%), every other unit after a space.
    text = template.format(**params).replace(" %", "%")
    return without_empty_parts(text) if ref_of is not None else text


_REF_IN_PARENTHESES = re.compile(r"[(（]\{ref\}")


def _named_terms(terms: str, instrument: str, name_of: NameOf) -> str:
    """An instrument's counted items ("joint_involvement 6 + proteinuria 4", as the engine writes them) with
    each item named: ``name_of("<instrument>.<item>")``."""
    named = []
    for term in terms.split(" + "):
        code, _space, points = term.rpartition(" ")
        named.append(f"{name_of(f'{instrument}.{code}')} {points}" if code else term)
    return " + ".join(named)


def without_empty_parts(text: str) -> str:
    """What leaving a reference out leaves behind: "(, 2026-11-20)", "()", "（，" and doubled spaces."""
    text = re.sub(r"([(（])\s*[,，]\s*", r"\1", text)
    text = re.sub(r"\s*[(（]\s*[)）]", "", text)
    return re.sub(r" {2,}", " ", text).strip()


def render_all(messages: tuple[Message, ...], translate: Translate = str, name_of: NameOf = str,
               ref_of: NameOf | None = None) -> str:
    return "; ".join(render(m, translate, name_of, ref_of) for m in messages)
