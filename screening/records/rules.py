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
from typing import Any

from django.utils.translation import gettext as _

from screening.eligibility import Protocol
from screening.eligibility.calculators import (
    EULAR_ACR_2019_CRITERIA,
    SLEDAI_2K_WEIGHTS,
    EularAcrCriterion,
    convert_to_canonical,
    prednisone_equivalent_mg,
    prednisone_mg_per_kg_day,
)
from screening.eligibility.protocol import LabSpec, Limits
from screening.evidence_text import page_language
from screening.fact_names import sentence_start

# Data-entry sanity limits. LVEF, SpO2 and glucocorticoid doses use the protocol's [plausibility] limits,
# the same the engine applies to an imported document, so a form refuses what the engine would send to
# review (6.2 typed for 62). Any other listed drug: mycophenolate tops out at 3 g/day, cyclophosphamide
# pulses near 2 g.
MAX_DAILY_DOSE_MG = 5000
# ANA titer denominators are 40, 80, 160 ... ; 1:40960 is beyond any laboratory's dilution series.
MAX_ANA_TITER = 40960

FLAG_HIGH = "H"
FLAG_LOW = "L"


def number(value: float | Decimal) -> str:
    """A value without trailing zeros: 70.000 -> '70', 0.90 -> '0.9'."""
    return f"{float(value):g}"


def item_label(names: Mapping[str, str] | None, code: str) -> str:
    """A catalogue item's name in the page's language; its code without one."""
    if not names:
        return code.replace("_", " ")
    return names.get(page_language()) or names["en"]


def lab_label(test: str, spec: LabSpec | None = None) -> str:
    return item_label(spec.names if spec is not None else None, test)


def measurement_problems(protocol, values: Mapping[str, Any]) -> dict[str, str]:
    """Errors by field for a measurement: one of the catalogue's, a value inside its plausibility limits."""
    code = values.get("item")
    item = protocol.catalogue.measurements.get(code or "")
    if item is None:
        return {"item": _("The protocol lists no measurement %(item)s.") % {"item": repr(code)}}
    value = values.get("value")
    if value is not None and not item.plausible.contains(float(value)):
        return {"value": _("%(item)s %(value)s %(unit)s is outside the plausible range %(low)s-%(high)s %(unit)s: "
                           "check the value and the unit.") % {
            "item": item_label(item.names, code), "value": number(value), "unit": item.unit,
            "low": number(item.plausible.low), "high": number(item.plausible.high)}}
    return {}


# Qualitative tests the candidate page enters in a panel of their own.
OWN_PANELS = frozenset({"pregnancy_test"})


def qualitative_problems(protocol, values: Mapping[str, Any]) -> dict[str, str]:
    """Errors by field for a qualitative result: a test of the catalogue, a result of its vocabulary, a titer
    only where the test has one (ANA), a pattern only for ANA."""
    test = values.get("test")
    item = protocol.catalogue.qualitative.get(test or "")
    if item is None or test in OWN_PANELS:
        return {"test": _("The protocol lists no qualitative test %(test)s.") % {"test": repr(test)}}
    problems: dict[str, str] = {}
    result = values.get("result")
    if result and result not in item.results:
        problems["result"] = _("%(result)s is not a result of %(test)s (%(results)s).") % {
            "result": repr(result), "test": item_label(item.names, test), "results": ", ".join(item.results)}
    titer = values.get("titer")
    if titer is not None and not item.titer:
        problems["titer"] = _("No titer is recorded for %(test)s.") % {"test": item_label(item.names, test)}
    elif problem := ana_titer_problem(titer):
        problems["titer"] = problem
    if values.get("pattern") and test != "ana":
        problems["pattern"] = _("The pattern is recorded for ANA only.")
    return problems


