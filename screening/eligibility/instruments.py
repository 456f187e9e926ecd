"""The registry of validated instruments a protocol may choose from (its `catalogue.instruments` list).

An instrument is published science, not a trial's choice, so it lives in code and is tested against the
published worked examples (tests/eligibility/test_instruments.py); the cut-off a trial applies to it
(SLEDAI-2K >= 7, eGFR >= 60) is protocol data. Three shapes:

- a score (SLEDAI-2K): the recorded items give a number, dated by its assessment;
- a classification (2019 EULAR/ACR, ACR 1997, SLICC 2012): the recorded criteria classify or not, ever;
- a derived value (Cockcroft-Gault, CKD-EPI 2021, body mass index): computed from catalogue items
  (creatinine, sex, age, weight, height), read by a `value` criterion like a lab value.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from .calculators import (
    EULAR_ACR_2019_CRITERIA,
    EULAR_ACR_2019_MIN_POINTS,
    SLEDAI_2K_WEIGHTS,
    eular_acr_2019,
    sledai_2k_score,
)

ACR_1997_CRITERIA = (
    "malar_rash", "discoid_rash", "photosensitivity", "oral_ulcers", "arthritis", "serositis", "renal_disorder",
    "neurologic_disorder", "hematologic_disorder", "immunologic_disorder", "antinuclear_antibody",
)
ACR_1997_MIN_CRITERIA = 4  # Hochberg, Arthritis Rheum 1997;40:1725 (Tan et al. 1982, revised)

SLICC_2012_CLINICAL = (
    "acute_cutaneous_lupus", "chronic_cutaneous_lupus", "oral_ulcers", "nonscarring_alopecia", "synovitis",
    "serositis", "renal", "neurologic", "hemolytic_anemia", "leukopenia_or_lymphopenia", "thrombocytopenia",
)
SLICC_2012_IMMUNOLOGIC = ("ana", "anti_dsdna", "anti_sm", "antiphospholipid", "low_complement", "direct_coombs")
SLICC_2012_MIN_CRITERIA = 4  # Petri et al., Arthritis Rheum 2012;64:2677-86


@dataclass(frozen=True)
class Outcome:
    """What an instrument concluded: a score, a classification, and how it got there."""

    score: float
    classified: bool | None  # None for a pure score
    breakdown: tuple[tuple[str, int], ...]  # (item, points) counted
    reasons: tuple[str, ...] = ()  # message ids of why it does not classify
    missing: tuple[str, ...] = ()  # flags the classification needs that are not recorded


@dataclass(frozen=True)
class Instrument:
    name: str
    title: str
    shape: str  # "score", "classification" or "derived"
    codes: tuple[str, ...] = ()  # the items/criteria a record lists
    flags: tuple[str, ...] = ()  # true/false keys a record may carry
    dated: bool = False  # a record has `assessed_on` and must be inside the window
    needs: tuple[tuple[str, str], ...] = ()  # catalogue (section, code) the instrument reads
    unit: str = ""  # of a derived value
    judge: Callable[[tuple[str, ...], Mapping[str, bool | None], Mapping[str, float]], Outcome] | None = None
    params: tuple[str, ...] = ()  # numeric parameters a criterion may pass (EULAR/ACR's min_points)


def _sledai(codes: tuple[str, ...], flags: Mapping[str, bool | None], params: Mapping[str, float]) -> Outcome:
    result = sledai_2k_score(codes)
    return Outcome(result.score, None, result.breakdown)


def _eular(codes: tuple[str, ...], flags: Mapping[str, bool | None], params: Mapping[str, float]) -> Outcome:
    entry = flags.get("ana_ever_1_80_hep2")
    minimum = int(params.get("min_points", EULAR_ACR_2019_MIN_POINTS))
    if entry is None:
        result = eular_acr_2019(True, codes, minimum)
        return Outcome(result.score, None, tuple((c.code, c.weight) for c in result.counted.values()),
                       missing=("ana_ever_1_80_hep2",))
    result = eular_acr_2019(entry, codes, minimum)
    reasons = []
    if not entry:
        reasons.append("instrument.eular.no_entry")
    if not any(c.clinical for c in result.counted.values()):
        reasons.append("instrument.eular.no_clinical")
    if result.score < minimum:
        reasons.append("instrument.eular.too_few_points")
    return Outcome(result.score, result.classified, tuple((c.code, c.weight) for c in result.counted.values()),
                   tuple(reasons))


def _count(codes: Iterable[str]) -> tuple[tuple[str, int], ...]:
    return tuple((code, 1) for code in dict.fromkeys(codes))


def _acr_1997(codes: tuple[str, ...], flags: Mapping[str, bool | None], params: Mapping[str, float]) -> Outcome:
    counted = _count(codes)
    classified = len(counted) >= ACR_1997_MIN_CRITERIA
    return Outcome(len(counted), classified, counted, () if classified else ("instrument.acr_1997.too_few",))


def _slicc_2012(codes: tuple[str, ...], flags: Mapping[str, bool | None], params: Mapping[str, float]) -> Outcome:
    """4 criteria with at least one clinical and one immunologic, or biopsy-proven lupus nephritis with ANA or
    anti-dsDNA (the stand-alone rule)."""
    counted = _count(codes)
    present = {code for code, _ in counted}
    clinical = present & set(SLICC_2012_CLINICAL)
    immunologic = present & set(SLICC_2012_IMMUNOLOGIC)
    if flags.get("biopsy_proven_lupus_nephritis") and present & {"ana", "anti_dsdna"}:
        return Outcome(len(counted), True, counted)
    reasons = []
    if len(counted) < SLICC_2012_MIN_CRITERIA:
        reasons.append("instrument.slicc.too_few")
    if not clinical:
        reasons.append("instrument.slicc.no_clinical")
    if not immunologic:
        reasons.append("instrument.slicc.no_immunologic")
    return Outcome(len(counted), not reasons, counted, tuple(reasons))


_RENAL = (("labs", "creatinine"), ("attributes", "sex"), ("attributes", "date_of_birth"))

INSTRUMENTS: Mapping[str, Instrument] = MappingProxyType(
    {
        "sledai_2k": Instrument("sledai_2k", "SLEDAI-2K", "score", tuple(SLEDAI_2K_WEIGHTS), dated=True,
                                judge=_sledai),
        "eular_acr_2019": Instrument("eular_acr_2019", "2019 EULAR/ACR", "classification",
                                     tuple(EULAR_ACR_2019_CRITERIA), ("ana_ever_1_80_hep2",), judge=_eular,
                                     params=("min_points",)),
        "acr_1997": Instrument("acr_1997", "ACR 1997", "classification", ACR_1997_CRITERIA, judge=_acr_1997),
        "slicc_2012": Instrument("slicc_2012", "SLICC 2012", "classification",
                                 SLICC_2012_CLINICAL + SLICC_2012_IMMUNOLOGIC, ("biopsy_proven_lupus_nephritis",),
                                 judge=_slicc_2012),
        "cockcroft_gault": Instrument("cockcroft_gault", "Cockcroft-Gault creatinine clearance", "derived",
                                      needs=(*_RENAL, ("attributes", "weight_kg")), unit="mL/min"),
        "ckd_epi_2021": Instrument("ckd_epi_2021", "CKD-EPI 2021 eGFR", "derived", needs=_RENAL,
                                   unit="mL/min/1.73 m2"),
        "bmi": Instrument("bmi", "body mass index", "derived",
                          needs=(("attributes", "weight_kg"), ("attributes", "height_cm")), unit="kg/m2"),
    }
)
