"""Organ function: I06a (LVEF), I06b (renal), I06c (ALT/AST), I06d (bilirubin), I06e (SpO2).

Lab values are judged against the ULN recorded with the value (the site lab's sex-specific reference range),
never a constant. A value in a unit the protocol does not accept for that test, or outside the protocol's
plausibility limits, or with a ULN outside the test's ULN limits, is `needs_review`: the data exists but is
probably mis-entered (umol/L typed as mg/dL), and someone has to look at it rather than the engine
guessing. The same holds for the weight Cockcroft-Gault reads and for LVEF and SpO2 percentages.

Several results of one test on the newest day: `RuleContext.newest` hands the rule one of them and the
engine tries each (see `engine.py`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..calculators import (
    CREATININE_UMOL_PER_MG_DL,
    age_in_years,
    cockcroft_gault,
    convert_to_canonical,
    uln_multiple,
)
from ..facts import Facts, Lab, LabTest, Sex
from .base import (
    CriterionResult,
    Part,
    RuleContext,
    Status,
    at_least,
    at_most,
    decisive,
    fixed,
    implausible,
    limit,
    missing_record,
    num,
)

LAB_LABELS = {
    LabTest.CREATININE: "creatinine",
    LabTest.ALT: "ALT",
    LabTest.AST: "AST",
    LabTest.TOTAL_BILIRUBIN: "total bilirubin",
}


@dataclass(frozen=True)
class LabReading:
    ref: str
    lab: Lab
    multiple: float  # of the ULN recorded with the value

    def describe(self, threshold: float) -> str:
        """The value as a multiple of its ULN, with the digits that decide the comparison with `threshold`."""
        lab = self.lab
        return (
            f"{LAB_LABELS[lab.test]} {num(lab.value)} {lab.unit} ({self.ref}, {lab.collected_on.isoformat()}) = "
            f"{decisive(self.multiple, threshold)} x ULN {num(lab.uln)}"
        )


def newest_lab(facts: Facts, test: LabTest, context: RuleContext) -> LabReading | Part:
    """The newest valid result of `test`, or the Part explaining why there is none usable."""
    label = LAB_LABELS[test]
    pick = context.newest(
        f"labs:{test.value}",
        [(f"labs[{i}]", lab.collected_on, lab) for i, lab in enumerate(facts.labs) if lab.test is test],
    )
    if pick.record is None:
        return missing_record(f"{label} result", context.window, pick)
    lab: Lab = pick.record
    spec = context.protocol.lab_tests[test]
    entered = f"{label} {num(lab.value)} {lab.unit} ({pick.ref}, {lab.collected_on.isoformat()})"
    if lab.unit not in spec.units:
        accepted = " or ".join(spec.units)
        return Part(Status.NEEDS_REVIEW, f"{entered}: unit not accepted for {label} (use {accepted})", (pick.ref,),
                    (f"{label} result in {accepted} ({pick.ref})",))
    value_limits = spec.limits_in(lab.unit)
    if not value_limits.contains(lab.value):
        canonical = convert_to_canonical(lab.value, lab.unit, spec)
        in_canonical = "" if lab.unit == spec.canonical_unit else f" = {num(round(canonical, 2))} {spec.canonical_unit}"
        return Part(
            Status.NEEDS_REVIEW,
            f"{entered}{in_canonical}, outside the plausible range {num(spec.plausible_min)}-"
            f"{num(spec.plausible_max)} {spec.canonical_unit}",
            (pick.ref,),
            (f"check of the {label} value and unit ({pick.ref})",),
        )
    uln_limits = spec.uln_limits_in(lab.unit)
    if not uln_limits.contains(lab.uln):
        return Part(
            Status.NEEDS_REVIEW,
            f"{entered}: ULN {num(lab.uln)} {lab.unit} is outside the plausible ULN range "
            f"{num(round(uln_limits.low, 3))}-{num(round(uln_limits.high, 3))} {lab.unit} for {label}: "
            f"check the unit and the reference range",
            (pick.ref,),
            (f"check of the {label} reference range and unit ({pick.ref})",),
        )
    return LabReading(pick.ref, lab, uln_multiple(lab.value, lab.uln))


def uln_part(reading: LabReading, normal_max: float, special_max: float, flag: bool | None, flag_key: str) -> Part:
    """Value against its ULN limit, where a patient flag (Gilbert syndrome, liver involvement) selects a
    special limit. An unrecorded flag only matters when the value falls between the two limits: then the
    flag is missing, not the lab."""
    flag_label = flag_key.replace("_", " ")
    uses = (reading.ref, f"patient.{flag_key}")
    if flag:
        status = Status.MET if at_most(reading.multiple, special_max) else Status.NOT_MET
        return Part(status, f"{reading.describe(special_max)} (limit {limit(special_max)}, {flag_label})", uses)
    if at_most(reading.multiple, normal_max):
        return Part(Status.MET, f"{reading.describe(normal_max)} (limit {limit(normal_max)})", uses)
    if flag is None and at_most(reading.multiple, special_max):
        return Part(
            Status.MISSING,
            f"{reading.describe(normal_max)} (limit {limit(normal_max)}, {limit(special_max)} with {flag_label}: "
            f"not recorded)",
            uses,
            (f"whether the patient has {flag_label}",),
        )
    return Part(Status.NOT_MET, f"{reading.describe(normal_max)} (limit {limit(normal_max)})", uses)


def lvef(facts: Facts, params: Mapping[str, Any], context: RuleContext) -> CriterionResult:
    """I06a: echocardiographic LVEF at or above the minimum, inside the window, within plausibility limits."""
    minimum = params["min_lvef_percent"]
    pick = context.newest("echo", [(echo.ref, echo.performed_on, echo) for echo in facts.echo])
    if pick.record is None:
        return context.result([missing_record("echocardiography", context.window, pick)])
    echo = pick.record
    doubtful = implausible("LVEF", echo.lvef_percent, "%", context.protocol.plausibility.lvef_percent, echo.ref)
    if doubtful:
        return context.result([doubtful])
    status = Status.MET if at_least(echo.lvef_percent, minimum) else Status.NOT_MET
    evidence = f"LVEF {num(echo.lvef_percent)}% on {echo.performed_on.isoformat()} (limit {limit(minimum)}%)"
    return context.single(status, evidence, (echo.ref,))


def renal_function(facts: Facts, params: Mapping[str, Any], context: RuleContext) -> CriterionResult:
    """I06b: creatinine <= limit x ULN, or Cockcroft-Gault clearance >= limit; evidence shows both.

    Age for Cockcroft-Gault is taken on the day the creatinine was collected; weight is the current weight.
    A weight outside its plausibility limits makes the criterion needs_review even when the ULN test alone
    would pass: the evidence shows both numbers and one of them would be wrong.
    """
    reading = newest_lab(facts, LabTest.CREATININE, context)
    if isinstance(reading, Part):
        return context.result([reading])
    max_uln, min_crcl = params["creatinine_max_uln"], params["min_crcl_ml_min"]
    uln_ok = at_most(reading.multiple, max_uln)
    evidence = f"{reading.describe(max_uln)} (limit {limit(max_uln)})"
    patient = facts.patient
    born = patient.date_of_birth if patient else None
    weight = patient.weight_kg if patient else None
    sex = patient.sex if patient else None
    uses = (reading.ref, "patient.date_of_birth", "patient.weight_kg", "patient.sex")
    if weight is not None:
        doubtful = implausible("weight", weight, "kg", context.protocol.plausibility.weight_kg, "patient.weight_kg")
        if doubtful:
            return context.single(Status.NEEDS_REVIEW, f"{evidence}; CrCl not computed: {doubtful.evidence}", uses,
                                  doubtful.missing)
    if born is None or weight is None or sex is None:
        inputs = (("date of birth", born), ("weight", weight), ("sex", sex))
        absent = [label for label, value in inputs if value is None]
        evidence += f"; CrCl not computable (no {', '.join(absent)})"
        if uln_ok:
            return context.single(Status.MET, evidence, uses)
        return context.single(Status.MISSING, evidence, uses, [f"{item} for creatinine clearance" for item in absent])
    lab = reading.lab
    years = age_in_years(born, lab.collected_on)
    female = sex is Sex.FEMALE
    crcl = cockcroft_gault(years, weight, lab.value, lab.unit, female)
    scr_mg_dl = lab.value if lab.unit == "mg/dL" else lab.value / CREATININE_UMOL_PER_MG_DL
    evidence += (
        f"; CrCl (140 - {years}) x {num(weight)} kg / (72 x {fixed(scr_mg_dl)} mg/dL)"
        f"{' x 0.85' if female else ''} = {decisive(crcl, min_crcl, 1)} mL/min (limit {limit(min_crcl)})"
    )
    status = Status.MET if uln_ok or at_least(crcl, min_crcl) else Status.NOT_MET
    return context.single(status, evidence, uses)


def liver_enzymes(facts: Facts, params: Mapping[str, Any], context: RuleContext) -> CriterionResult:
    """I06c: ALT and AST both within the limit; the relaxed limit applies only with recorded liver involvement."""
    flag = facts.patient.liver_involvement if facts.patient else None
    parts = []
    for test in (LabTest.ALT, LabTest.AST):
        reading = newest_lab(facts, test, context)
        parts.append(
            reading
            if isinstance(reading, Part)
            else uln_part(reading, params["alt_ast_max_uln"], params["alt_ast_relaxed_uln"], flag, "liver_involvement")
        )
    return context.result(parts)


def bilirubin(facts: Facts, params: Mapping[str, Any], context: RuleContext) -> CriterionResult:
    """I06d: total bilirubin within the limit, the Gilbert syndrome limit if the patient has it."""
    reading = newest_lab(facts, LabTest.TOTAL_BILIRUBIN, context)
    if isinstance(reading, Part):
        return context.result([reading])
    flag = facts.patient.gilbert_syndrome if facts.patient else None
    part = uln_part(reading, params["total_bilirubin_max_uln"], params["gilbert_max_uln"], flag, "gilbert_syndrome")
    return context.result([part])


def oxygen_saturation(facts: Facts, params: Mapping[str, Any], context: RuleContext) -> CriterionResult:
    """I06e: SpO2 at or above the minimum on room air; a reading on oxygen is not evidence.

    The newest reading decides: if it was taken on oxygen, an older one on room air no longer describes the
    patient (who may have needed oxygen since), so a newer room-air reading is missing."""
    minimum = params["min_spo2_percent"]
    pick = context.newest("spo2", [(s.ref, s.measured_on, s) for s in facts.spo2])
    if pick.record is None:
        return context.result([missing_record("SpO2 reading on room air", context.window, pick)])
    spo2 = pick.record
    reading = f"SpO2 {num(spo2.percent)}% on {spo2.measured_on.isoformat()}"
    if spo2.room_air is False:
        return context.single(Status.MISSING, f"{reading} on oxygen is not evidence", (spo2.ref,),
                              (f"SpO2 reading on room air dated {context.window.describe()}",))
    doubtful = implausible("SpO2", spo2.percent, "%", context.protocol.plausibility.spo2_percent, spo2.ref)
    if doubtful:
        return context.result([doubtful])
    if spo2.room_air is None:
        return context.single(Status.MISSING, f"{reading}, room air or oxygen not recorded", (spo2.ref,),
                              ("whether SpO2 was measured on room air",))
    status = Status.MET if at_least(spo2.percent, minimum) else Status.NOT_MET
    return context.single(status, f"{reading} on room air (limit {limit(minimum)}%)", (spo2.ref,))