def unit_problem(test: str, unit: str, spec: LabSpec | None) -> str | None:
    """A unit the protocol does not accept for this test."""
    if spec is None:
        return _("The protocol lists no test %(test)s.") % {"test": repr(test)}
    if unit not in spec.units:
        return _("%(unit)s is not accepted for %(test)s; use %(units)s.") % {
            "unit": unit, "test": lab_label(test, spec), "units": _(" or ").join(spec.units),
        }
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



def range_in_unit(low: Decimal | None, high: Decimal | None, from_unit: str, to_unit: str,
                  spec: LabSpec) -> tuple[Decimal | None, Decimal | None]:
    """A reference range written in ``from_unit``, in ``to_unit`` (unchanged when they are the same)."""
    if from_unit == to_unit:
        return low, high
    return tuple(None if limit is None else convert_unit(limit, from_unit, to_unit, spec) for limit in (low, high))


def lab_value_problem(test: str, value: Decimal, unit: str, spec: LabSpec) -> str | None:
    """A laboratory value refused: not above 0, or outside the protocol's plausibility limits."""
    if value <= 0:
        return _("The value must be greater than 0.")
    return plausibility_problem(test, value, unit, spec)

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
    return _(
        "%(test)s %(value)s %(unit)s is outside the plausible range %(range)s: check the value and the unit."
    ) % {
        "test": sentence_start(lab_label(test, spec)), "value": number(value), "unit": unit,
        "range": plausible_range_text(unit, spec),
    }


def reference_problems(
    test: str, low: Decimal | None, high: Decimal | None, unit: str, spec: LabSpec
) -> dict[str, str]:
    """Errors by field for a reference range in ``unit``: ULN required, above the low limit, and plausible
    (a ULN of 840 typed for 84 would make every value look normal)."""
    problems: dict[str, str] = {}
    if high is None:
        problems["reference_high"] = _("The reference high (ULN) is required.")
        return problems
    if high <= 0:
        problems["reference_high"] = _("The reference high (ULN) must be greater than 0.")
    elif plausibility_problem(test, high, unit, spec):
        problems["reference_high"] = _(
            "A ULN of %(high)s %(unit)s is outside the plausible range %(range)s for %(test)s."
        ) % {
            "high": number(high), "unit": unit, "range": plausible_range_text(unit, spec), "test": lab_label(test, spec),
        }
    if low is not None and high is not None and low >= high:
        problems["reference_low"] = _("The reference low (%(low)s) must be below the high (%(high)s).") % {
            "low": number(low), "high": number(high),
        }
    if low is not None and low < 0:
        problems["reference_low"] = _("The reference low cannot be negative.")
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
        return _("%(date)s is in the future (today is %(today)s at the site).") % {
            "date": on.isoformat(), "today": today.isoformat(),
        }
    return None


def percent_problem(value: Decimal, limits: Limits, label: str) -> str | None:
    if not limits.contains(float(value)):
        return _("%(label)s %(value)s%% is outside the plausible range %(low)s-%(high)s%%: check the value.") % {
            "label": label, "value": number(value), "low": f"{limits.low:g}", "high": f"{limits.high:g}",
        }
    return None


def ana_titer_problem(titer: int | None) -> str | None:
    if titer is not None and not 0 < titer <= MAX_ANA_TITER:
        return _("An ANA titer of 1:%(titer)s is not plausible (1:1 to 1:%(max)s).") % {
            "titer": titer, "max": MAX_ANA_TITER,
        }
    return None


# -- treatments -------------------------------------------------------------------------------------------


def drug_spellings(protocol: Protocol) -> list[tuple[str, str]]:
    """Every name and synonym of the dictionary with the drug it means, for the type-ahead list:
    [(spelling, "drug (class)"), ...], the names first."""
    catalogue = protocol.catalogue
    drugs = catalogue.dictionary.drugs.values()

    def class_of(drug) -> str:  # the protocol's name of the class, in the page's language
        return item_label(catalogue.class_names.get(drug.classes[0]), drug.classes[0])

    names = [(drug.name, class_of(drug)) for drug in drugs]
    synonyms = [(synonym, f"{drug.name} ({class_of(drug)})") for drug in drugs for synonym in drug.synonyms]
    return sorted(names, key=lambda item: item[0].casefold()) + sorted(synonyms, key=lambda item: item[0].casefold())


