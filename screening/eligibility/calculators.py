"""Pure clinical calculators used by the eligibility criteria: no Django, no clock, no protocol thresholds.

The weights in the SLEDAI-2K and EULAR/ACR 2019 tables are part of the published instruments (tables A and B
of MC-1-50-criteria.md), not trial choices, so they live here; the cut-offs a trial applies to the scores
(SLEDAI >= 7, EULAR/ACR >= 10 points, renal and steroid limits) come from the protocol data.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from types import MappingProxyType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .protocol import LabSpec

# Creatinine molar mass factor: 1 mg/dL = 88.4 umol/L. A chemical constant, not a protocol threshold.
CREATININE_UMOL_PER_MG_DL = 88.4

# Table A: SLEDAI-2K descriptors (Gladman, Ibanez, Urowitz, J Rheumatol 2002;29:288-91).
SLEDAI_2K_WEIGHTS: Mapping[str, int] = MappingProxyType(
    {
        **dict.fromkeys(
            (
                "seizure",
                "psychosis",
                "organic_brain_syndrome",
                "visual_disturbance",
                "cranial_nerve_disorder",
                "lupus_headache",
                "cva",
                "vasculitis",
            ),
            8,
        ),
        **dict.fromkeys(("arthritis", "myositis", "urinary_casts", "hematuria", "proteinuria", "pyuria"), 4),
        **dict.fromkeys(
            (
                "rash",
                "alopecia",
                "mucosal_ulcers",
                "pleurisy",
                "pericarditis",
                "low_complement",
                "increased_dna_binding",
            ),
            2,
        ),
        **dict.fromkeys(("fever", "thrombocytopenia", "leukopenia"), 1),
    }
)


@dataclass(frozen=True)
class EularAcrCriterion:
    code: str
    domain: str
    weight: int
    clinical: bool


def _domain(domain: str, clinical: bool, **weights: int) -> list[EularAcrCriterion]:
    return [EularAcrCriterion(code, domain, weight, clinical) for code, weight in weights.items()]


# Table B: 2019 EULAR/ACR classification criteria for SLE (Aringer et al., Arthritis Rheumatol
# 2019;71:1400-12), in the published order, which also breaks ties inside a domain.
EULAR_ACR_2019_CRITERIA: Mapping[str, EularAcrCriterion] = MappingProxyType(
    {
        c.code: c
        for c in [
            *_domain("constitutional", True, fever=2),
            *_domain("hematologic", True, leukopenia=3, thrombocytopenia=4, autoimmune_hemolysis=4),
            *_domain("neuropsychiatric", True, delirium=2, psychosis=3, seizure=5),
            *_domain(
                "mucocutaneous",
                True,
                non_scarring_alopecia=2,
                oral_ulcers=2,
                subacute_cutaneous_or_discoid_lupus=4,
                acute_cutaneous_lupus=6,
            ),
            *_domain("serosal", True, pleural_or_pericardial_effusion=5, acute_pericarditis=6),
            *_domain("musculoskeletal", True, joint_involvement=6),
            *_domain(
                "renal",
                True,
                proteinuria=4,
                lupus_nephritis_class_ii_or_v=8,
                lupus_nephritis_class_iii_or_iv=10,
            ),
            *_domain("antiphospholipid", False, antiphospholipid_antibodies=2),
            *_domain("complement", False, low_c3_or_low_c4=3, low_c3_and_low_c4=4),
            *_domain("sle_specific_antibodies", False, anti_dsdna_or_anti_smith=6),
        ]
    }
)

# The published classification threshold; the trial's own threshold is passed in from the protocol.
EULAR_ACR_2019_MIN_POINTS = 10


def age_in_years(born: date, on: date) -> int:
    """Whole years of age on `on`; someone born on 29 February has their birthday on 1 March in other years."""
    years = on.year - born.year
    try:
        birthday = born.replace(year=on.year)
    except ValueError:  # 29 February in a non-leap year
        birthday = date(on.year, 3, 1)
    return years - 1 if on < birthday else years


def cockcroft_gault(age: int, weight_kg: float, creatinine: float, unit: str, female: bool) -> float:
    """Creatinine clearance in mL/min: (140 - age) x weight / (72 x SCr mg/dL), x 0.85 for women.

    Cockcroft & Gault, Nephron 1976;16:31-41. Creatinine in umol/L is converted to mg/dL first.
    """
    if unit == "umol/L":
        scr_mg_dl = creatinine / CREATININE_UMOL_PER_MG_DL
    elif unit == "mg/dL":
        scr_mg_dl = creatinine
    else:
        raise ValueError(f"creatinine unit must be umol/L or mg/dL, got {unit!r}")
    if scr_mg_dl <= 0:
        raise ValueError("creatinine must be greater than 0")
    clearance = (140 - age) * weight_kg / (72 * scr_mg_dl)
    return clearance * 0.85 if female else clearance


def ckd_epi_2021(age: int, creatinine_mg_dl: float, female: bool) -> float:
    """eGFR in mL/min/1.73 m2 by the race-free CKD-EPI 2021 creatinine equation (Inker et al., N Engl J Med
    2021;385:1737-49): 142 x min(SCr/k, 1)^a x max(SCr/k, 1)^-1.200 x 0.9938^age (x 1.012 if female), with
    k = 0.7 (female) or 0.9 (male) and a = -0.241 (female) or -0.302 (male), SCr in mg/dL."""
    if creatinine_mg_dl <= 0:
        raise ValueError("creatinine must be greater than 0")
    kappa, alpha = (0.7, -0.241) if female else (0.9, -0.302)
    ratio = creatinine_mg_dl / kappa
    egfr = 142 * min(ratio, 1) ** alpha * max(ratio, 1) ** -1.200 * 0.9938 ** age
    return egfr * 1.012 if female else egfr


@dataclass(frozen=True)
class SledaiScore:
    score: int
    breakdown: tuple[tuple[str, int], ...]


def sledai_2k_score(descriptors: Iterable[str]) -> SledaiScore:
    """SLEDAI-2K: the sum of the weights of the descriptors present (each counted once)."""
    breakdown: dict[str, int] = {}
    for code in descriptors:
        if code not in SLEDAI_2K_WEIGHTS:
            raise ValueError(f"unknown SLEDAI-2K descriptor {code!r}")
        breakdown[code] = SLEDAI_2K_WEIGHTS[code]
    return SledaiScore(score=sum(breakdown.values()), breakdown=tuple(breakdown.items()))


@dataclass(frozen=True)
class EularAcrResult:
    score: int
    counted: Mapping[str, EularAcrCriterion]  # domain -> the criterion that counts for it
    classified: bool
    reasons: tuple[str, ...]  # why it is not classified; empty when classified


def eular_acr_2019(
    entry: bool, criteria: Iterable[str], min_points: int = EULAR_ACR_2019_MIN_POINTS
) -> EularAcrResult:
    """2019 EULAR/ACR SLE classification: entry criterion, then only the highest weight in each domain counts;
    classified with >= `min_points` points and at least one clinical criterion."""
    counted: dict[str, EularAcrCriterion] = {}
    for code in criteria:
        criterion = EULAR_ACR_2019_CRITERIA.get(code)
        if criterion is None:
            raise ValueError(f"unknown EULAR/ACR 2019 criterion {code!r}")
        current = counted.get(criterion.domain)
        if current is None or criterion.weight > current.weight:
            counted[criterion.domain] = criterion
    score = sum(c.weight for c in counted.values())
    reasons = []
    if not entry:
        reasons.append("entry criterion (ANA >= 1:80 on HEp-2) not met")
    if not any(c.clinical for c in counted.values()):
        reasons.append("no clinical criterion")
    if score < min_points:
        reasons.append(f"{score} points < {min_points}")
    return EularAcrResult(
        score=score,
        counted=MappingProxyType(dict(sorted(counted.items(), key=_domain_order))),
        classified=not reasons,
        reasons=tuple(reasons),
    )


_DOMAINS = tuple(dict.fromkeys(c.domain for c in EULAR_ACR_2019_CRITERIA.values()))


def _domain_order(item: tuple[str, EularAcrCriterion]) -> int:
    return _DOMAINS.index(item[0])


def prednisone_equivalent_mg(drug: str, dose_mg: float, factors: Mapping[str, float]) -> float:
    """Daily dose of `drug` expressed as mg of prednisone (table C: mg prednisone per mg of drug)."""
    try:
        factor = factors[drug]
    except KeyError:
        raise ValueError(f"no prednisone-equivalence factor for {drug!r}") from None
    return dose_mg * factor


def prednisone_mg_per_kg_day(prednisone_mg_per_day: float, weight_kg: float) -> float:
    """Steroid exposure relative to actual body weight, the unit the protocol's threshold is in."""
    if weight_kg <= 0:
        raise ValueError("weight must be greater than 0")
    return prednisone_mg_per_day / weight_kg


