"""Pure rules for screening data entry: unit conversion, H/L flags, plausibility, dose and date checks.

Limits come from the protocol (``Protocol.lab_tests``, drug lists, glucocorticoid factors) whenever the
protocol has them; the few sanity limits it does not have (an absurd drug dose, an impossible LVEF) are
data-entry guards named below, not eligibility thresholds. Conversions go through the engine's calculators
so the portal and the engine can never convert differently.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from screening.eligibility import Protocol
from screening.eligibility.calculators import (
    EULAR_ACR_2019_CRITERIA,
    SLEDAI_2K_WEIGHTS,
    EularAcrCriterion,
    convert_to_canonical,
    prednisone_equivalent_mg,
    prednisone_mg_per_kg_day,
)
from screening.eligibility.protocol import LabSpec

# Data-entry sanity limits (not eligibility thresholds). The largest glucocorticoid dose in use is a
# methylprednisolone pulse of 1 g/day = 1250 mg prednisone; above that a typing error is far likelier.
MAX_PREDNISONE_EQUIVALENT_MG_PER_DAY = 1250
# Any other listed drug: mycophenolate tops out at 3 g/day, cyclophosphamide pulses near 2 g.
MAX_DAILY_DOSE_MG = 5000
# Echocardiography and pulse oximetry readings outside these ranges are not compatible with a candidate
# walking into a screening visit; they are refused as typing errors (e.g. 6.2 for 62).
LVEF_PLAUSIBLE = (10, 90)
SPO2_PLAUSIBLE = (50, 100)
# ANA titer denominators are 40, 80, 160 ... ; 1:40960 is beyond any laboratory's dilution series.
MAX_ANA_TITER = 40960

FLAG_HIGH = "H"
FLAG_LOW = "L"


def number(value: float | Decimal) -> str:
    """A value without trailing zeros: 70.000 -> '70', 0.90 -> '0.9'."""
    return f"{float(value):g}"


def lab_label(test: str) -> str:
    return {"creatinine": "creatinine", "alt": "ALT", "ast": "AST", "total_bilirubin": "total bilirubin"}.get(
        test, test
    )


def unit_problem(test: str, unit: str, spec: LabSpec | None) -> str | None:
    """A unit the protocol does not accept for this test."""
    if spec is None:
        return f"The protocol lists no test {test!r}."
    if unit not in spec.units:
        return f"{unit} is not accepted for {lab_label(test)}; use {' or '.join(spec.units)}."
    return None


def to_canonical(value: float | Decimal, unit: str, spec: LabSpec) -> Decimal:
    """The value in the protocol's canonical unit (the protocol's factor), to 4 decimal places."""
    converted = convert_to_canonical(float(value), unit, spec)
    return Decimal(repr(converted)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


def convert_unit(value: float | Decimal, from_unit: str, to_unit: str, spec: LabSpec) -> Decimal:
    """A value moved between two units the protocol accepts for a test (via the canonical unit), 3 places."""
    canonical = convert_to_canonical(float(value), from_unit, spec)
    converted = canonical / spec.units[to_unit]
    return Decimal(repr(converted)).quantize(Decimal("0.001"), rounding=ROUND_HALF_UP)


def plausible_range_text(unit: str, spec: LabSpec) -> str:
    """The protocol's plausibility limits, in the canonical unit and, if different, the entered unit."""
    text = f"{number(spec.plausible_min)}-{number(spec.plausible_max)} {spec.canonical_unit}"
    if unit != spec.canonical_unit and unit in spec.units:
        factor = spec.units[unit]
        text += f" ({number(round(spec.plausible_min / factor, 3))}-{number(round(spec.plausible_max / factor, 3))} {unit})"
    return text


def plausibility_problem(test: str, value: float | Decimal, unit: str, spec: LabSpec) -> str | None:
    """A value outside the protocol's plausibility limits is refused: it is far likelier a typing or unit
    error than a result."""
    canonical = convert_to_canonical(float(value), unit, spec)
    if spec.plausible_min <= canonical <= spec.plausible_max:
        return None
    return (
        f"{lab_label(test).capitalize()} {number(value)} {unit} is outside the plausible range "
        f"{plausible_range_text(unit, spec)}: check the value and the unit."
    )


def reference_problems(
    test: str, low: Decimal | None, high: Decimal | None, unit: str, spec: LabSpec
) -> dict[str, str]:
    """Errors by field for a reference range in ``unit``: ULN required, above the low limit, and plausible
    (a ULN of 840 typed for 84 would make every value look normal)."""
    problems: dict[str, str] = {}
    if high is None:
        problems["reference_high"] = "The reference high (ULN) is required."
        return problems
    if high <= 0:
        problems["reference_high"] = "The reference high (ULN) must be greater than 0."
    elif plausibility_problem(test, high, unit, spec):
        problems["reference_high"] = (
            f"A ULN of {number(high)} {unit} is outside the plausible range {plausible_range_text(unit, spec)} "
            f"for {lab_label(test)}."
        )
    if low is not None and high is not None and low >= high:
        problems["reference_low"] = f"The reference low ({number(low)}) must be below the high ({number(high)})."
    if low is not None and low < 0:
        problems["reference_low"] = "The reference low cannot be negative."
    return problems


