"""The investigator's questions a protocol asks, generated from its file: what the attestation panel offers.

A question is asked when a criterion reads it: a yes/no question of the catalogue (`question` conditions,
the agreements of `pregnancy_contraception`), or a yes/no patient attribute that the registration form does
not hold (MC-1-50's liver involvement). A new question in an amendment is therefore answerable in the
browser the day the amendment is loaded, in the protocol's own wording and language.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from screening.eligibility import Protocol
from screening.eligibility.instruments import INSTRUMENTS

# Attributes the candidate's registration records (facts_builder reads them from the Patient row).
REGISTRATION_ATTRIBUTES = frozenset({"date_of_birth", "sex", "weight_kg", "childbearing_potential",
                                     "gilbert_syndrome"})
# The agreement that carries a contraception method (a choice question of the protocol).
CONTRACEPTION_AGREED = "contraception_agreed"


# The choice question the contraception agreement carries (its method), asked with that agreement.
CONTRACEPTION_METHOD = "contraception_method"

YES_NO, CHOICE, NUMBER, DATE = "yes_no", "choice", "number", "date"


@dataclass(frozen=True)
class Asked:
    code: str
    label: str
    attribute: bool  # a patient attribute (the facts document's `patient`), not an answer
    type: str = YES_NO  # yes_no | choice | number | date
    choices: tuple[str, ...] = ()
    unit: str = ""
    plausible: Any = None  # Limits of a number, or None


def asked_questions(protocol: Protocol, language: str = "en") -> tuple[Asked, ...]:
    """Every question and attribute a criterion of ``protocol`` reads that the registration form does not
    hold, in the catalogue's order: yes/no, choice, number or date."""
    read: set[str] = set()
    for node in protocol.nodes():
        if node.kind == "pregnancy_contraception":
            read.update(node.params["agreements"])
        # Any criterion reading an item (a question, an attribute's value or date), or an instrument whose
        # derived value reads attributes (BMI: the height).
        item = node.params.get("item") or node.params.get("instrument") or ""
        read.add(item)
        if instrument := INSTRUMENTS.get(item):
            read.update(code for section, code in instrument.needs if section == "attributes")
    catalogue = protocol.catalogue
    asked = [Asked(code, _label(q.names, language), False, CHOICE if q.choices else YES_NO, tuple(q.choices))
             for code, q in catalogue.questions.items() if code in read and code != CONTRACEPTION_METHOD]
    asked += [Asked(code, _label(a.names, language), True, YES_NO if a.type.value == "boolean" else a.type.value,
                    tuple(a.choices), a.unit, a.plausible)
              for code, a in catalogue.attributes.items() if code in read and code not in REGISTRATION_ATTRIBUTES]
    return tuple(asked)


def answer_problem(asked: Asked, answer: bool | None, value: str, today: date) -> tuple[bool | None, str, str | None]:
    """The answer in the form it is stored (yes/no in ``answer``, anything else as text in ``value``), and a
    problem to show, or None. Pure: the form and the service both ask it."""
    value = (value or "").strip()
    if asked.type == YES_NO:
        return (answer, "", None) if answer is not None else (None, "", _("Answer yes or no."))
    if not value:
        return None, "", _("Give the answer: %(what)s.") % {"what": asked.label}
    if asked.type == CHOICE:
        if value not in asked.choices:
            return None, value, _("Choose one of: %(choices)s.") % {"choices": ", ".join(asked.choices)}
        return None, value, None
    if asked.type == NUMBER:
        try:
            number = Decimal(value.replace(",", "."))
        except InvalidOperation:
            return None, value, _("Enter a number.")
        if not number.is_finite():
            return None, value, _("Enter a number.")
        limits = asked.plausible
        if limits is not None and not limits.contains(float(number)):
            return None, value, _("%(value)s %(unit)s is outside the plausible range %(low)g-%(high)g %(unit)s.") % {
                "value": value, "unit": asked.unit, "low": limits.low, "high": limits.high}
        return None, format(number.normalize(), "f"), None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        return None, value, _("Enter a date as YYYY-MM-DD.")
    if day > today:
        return None, value, _("The date is in the future.")
    return None, day.isoformat(), None


def _label(names, language: str) -> str:
    return names.get(language) or names["en"]
