"""I01 (informed consent) and I02 (age at consent)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from ..calculators import age_in_years
from ..facts import Facts
from .base import CriterionResult, RuleContext, Status, limit


def screening_record_dates(facts: Facts) -> list[tuple[str, str, date]]:
    """Every dated screening procedure as (date reference, label, date): these must follow consent."""
    dated: list[tuple[str, str, date]] = []
    dated += [(f"labs[{i}].collected_on", lab.test.value, lab.collected_on) for i, lab in enumerate(facts.labs)]
    dated += [
        (f"serology[{i}].collected_on", test.test.value, test.collected_on) for i, test in enumerate(facts.serology)
    ]
    if facts.sledai_2k:
        dated.append(("sledai_2k.assessed_on", "SLEDAI-2K assessment", facts.sledai_2k.assessed_on))
    dated += [(f"{echo.ref}.performed_on", "echocardiography", echo.performed_on) for echo in facts.echo]
    dated += [(f"{spo2.ref}.measured_on", "SpO2", spo2.measured_on) for spo2 in facts.spo2]
    dated += [(f"{test.ref}.collected_on", "pregnancy test", test.collected_on) for test in facts.pregnancy_test]
    return dated


def consent(facts: Facts, params: Mapping[str, Any], context: RuleContext) -> CriterionResult:
    """I01: a signed, not withdrawn consent on an approved ICF, and no screening procedure dated before it.

    Open points decided here: any recorded withdrawal counts, even one dated after the evaluation date (it
    was recorded, so it happened); a consent dated after the evaluation date is not yet valid; approved ICF
    versions are checked only if the protocol lists `approved_icf_versions` (otherwise the portal's own ICF
    register is the check).
    """
    given = facts.consent
    if given is None:
        return context.single(Status.MISSING, "no consent recorded", missing=("signed informed consent",))
    dated = screening_record_dates(facts)
    uses = ("consent", *(ref for ref, _, _ in dated))
    signed = f"consent signed {given.signed_on.isoformat()} by {given.signer.value} on ICF {given.icf_version}"
    if given.withdrawn_on is not None:
        return context.single(Status.NOT_MET, f"{signed}, withdrawn on {given.withdrawn_on.isoformat()}", uses)
    if given.signed_on > context.evaluated_on:
        return context.single(Status.NOT_MET, f"{signed}; {context.window.no_window()}", uses)
    approved = params.get("approved_icf_versions")
    if approved is not None and given.icf_version not in approved:
        return context.single(
            Status.NOT_MET, f"{signed}: ICF {given.icf_version} is not approved (approved: {', '.join(approved)})", uses
        )
    early = [f"{ref} ({label}) {on.isoformat()}" for ref, label, on in dated if on < given.signed_on]
    if early:
        return context.single(Status.NOT_MET, f"{signed}; dated before consent: {', '.join(early)}", uses)
    return context.single(
        Status.MET, f"{signed}, not withdrawn; {len(dated)} screening records dated on or after it", uses
    )


def age(facts: Facts, params: Mapping[str, Any], context: RuleContext) -> CriterionResult:
    """I02: whole years of age on the consent date (the day one consents is the day one must be an adult)."""
    minimum = params["min_age_years"]
    born = facts.patient.date_of_birth if facts.patient else None
    consented = facts.consent.signed_on if facts.consent else None
    missing = [item for item, value in (("date of birth", born), ("consent date", consented)) if value is None]
    uses = ("patient.date_of_birth", "consent.signed_on")
    if born is None or consented is None:
        return context.single(Status.MISSING, f"age not computable: no {' or '.join(missing)}", uses, missing)
    years = age_in_years(born, consented)
    status = Status.MET if years >= minimum else Status.NOT_MET
    evidence = (
        f"born {born.isoformat()}, {years} years on consent date {consented.isoformat()} (minimum {limit(minimum)})"
    )
    return context.single(status, evidence, uses)
