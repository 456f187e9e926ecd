"""The registry of validated instruments, against worked examples of the published definitions.

SLEDAI-2K, 2019 EULAR/ACR and Cockcroft-Gault are also covered in test_calculators.py.
"""

from __future__ import annotations

import pytest

from screening.eligibility.calculators import ckd_epi_2021, cockcroft_gault
from screening.eligibility.instruments import INSTRUMENTS


# Inker et al., N Engl J Med 2021;385:1737-49, the race-free creatinine equation, worked by hand:
# 60-year-old man, 1.0 mg/dL: 142 x (1.0/0.9)^-1.200 x 0.9938^60 = 142 x 0.8812 x 0.6886 = 86.2;
# 50-year-old woman, 1.0 mg/dL: 142 x (1.0/0.7)^-1.200 x 0.9938^50 x 1.012 = 68.6;
# 40-year-old woman, 0.5 mg/dL (below kappa): 142 x (0.5/0.7)^-0.241 x 0.9938^40 x 1.012 = 121.5;
# 30-year-old man at kappa, 0.9 mg/dL: 142 x 0.9938^30 = 117.8.
@pytest.mark.parametrize(
    ("age", "creatinine", "female", "egfr"),
    [(60, 1.0, False, 86.2), (50, 1.0, True, 68.6), (40, 0.5, True, 121.5), (30, 0.9, False, 117.8)],
)
def test_ckd_epi_2021_matches_the_worked_examples(age, creatinine, female, egfr) -> None:
    assert ckd_epi_2021(age, creatinine, female) == pytest.approx(egfr, abs=0.1)


def test_ckd_epi_2021_refuses_a_zero_creatinine() -> None:
    with pytest.raises(ValueError):
        ckd_epi_2021(40, 0, True)


# Cockcroft & Gault, Nephron 1976;16:31-41: (140 - age) x weight / (72 x SCr), x 0.85 for women.
# 60-year-old man, 70 kg, 1.0 mg/dL: 80 x 70 / 72 = 77.8; the same woman: 66.1.
@pytest.mark.parametrize(("female", "clearance"), [(False, 77.8), (True, 66.1)])
def test_cockcroft_gault_matches_the_worked_example(female, clearance) -> None:
    assert cockcroft_gault(60, 70, 1.0, "mg/dL", female) == pytest.approx(clearance, abs=0.05)


def _judge(name: str, codes: list[str], **flags: bool | None):
    return INSTRUMENTS[name].judge(tuple(codes), flags, {})


# Hochberg 1997: four or more of the eleven criteria, serially or simultaneously.
@pytest.mark.parametrize(("count", "classified"), [(3, False), (4, True), (11, True)])
def test_acr_1997_needs_four_of_eleven(count: int, classified: bool) -> None:
    codes = list(INSTRUMENTS["acr_1997"].codes)[:count]
    outcome = _judge("acr_1997", codes)
    assert outcome.classified is classified and outcome.score == count


# Petri et al. 2012: four criteria with at least one clinical and one immunologic, or biopsy-proven lupus
# nephritis with ANA or anti-dsDNA.
@pytest.mark.parametrize(
    ("codes", "biopsy", "classified"),
    [
        (["acute_cutaneous_lupus", "oral_ulcers", "synovitis", "renal"], False, False),  # no immunologic
        (["ana", "anti_dsdna", "anti_sm", "low_complement"], False, False),  # no clinical
        (["acute_cutaneous_lupus", "oral_ulcers", "synovitis", "anti_dsdna"], False, True),
        (["synovitis", "anti_dsdna", "low_complement"], False, False),  # three only
        (["anti_dsdna"], True, True),  # the stand-alone renal rule
        (["anti_sm"], True, False),  # biopsy without ANA or anti-dsDNA
    ],
)
def test_slicc_2012_rules(codes: list[str], biopsy: bool, classified: bool) -> None:
    assert _judge("slicc_2012", codes, biopsy_proven_lupus_nephritis=biopsy).classified is classified


def test_eular_acr_2019_needs_the_entry_criterion_recorded() -> None:
    outcome = _judge("eular_acr_2019", ["joint_involvement", "anti_dsdna_or_anti_smith"], ana_ever_1_80_hep2=None)
    assert outcome.classified is None and outcome.missing == ("ana_ever_1_80_hep2",)
    assert _judge("eular_acr_2019", ["joint_involvement", "anti_dsdna_or_anti_smith"],
                  ana_ever_1_80_hep2=True).classified is True
