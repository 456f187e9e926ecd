"""The investigator's questions a protocol asks, generated from its file: what the attestation panel offers.

A question is asked when a criterion reads it: a yes/no question of the catalogue (`question` conditions,
the agreements of `pregnancy_contraception`), or a yes/no patient attribute that the registration form does
not hold (MC-1-50's liver involvement). A new question in an amendment is therefore answerable in the
browser the day the amendment is loaded, in the protocol's own wording and language.
"""

from __future__ import annotations

from dataclasses import dataclass

from screening.eligibility import Protocol

# Attributes the candidate's registration records (facts_builder reads them from the Patient row).
REGISTRATION_ATTRIBUTES = frozenset({"date_of_birth", "sex", "weight_kg", "childbearing_potential",
                                     "gilbert_syndrome"})
# The agreement that carries a contraception method (a choice question of the protocol).
CONTRACEPTION_AGREED = "contraception_agreed"


@dataclass(frozen=True)
class Asked:
    code: str
    label: str
    attribute: bool  # a patient attribute (the facts document's `patient`), not an answer


def asked_questions(protocol: Protocol, language: str = "en") -> tuple[Asked, ...]:
    """Every yes/no question and attribute a criterion of ``protocol`` reads, in the catalogue's order."""
    read: set[str] = set()
    for node in protocol.nodes():
        if node.kind in ("question", "attribute"):
            read.add(node.params["item"])
        elif node.kind == "pregnancy_contraception":
            read.update(node.params["agreements"])
    catalogue = protocol.catalogue
    asked = [Asked(code, _label(q.names, language), False) for code, q in catalogue.questions.items()
             if code in read and not q.choices]
    asked += [Asked(code, _label(a.names, language), True) for code, a in catalogue.attributes.items()
              if code in read and a.type.value == "boolean" and code not in REGISTRATION_ATTRIBUTES]
    return tuple(asked)


def _label(names, language: str) -> str:
    return names.get(language) or names["en"]