def add_months(start: date, months: int) -> date:
    """`start` moved by whole calendar months, the day clamped to the end of a shorter month (31 Jan + 1 = 28 Feb)."""
    index = start.year * 12 + start.month - 1 + months
    year, month = divmod(index, 12)
    day = min(start.day, calendar.monthrange(year, month + 1)[1])
    return date(year, month + 1, day)


def calendar_months_between(start: date, end: date) -> int:
    """Whole calendar months from `start` to `end`: the largest n with add_months(start, n) <= end.

    So 2026-01-31 to 2026-02-28 is one month (the month-end clamp), 2026-01-15 to 2026-04-14 is two.
    Negative when `end` is before `start`.
    """
    if end < start:
        return -calendar_months_between(end, start)
    months = (end.year - start.year) * 12 + end.month - start.month
    while months > 0 and add_months(start, months) > end:
        months -= 1
    return months


def uln_multiple(value: float, uln: float) -> float:
    """A lab value as a multiple of its own reference range's upper limit of normal."""
    if uln <= 0:
        raise ValueError("ULN must be greater than 0")
    return value / uln


def convert_to_canonical(value: float, unit: str, lab_spec: LabSpec) -> float:
    """Convert a lab value to the protocol's canonical unit for that test (e.g. creatinine mg/dL -> umol/L)."""
    try:
        factor = lab_spec.units[unit]
    except KeyError:
        raise ValueError(f"unit {unit!r} is not accepted for {lab_spec.test}") from None
    return value * factor