def lab_flag(value: Decimal | float, low: Decimal | float | None, high: Decimal | float | None) -> str:
    """'H' above the reference high, 'L' below the reference low, '' inside (or no range)."""
    if high is not None and value > high:
        return FLAG_HIGH
    if low is not None and value < low:
        return FLAG_LOW
    return ""


def future_problem(on: date, today: date) -> str | None:
    if on > today:
        return f"{on.isoformat()} is in the future (today is {today.isoformat()} at the site)."
    return None


def percent_problem(value: Decimal, limits: tuple[int, int], label: str) -> str | None:
    low, high = limits
    if not low <= value <= high:
        return f"{label} {number(value)}% is outside the plausible range {low}-{high}%: check the value."
    return None


def ana_titer_problem(titer: int | None) -> str | None:
    if titer is not None and not 0 < titer <= MAX_ANA_TITER:
        return f"An ANA titer of 1:{titer} is not plausible (1:1 to 1:{MAX_ANA_TITER})."
    return None


# -- treatments -------------------------------------------------------------------------------------------


def drug_choices(protocol: Protocol) -> list[tuple[str, list[tuple[str, str]]]]:
    """The protocol's drugs grouped by class, for a select box: [(class, [(drug, drug), ...]), ...]."""
    groups = []
    for drug_class in ("antimalarial", "glucocorticoid", "immunosuppressant", "biologic"):
        drugs = getattr(protocol.drugs, drug_class)
        groups.append((drug_class, [(drug, drug) for drug in sorted(drugs)]))
    return groups


def drug_class_of(drug: str, protocol: Protocol) -> str | None:
    found = protocol.drugs.class_of(drug.strip().lower())
    return found.value if found is not None else None


@dataclass(frozen=True)
class SteroidExposure:
    prednisone_mg_per_day: float
    mg_per_kg_day: float | None  # None without a weight


def steroid_exposure(drug: str, dose_mg: Decimal | float, weight_kg: Decimal | float | None,
                     protocol: Protocol) -> SteroidExposure | None:
    """Prednisone-equivalent dose (table C factor from the protocol) and mg/kg/day on the current weight;
    None for a drug that is not a glucocorticoid."""
    factors = protocol.glucocorticoid_factors
    if drug not in factors:
        return None
    prednisone = prednisone_equivalent_mg(drug, float(dose_mg), factors)
    per_kg = prednisone_mg_per_kg_day(prednisone, float(weight_kg)) if weight_kg else None
    return SteroidExposure(prednisone, per_kg)


def treatment_problems(
    *,
    drug: str,
    started_on: date,
    stopped_on: date | None,
    dose_mg_per_day: Decimal | None,
    today: date,
    protocol: Protocol,
) -> dict[str, str]:
    """Errors by field for a treatment course."""
    problems: dict[str, str] = {}
    drug_class = drug_class_of(drug, protocol)
    if drug_class is None:
        problems["drug"] = f"{drug!r} is not on the protocol's drug lists."
    if problem := future_problem(started_on, today):
        problems["started_on"] = problem
    if stopped_on is not None:
        if stopped_on < started_on:
            problems["stopped_on"] = (
                f"The stop date {stopped_on.isoformat()} is before the start date {started_on.isoformat()}."
            )
        elif problem := future_problem(stopped_on, today):
            problems["stopped_on"] = problem + " Leave the stop date empty for an ongoing treatment."
    if dose_mg_per_day is None:
        if drug_class == "glucocorticoid":
            problems["dose_mg_per_day"] = "The daily dose is needed for a glucocorticoid (prednisone equivalent)."
    elif dose_mg_per_day <= 0:
        problems["dose_mg_per_day"] = "The daily dose must be greater than 0."
    elif drug_class == "glucocorticoid":
        exposure = steroid_exposure(drug, dose_mg_per_day, None, protocol)
        if exposure and exposure.prednisone_mg_per_day > MAX_PREDNISONE_EQUIVALENT_MG_PER_DAY:
            problems["dose_mg_per_day"] = (
                f"{number(dose_mg_per_day)} mg/day of {drug} = {number(round(exposure.prednisone_mg_per_day, 1))} "
                f"mg prednisone/day, above the plausible maximum of {MAX_PREDNISONE_EQUIVALENT_MG_PER_DAY} mg/day: "
                "check the dose."
            )
    elif dose_mg_per_day > MAX_DAILY_DOSE_MG:
        problems["dose_mg_per_day"] = (
            f"{number(dose_mg_per_day)} mg/day is above the plausible maximum of {MAX_DAILY_DOSE_MG} mg/day: "
            "check the dose."
        )
    return problems


