"""Investigator decisions: attestation criteria (I07, I08, attestation exclusions) and I09 pregnancy/contraception."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from ..facts import ContraceptionMethod, Facts, Outcome, Sex, Specimen
from .base import CriterionResult, Part, RuleContext, Status, attestation_part, missing_record, newest_valid

_NO_ANSWERS: Mapping[str, bool | None] = MappingProxyType({})


def attestation(facts: Facts, params: Mapping[str, Any], context: RuleContext) -> CriterionResult:
    """An investigator's recorded decision: true is met, false not met, null or absent needs review."""
    answers = facts.attestations.answers if facts.attestations else _NO_ANSWERS
    return context.result([attestation_part(answers, params["attestation"], context.name)])


def pregnancy_contraception(facts: Facts, params: Mapping[str, Any], context: RuleContext) -> CriterionResult:
    """I09: negative serum pregnancy test (women of childbearing potential only), agreement to an accepted
    contraception method for a year after infusion, and agreement not to donate eggs or sperm.

    Men and women not of childbearing potential: the pregnancy part is not applicable (counts as met). The
    method must be one the protocol lists; the safe period is refused even if a protocol listed it.
    """
    answers = facts.attestations.answers if facts.attestations else _NO_ANSWERS
    return context.result(
        [
            _pregnancy_part(facts, context),
            attestation_part(answers, "contraception_agreed", "contraception for 1 year after infusion"),
            _method_part(facts, context),
            attestation_part(answers, "no_gamete_donation_agreed", "no egg or sperm donation for 1 year"),
        ]
    )


def _pregnancy_part(facts: Facts, context: RuleContext) -> Part:
    patient = facts.patient
    sex = patient.sex if patient else None
    potential = patient.childbearing_potential if patient else None
    if sex is None:
        return Part(Status.MISSING, "pregnancy test: sex not recorded", ("patient.sex",), ("patient's sex",))
    if sex is Sex.MALE:
        return Part(Status.MET, "pregnancy test: not applicable (male)", ("patient.sex",))
    uses = ("patient.sex", "patient.childbearing_potential")
    if potential is None:
        return Part(Status.MISSING, "pregnancy test: childbearing potential not recorded", uses,
                    ("whether the patient is of childbearing potential",))
    if not potential:
        return Part(Status.MET, "pregnancy test: not applicable (not of childbearing potential)", uses)
    test = facts.pregnancy_test
    pick = newest_valid(context.window, [("pregnancy_test", test.collected_on, test)] if test else [])
    if test is None or pick.record is None:
        return missing_record("serum pregnancy test", context.window, pick)
    uses = (*uses, "pregnancy_test")
    described = f"{test.specimen.value} pregnancy test {test.result.value} on {test.collected_on.isoformat()}"
    if test.specimen is not Specimen.SERUM:
        return Part(Status.MISSING, f"{described}: a urine test is not evidence", uses,
                    (f"serum pregnancy test dated {context.window.describe()}",))
    if test.result is Outcome.POSITIVE:
        return Part(Status.NOT_MET, described, uses)
    return Part(Status.MET, described, uses)


def _method_part(facts: Facts, context: RuleContext) -> Part:
    method = facts.attestations.contraception_method if facts.attestations else None
    uses = ("attestations.contraception_method",)
    if method is None:
        return Part(Status.MISSING, "contraception method: not recorded", uses, ("contraception method",))
    accepted = context.protocol.contraception_methods
    if method is ContraceptionMethod.SAFE_PERIOD or method not in accepted:
        return Part(Status.NOT_MET, f"contraception method: {method.value} is not an accepted method", uses)
    return Part(Status.MET, f"contraception method: {accepted[method]['en']}", uses)