def drug_class_of(drug: str, protocol: Protocol) -> str | None:
    """Through the protocol's dictionary, as the engine matches an imported document's names."""
    found = protocol.catalogue.dictionary.find(drug)
    return found.classes[0] if found is not None else None


def canonical_drug(drug: str, protocol: Protocol) -> str:
    """The protocol's name for a drug written any way the dictionary knows (MMF -> mycophenolate)."""
    found = protocol.catalogue.dictionary.find(drug)
    return found.name if found is not None else " ".join(drug.split()).lower()


@dataclass(frozen=True)
class SteroidExposure:
    prednisone_mg_per_day: float
    mg_per_kg_day: float | None  # None without a weight


def steroid_exposure(drug: str, dose_mg: Decimal | float, weight_kg: Decimal | float | None,
                     protocol: Protocol) -> SteroidExposure | None:
    """Prednisone-equivalent dose (table C factor from the protocol) and mg/kg/day on the current weight;
    None for a drug that is not a glucocorticoid."""
    factors = protocol.glucocorticoid_factors
    drug = canonical_drug(drug, protocol)
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
        problems["drug"] = _("%(drug)s is not on the protocol's drug lists.") % {"drug": repr(drug)}
    if problem := future_problem(started_on, today):
        problems["started_on"] = problem
    if stopped_on is not None:
        if stopped_on < started_on:
            problems["stopped_on"] = _("The stop date %(stop)s is before the start date %(start)s.") % {
                "stop": stopped_on.isoformat(), "start": started_on.isoformat(),
            }
        elif problem := future_problem(stopped_on, today):
            problems["stopped_on"] = problem + " " + _("Leave the stop date empty for an ongoing treatment.")
    if dose_mg_per_day is None:
        if drug_class == "glucocorticoid":
            problems["dose_mg_per_day"] = _("The daily dose is needed for a glucocorticoid (prednisone equivalent).")
    elif dose_mg_per_day <= 0:
        problems["dose_mg_per_day"] = _("The daily dose must be greater than 0.")
    elif drug_class == "glucocorticoid":
        exposure = steroid_exposure(drug, dose_mg_per_day, None, protocol)
        limits = protocol.plausibility.glucocorticoid_prednisone_mg_per_day
        if exposure and not limits.contains(exposure.prednisone_mg_per_day):
            problems["dose_mg_per_day"] = _(
                "%(dose)s mg/day of %(drug)s = %(prednisone)s mg prednisone/day, outside the plausible range "
                "%(low)s-%(max)s mg/day: check the dose."
            ) % {
                "dose": number(dose_mg_per_day), "drug": drug,
                "prednisone": number(round(exposure.prednisone_mg_per_day, 1)),
                "low": f"{limits.low:g}", "max": f"{limits.high:g}",
            }
    elif dose_mg_per_day > MAX_DAILY_DOSE_MG:
        problems["dose_mg_per_day"] = _(
            "%(dose)s mg/day is above the plausible maximum of %(max)s mg/day: check the dose."
        ) % {"dose": number(dose_mg_per_day), "max": MAX_DAILY_DOSE_MG}
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


# -- attestations -----------------------------------------------------------------------------------------


def contraception_method_problem(method: str, protocol: Protocol) -> str | None:
    """The method must be one the protocol accepts; the safe period never is."""
    if method == "safe_period":
        return _("The safe period (calendar) method is never accepted.")
    if method not in protocol.contraception_methods:
        return _("%(method)s is not an accepted contraception method in the protocol.") % {"method": repr(method)}
    return None