# -- scores -----------------------------------------------------------------------------------------------


def sledai_groups() -> list[tuple[int, list[str]]]:
    """SLEDAI-2K descriptors grouped by weight, heaviest first (the form's layout)."""
    by_weight: dict[int, list[str]] = {}
    for code, weight in SLEDAI_2K_WEIGHTS.items():
        by_weight.setdefault(weight, []).append(code)
    return sorted(by_weight.items(), reverse=True)


def eular_domains() -> list[tuple[str, bool, list[EularAcrCriterion]]]:
    """2019 EULAR/ACR criteria by domain in the published order: (domain, clinical, criteria)."""
    domains: dict[str, list[EularAcrCriterion]] = {}
    for criterion in EULAR_ACR_2019_CRITERIA.values():
        domains.setdefault(criterion.domain, []).append(criterion)
    return [(domain, criteria[0].clinical, criteria) for domain, criteria in domains.items()]


def unknown_codes(codes: Iterable[str], known: Mapping[str, object]) -> list[str]:
    return [code for code in codes if code not in known]


# Display names of the SLEDAI-2K descriptors (Gladman et al. 2002) and EULAR/ACR criteria (Aringer et al. 2019).
SLEDAI_LABELS: Mapping[str, str] = {
    "seizure": "Seizure", "psychosis": "Psychosis", "organic_brain_syndrome": "Organic brain syndrome",
    "visual_disturbance": "Visual disturbance", "cranial_nerve_disorder": "Cranial nerve disorder",
    "lupus_headache": "Lupus headache", "cva": "Cerebrovascular accident", "vasculitis": "Vasculitis",
    "arthritis": "Arthritis", "myositis": "Myositis", "urinary_casts": "Urinary casts", "hematuria": "Hematuria",
    "proteinuria": "Proteinuria", "pyuria": "Pyuria", "rash": "Rash", "alopecia": "Alopecia",
    "mucosal_ulcers": "Mucosal ulcers", "pleurisy": "Pleurisy", "pericarditis": "Pericarditis",
    "low_complement": "Low complement", "increased_dna_binding": "Increased DNA binding", "fever": "Fever",
    "thrombocytopenia": "Thrombocytopenia", "leukopenia": "Leukopenia",
}
EULAR_LABELS: Mapping[str, str] = {
    "fever": "Fever", "leukopenia": "Leukopenia", "thrombocytopenia": "Thrombocytopenia",
    "autoimmune_hemolysis": "Autoimmune hemolysis", "delirium": "Delirium", "psychosis": "Psychosis",
    "seizure": "Seizure", "non_scarring_alopecia": "Non-scarring alopecia", "oral_ulcers": "Oral ulcers",
    "subacute_cutaneous_or_discoid_lupus": "Subacute cutaneous or discoid lupus",
    "acute_cutaneous_lupus": "Acute cutaneous lupus", "pleural_or_pericardial_effusion": "Pleural or pericardial effusion",
    "acute_pericarditis": "Acute pericarditis", "joint_involvement": "Joint involvement",
    "proteinuria": "Proteinuria > 0.5 g/24 h", "lupus_nephritis_class_ii_or_v": "Lupus nephritis class II or V",
    "lupus_nephritis_class_iii_or_iv": "Lupus nephritis class III or IV",
    "antiphospholipid_antibodies": "Antiphospholipid antibodies", "low_c3_or_low_c4": "Low C3 or low C4",
    "low_c3_and_low_c4": "Low C3 and low C4", "anti_dsdna_or_anti_smith": "Anti-dsDNA or anti-Smith antibody",
}
EULAR_DOMAIN_LABELS: Mapping[str, str] = {
    "constitutional": "Constitutional", "hematologic": "Hematologic", "neuropsychiatric": "Neuropsychiatric",
    "mucocutaneous": "Mucocutaneous", "serosal": "Serosal", "musculoskeletal": "Musculoskeletal", "renal": "Renal",
    "antiphospholipid": "Antiphospholipid antibodies", "complement": "Complement proteins",
    "sle_specific_antibodies": "SLE-specific antibodies",
}


# -- attestations -----------------------------------------------------------------------------------------


def contraception_method_problem(method: str, protocol: Protocol) -> str | None:
    """The method must be one the protocol accepts; the safe period never is."""
    if method == "safe_period":
        return "The safe period (calendar) method is never accepted."
    if method not in protocol.contraception_methods:
        return f"{method!r} is not an accepted contraception method in the protocol."
    return None
