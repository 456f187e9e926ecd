"""Investigator decisions: attestation criteria (I07, I08, attestation exclusions) and I09 pregnancy/contraception."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from ..facts import ContraceptionMethod, Facts, Outcome, PregnancyTest, Sex, Specimen
from .base import CriterionResult, Part, Pick, RuleContext, Status, attestation_part, missing_record

_NO_ANSWERS: Mapping[str, bool | None] = MappingProxyType({})


def attestation(facts: Facts, params: Mapping[str, Any], context: RuleContext) -> CriterionResult:
    """An investigator's recorded decision: true is met, false not met, null or absent needs review."""
    answers = facts.attestations.answers if facts.attestations else _NO_ANSWERS
    return context.result([attestation_part(answers, params["attestation"], context.name)])


def pregnancy_contraception(facts: Facts, params: Mapping[str, Any], context: RuleContext) -> CriterionResult:
    """I09: negative serum pregnancy test (women of childbearing potential), agreement to a contraception
    method the protocol accepts for the subject's sex for a year after infusion, and agreement not to donate
    eggs or sperm.

    Pregnancy, as settled after the independent review: any positive test in the window fails I09 whatever
    the sex and childbearing-potential flags say (the evidence names the contradiction); a positive urine
    test with no serum test on or after it is missing (the serum test decides); otherwise men and women not
    of childbearing potential do not need a test, and a woman whose potential is not recorded is missing.
    The method must be listed for the subject's sex (a man's: barrier or abstinence, not his partner's
    method); the safe period is refused even if a protocol listed it.
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


def _described(test: PregnancyTest) -> str:
    return f"{test.specimen.value} pregnancy test {test.result.value} on {test.collected_on.isoformat()} ({test.ref})"


def _pregnancy_part(facts: Facts, context: RuleContext) -> Part:
    patient = facts.patient
    sex = patient.sex if patient else None
    potential = patient.childbearing_potential if patient else None
    flags = ("patient.sex", "patient.childbearing_potential")
    valid, rejected = context.window.sort_out((t.ref, t.collected_on, t) for t in facts.pregnancy_test)
    in_window = [test for _, _, test in valid]
    refs = tuple(test.ref for test in in_window)

    positive_serum = [t for t in in_window if t.specimen is Specimen.SERUM and t.result is Outcome.POSITIVE]
    if positive_serum:
        evidence = "; ".join(_described(t) for t in positive_serum)
        contradiction = _contradiction(sex, potential)
        return Part(Status.NOT_MET, evidence + (f" ({contradiction})" if contradiction else ""), (*flags, *refs))
    positive_urine = [t for t in in_window if t.specimen is Specimen.URINE and t.result is Outcome.POSITIVE]
    if positive_urine:
        newest_positive = max(t.collected_on for t in positive_urine)
        settles = [t for t in in_window if t.specimen is Specimen.SERUM and t.collected_on >= newest_positive]
        if not settles:
            evidence = "; ".join(_described(t) for t in positive_urine)
            return Part(Status.MISSING, f"{evidence}: a positive urine test needs a serum test on or after it",
                        (*flags, *refs), (f"serum pregnancy test dated {newest_positive.isoformat()} to "
                                          f"{context.evaluated_on.isoformat()}",))

    if sex is None:
        return Part(Status.MISSING, "pregnancy test: sex not recorded", ("patient.sex",), ("patient's sex",))
    if sex is Sex.MALE:
        return Part(Status.MET, "pregnancy test: not applicable (male)", ("patient.sex",))
    if potential is None:
        return Part(Status.MISSING, "pregnancy test: childbearing potential not recorded", flags,
                    ("whether the patient is of childbearing potential",))
    if not potential:
        return Part(Status.MET, "pregnancy test: not applicable (not of childbearing potential)", flags)
    serum = [t for t in in_window if t.specimen is Specimen.SERUM]
    if not serum:
        urine = [t for t in in_window if t.specimen is Specimen.URINE]
        if urine:
            return Part(Status.MISSING, f"{'; '.join(_described(t) for t in urine)}: a urine test is not evidence",
                        (*flags, *refs), (f"serum pregnancy test dated {context.window.describe()}",))
        return missing_record("serum pregnancy test", context.window, Pick("", None, rejected))
    newest = max(serum, key=lambda t: t.collected_on)  # every serum test in the window is negative here
    return Part(Status.MET, _described(newest), (*flags, *refs))


def _contradiction(sex: Sex | None, potential: bool | None) -> str:
    if sex is Sex.MALE:
        return "contradicts the recorded sex: male"
    if potential is False:
        return "contradicts the record: not of childbearing potential"
    if potential is None:
        return "childbearing potential not recorded"
    return ""


def _method_part(facts: Facts, context: RuleContext) -> Part:
    method = facts.attestations.contraception_method if facts.attestations else None
    sex = facts.patient.sex if facts.patient else None
    uses = ("attestations.contraception_method", "patient.sex")
    if method is None:
        return Part(Status.MISSING, "contraception method: not recorded", uses, ("contraception method",))
    accepted = context.protocol.contraception_methods
    if method is ContraceptionMethod.SAFE_PERIOD or method not in accepted:
        return Part(Status.NOT_MET, f"contraception method: {method.value} is not an accepted method", uses)
    if sex is None:
        return Part(Status.MISSING, f"contraception method: {accepted[method]['en']}; sex not recorded", uses,
                    ("patient's sex",))
    if sex.value not in context.protocol.contraception_sexes[method]:
        allowed = ", ".join(accepted[code]["en"] for code in context.protocol.methods_for(sex.value)) or "none"
        return Part(
            Status.NOT_MET,
            f"contraception method: {method.value} is not accepted for a {sex.value} subject (accepted: {allowed})",
            uses,
        )
    return Part(Status.MET, f"contraception method: {accepted[method]['en']}", uses)
