"""Pure lab rules: unit conversion with the protocol's factors, plausibility limits, H/L flags."""

from __future__ import annotations

from decimal import Decimal

import pytest

from screening.eligibility import load_protocol_file
from screening.models.labs import Outcome, Specimen
from screening.models.treatments import DrugClass
from screening.records import rules

pytestmark = pytest.mark.requirement("DAT-01")

PROTOCOL = load_protocol_file("trial/protocols/mc-1-50.toml")
CREATININE = PROTOCOL.lab_tests["creatinine"]
BILIRUBIN = PROTOCOL.lab_tests["total_bilirubin"]
ALT = PROTOCOL.lab_tests["alt"]


def test_model_codes_are_the_catalogues_codes():
    """The facts builder copies codes verbatim, so MC-1-50's entry forms must store the catalogue's codes."""
    catalogue = PROTOCOL.catalogue
    assert all(set(Outcome.values) == set(catalogue.qualitative[t].results) for t in catalogue.qualitative)
    assert set(Specimen.values) == set(catalogue.qualitative["pregnancy_test"].specimens)
    assert set(DrugClass.values) == catalogue.dictionary.classes
    questions = {"no_serious_mental_disorder", "apheresis_suitable", "contraception_agreed", "no_gamete_donation_agreed"}
    assert questions <= set(catalogue.questions)


@pytest.mark.parametrize(
    ("value", "unit", "spec", "canonical"),
    [
        (Decimal("1.5"), "mg/dL", CREATININE, Decimal("132.6000")),  # 1.5 x 88.4
        (Decimal("70"), "umol/L", CREATININE, Decimal("70.0000")),
        (Decimal("1.2"), "mg/dL", BILIRUBIN, Decimal("20.5200")),  # 1.2 x 17.1
    ],
)
def test_conversion_to_the_canonical_unit_uses_the_protocol_factor(value, unit, spec, canonical):
    assert rules.to_canonical(value, unit, spec) == canonical


def test_conversion_between_units_goes_through_the_canonical_unit():
    assert rules.convert_unit(Decimal("84"), "umol/L", "mg/dL", CREATININE) == Decimal("0.950")
    assert rules.convert_unit(Decimal("0.95"), "mg/dL", "umol/L", CREATININE) == Decimal("83.980")


def test_a_unit_the_test_does_not_allow_is_named():
    assert rules.unit_problem("alt", "mg/dL", ALT) == "mg/dL is not accepted for ALT; use U/L."
    assert rules.unit_problem("creatinine", "mg/dL", CREATININE) is None


@pytest.mark.parametrize(
    ("value", "unit", "plausible"),
    [
        (Decimal("10"), "umol/L", True),  # exactly at the lower limit
        (Decimal("2000"), "umol/L", True),  # exactly at the upper limit
        (Decimal("9.9"), "umol/L", False),
        (Decimal("2000.1"), "umol/L", False),
        (Decimal("22.6"), "mg/dL", True),  # 1997.84 umol/L
        (Decimal("23"), "mg/dL", False),  # 2033.2 umol/L
    ],
)
def test_creatinine_plausibility_limits_from_the_protocol(value, unit, plausible):
    assert (rules.plausibility_problem("creatinine", value, unit, CREATININE) is None) == plausible


def test_plausibility_message_names_the_limits_in_both_units():
    message = rules.plausibility_problem("creatinine", Decimal("30"), "mg/dL", CREATININE)
    assert message == (
        "Creatinine 30 mg/dL is outside the plausible range 10-2000 umol/L (0.113-22.624 mg/dL): "
        "check the value and the unit."
    )


@pytest.mark.parametrize(
    ("value", "low", "high", "flag"),
    [
        (Decimal("85"), Decimal("45"), Decimal("84"), "H"),
        (Decimal("84"), Decimal("45"), Decimal("84"), ""),  # at the limit: normal
        (Decimal("45"), Decimal("45"), Decimal("84"), ""),
        (Decimal("44"), Decimal("45"), Decimal("84"), "L"),
        (Decimal("10"), None, Decimal("84"), ""),  # no low limit: never L
    ],
)
def test_h_l_flags_against_the_reference_range(value, low, high, flag):
    assert rules.lab_flag(value, low, high) == flag


def test_reference_range_problems():
    assert rules.reference_problems("creatinine", Decimal("90"), Decimal("84"), "umol/L", CREATININE) == {
        "reference_low": "The reference low (90) must be below the high (84)."
    }
    assert "outside the plausible range" in rules.reference_problems(
        "creatinine", None, Decimal("8400"), "umol/L", CREATININE
    )["reference_high"]
    assert rules.reference_problems("creatinine", Decimal("45"), Decimal("84"), "umol/L", CREATININE) == {}
