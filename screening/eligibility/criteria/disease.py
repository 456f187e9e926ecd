"""Disease criteria: I03a (EULAR/ACR 2019), I03b (refractory disease), I04 (SLEDAI-2K), I05 (autoantibodies)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..calculators import calendar_months_between, eular_acr_2019 as classify, prednisone_mg_per_kg_day, sledai_2k_score
from ..facts import DrugClass, Facts, Outcome, SerologyTest, Treatment
from .base import (
    CriterionResult,
    Part,
    RuleContext,
    Status,
    at_least,
    decisive,
    implausible,
    limit,
    missing_record,
    num,
)


def eular_acr_2019(facts: Facts, params: Mapping[str, Any], context: RuleContext) -> CriterionResult:
    """I03a: classified as SLE by 2019 EULAR/ACR. The criteria are "ever" findings, so no window applies."""
    recorded = facts.eular_acr_2019
    uses = ("eular_acr_2019",)
    if recorded is None:
        return context.single(Status.MISSING, "2019 EULAR/ACR criteria not recorded", uses,
                              ("2019 EULAR/ACR classification criteria",))
    if recorded.ana_ever_1_80_hep2 is None:
        return context.single(Status.MISSING, "entry criterion (ANA >= 1:80 on HEp-2, ever) not recorded", uses,
                              ("whether ANA >= 1:80 on HEp-2 was ever found",))
    result = classify(recorded.ana_ever_1_80_hep2, recorded.criteria, params["min_points"])
    counted = " + ".join(f"{c.code} {c.weight}" for c in result.counted.values()) or "no criteria"
    entry = "met" if recorded.ana_ever_1_80_hep2 else "not met"
    evidence = (
        f"entry criterion ANA >= 1:80 on HEp-2 {entry}; highest per domain: {counted} = {result.score} points "
        f"(minimum {limit(params['min_points'])})"
    )
    if not result.classified:
        return context.single(Status.NOT_MET, f"{evidence}; not classified: {', '.join(result.reasons)}", uses)
    return context.single(Status.MET, evidence, uses)


def sledai_2k(facts: Facts, params: Mapping[str, Any], context: RuleContext) -> CriterionResult:
    """I04: SLEDAI-2K at or above the minimum, from an assessment inside the validity window."""
    assessment = facts.sledai_2k
    what = "SLEDAI-2K assessment"
    if assessment is None:
        return context.single(Status.MISSING, f"no {what}", missing=(f"{what} dated {context.window.describe()}",))
    pick = context.newest("sledai_2k", [("sledai_2k", assessment.assessed_on, assessment)])
    if pick.record is None:
        return context.result([missing_record(what, context.window, pick)])
    score = sledai_2k_score(assessment.descriptors)
    terms = " + ".join(f"{code} {weight}" for code, weight in score.breakdown) or "no descriptors"
    minimum = params["min_score"]
    evidence = f"SLEDAI-2K on {assessment.assessed_on.isoformat()}: {terms} = {score.score} (minimum {limit(minimum)})"
    status = Status.MET if score.score >= minimum else Status.NOT_MET
    return context.single(status, evidence, ("sledai_2k",))


def autoantibodies(facts: Facts, params: Mapping[str, Any], context: RuleContext) -> CriterionResult:
    """I05: ANA positive and/or anti-dsDNA positive, the newest result of each inside the window.

    One positive suffices; `not_met` needs both to be negative; one negative and the other absent is missing.
    """
    labels = {SerologyTest.ANA: "ANA", SerologyTest.ANTI_DSDNA: "anti-dsDNA"}
    found, evidence, uses, rejected = [], [], [], []
    for test, label in labels.items():
        pick = context.newest(
            f"serology:{test.value}",
            [(f"serology[{i}]", s.collected_on, s) for i, s in enumerate(facts.serology) if s.test is test],
        )
        rejected += pick.rejected
        if pick.record is None:
            evidence.append(f"{label}: none in the window")
            continue
        titer = f" 1:{num(pick.record.titer)}" if pick.record.titer else ""
        collected = pick.record.collected_on.isoformat()
        evidence.append(f"{label} {pick.record.result.value}{titer} ({pick.ref}, {collected})")
        uses.append(pick.ref)
        found.append(pick.record.result)
    uses += [ref for ref, _ in rejected]
    if rejected:
        evidence.append("not valid: " + "; ".join(f"{ref} {why}" for ref, why in rejected))
    if Outcome.POSITIVE in found:
        status, missing = Status.MET, ()
    elif len(found) == len(labels):
        status, missing = Status.NOT_MET, ()
    else:
        status, missing = Status.MISSING, (f"ANA or anti-dsDNA result dated {context.window.describe()}",)
    return context.single(status, "; ".join(evidence), uses, missing)


def refractory_therapy(facts: Facts, params: Mapping[str, Any], context: RuleContext) -> CriterionResult:
    """I03b: (a) adequate conventional therapy for long enough, or (b) documented intolerance (investigator).

    Decided here: the protocol's drug lists are exhaustive (the record's "etc." is an amendment, not a
    guess), matched on the drug name through the protocol's synonyms (case, spaces and hyphens ignored)
    whatever class the facts give, and counted once per drug (MMF and mycophenolate mofetil are one);
    treatments starting after the evaluation date are ignored; disease activity is I04's job. When (a) fails
    and intolerance is not recorded at all, the result is `missing` (ask the question) rather than `not_met`.
    """
    treatments = facts.treatments
    if treatments is None:
        therapy = Part(Status.MISSING, "no treatment history recorded", (), ("treatment history",))
    else:
        therapy = _conventional_therapy(facts, treatments, params, context)
    if therapy.status is Status.MET:
        return context.result([therapy])
    intolerant = facts.intolerant_to_conventional_therapy
    uses = (*therapy.uses, "intolerant_to_conventional_therapy")
    if intolerant:
        status, path_b = Status.NEEDS_REVIEW, "intolerance of conventional therapy documented, to be confirmed"
        missing: tuple[str, ...] = ("investigator confirmation of intolerance of conventional therapy",)
    elif intolerant is None:
        status, path_b = Status.MISSING, "intolerance of conventional therapy not recorded"
        missing = (*therapy.missing, "whether the patient is intolerant of conventional therapy")
    else:
        status, path_b = therapy.status, "no intolerance of conventional therapy"
        missing = therapy.missing
    return context.single(status, f"{therapy.evidence}; {path_b}", uses, missing)


def _conventional_therapy(
    facts: Facts, treatments: tuple[Treatment, ...], params: Mapping[str, Any], context: RuleContext
) -> Part:
    drugs = context.protocol.drugs
    by_class: dict[DrugClass, list[tuple[str, Treatment]]] = {c: [] for c in DrugClass}
    notes = []
    for i, treatment in enumerate(treatments):
        ref = f"treatments[{i}]"
        drug_class = drugs.class_of(treatment.drug)
        if treatment.started_on > context.evaluated_on:
            notes.append(f"{ref} {treatment.drug} starts after the evaluation date")
        elif drug_class is None:
            notes.append(f"{ref} {treatment.drug} is not in the protocol's {treatment.drug_class.value} list")
        else:
            by_class[drug_class].append((ref, treatment))
    uses = [f"treatments[{i}]" for i in range(len(treatments))]

    def count_part(drug_class: DrugClass, label: str, key: str) -> Part:
        names = sorted({drugs.canonical(t.drug) or t.drug for _, t in by_class[drug_class]})
        minimum = params[key]
        status = Status.MET if len(names) >= minimum else Status.NOT_MET
        return Part(status, f"{label}: {', '.join(names) or 'none'} = {len(names)} (minimum {limit(minimum)})")

    parts = [
        count_part(DrugClass.ANTIMALARIAL, "antimalarials", "min_antimalarials"),
        _glucocorticoid_part(facts, by_class[DrugClass.GLUCOCORTICOID], params, context),
        count_part(DrugClass.IMMUNOSUPPRESSANT, "immunosuppressants", "min_immunosuppressants"),
        count_part(DrugClass.BIOLOGIC, "biologics", "min_biologics"),
        _duration_part([t for entries in by_class.values() for _, t in entries], params, context),
    ]
    combined = context.result(parts)
    evidence = combined.evidence + (f"; not counted: {'; '.join(notes)}" if notes else "")
    return Part(combined.status, evidence, (*uses, *combined.uses), combined.missing)


def _glucocorticoid_part(
    facts: Facts, entries: list[tuple[str, Treatment]], params: Mapping[str, Any], context: RuleContext
) -> Part:
    """Exposure is the highest prednisone-equivalent daily dose of any glucocorticoid entry / current weight.

    Every dose and the weight must be plausible: one outside its limits makes the part needs_review (the
    highest dose might be the mis-entered one), naming the value and the limits."""
    minimum = params["min_glucocorticoid_mg_per_kg_day"]
    factors = context.protocol.glucocorticoid_factors
    plausibility = context.protocol.plausibility
    canonical = context.protocol.drugs.canonical
    doses = []
    for ref, t in entries:
        if t.dose_mg_per_day is not None:
            factor = factors[canonical(t.drug) or t.drug]
            doses.append((ref, t, factor, t.dose_mg_per_day * factor))
    undosed = [f"daily dose of {t.drug} ({ref})" for ref, t in entries if t.dose_mg_per_day is None]
    weight = facts.patient.weight_kg if facts.patient else None
    uses = ("patient.weight_kg",)
    if not entries:
        return Part(Status.NOT_MET, f"glucocorticoid: none (minimum {limit(minimum)} mg/kg/day)")
    doubtful = [
        part for ref, t, factor, prednisone in doses
        if (part := implausible(
            f"glucocorticoid {t.drug} {num(t.dose_mg_per_day or 0)} mg/day x {num(factor)} =",
            round(prednisone, 6), "mg prednisone/day", plausibility.glucocorticoid_prednisone_mg_per_day, ref,
        ))
    ]
    if weight is not None and (part := implausible("weight", weight, "kg", plausibility.weight_kg,
                                                   "patient.weight_kg")):
        doubtful.append(part)
    if doubtful:
        return Part(Status.NEEDS_REVIEW, "; ".join(p.evidence for p in doubtful),
                    (*uses, *(ref for p in doubtful for ref in p.uses)),
                    tuple(item for p in doubtful for item in p.missing))
    if weight is None:
        return Part(Status.MISSING, "glucocorticoid: no current weight for the dose", uses, ("current weight",))
    if not doses:
        return Part(Status.MISSING, "glucocorticoid: no daily dose recorded", uses, tuple(undosed))
    ref, treatment, factor, prednisone = max(doses, key=lambda d: d[3])
    per_kg = prednisone_mg_per_kg_day(prednisone, weight)
    evidence = (
        f"glucocorticoid: {num(treatment.dose_mg_per_day or 0)} mg/day {treatment.drug} ({ref}) x {num(factor)} = "
        f"{num(round(prednisone, 4))} mg prednisone / {num(weight)} kg = {decisive(per_kg, minimum)} mg/kg/day "
        f"(minimum {limit(minimum)})"
    )
    if at_least(per_kg, minimum):
        return Part(Status.MET, evidence, uses)
    if undosed:  # an entry without a dose might be the one that reaches the threshold
        return Part(Status.MISSING, evidence, uses, tuple(undosed))
    return Part(Status.NOT_MET, evidence, uses)


def _duration_part(counted: list[Treatment], params: Mapping[str, Any], context: RuleContext) -> Part:
    """Calendar months from the earliest start to the evaluation date, or to the last stop if all stopped."""
    minimum = params["min_treatment_months"]
    if not counted:
        return Part(Status.NOT_MET, f"duration: no counted treatment (minimum {limit(minimum)} months)")
    start = min(t.started_on for t in counted)
    ongoing = any(t.stopped_on is None or t.stopped_on > context.evaluated_on for t in counted)
    end = context.evaluated_on if ongoing else max(t.stopped_on for t in counted if t.stopped_on)
    months = calendar_months_between(start, end)
    until = "evaluation" if ongoing else "last stop"
    status = Status.MET if months >= minimum else Status.NOT_MET
    return Part(
        status,
        f"duration: {start.isoformat()} to {end.isoformat()} ({until}) = {months} calendar months "
        f"(minimum {limit(minimum)})",
    )
