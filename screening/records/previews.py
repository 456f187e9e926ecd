"""What an entry form shows live while it is filled in (htmx) and after a plain POST: the SLEDAI-2K score,
the EULAR/ACR score with the criterion that counts per domain, the prednisone equivalent of a glucocorticoid
dose, a lab value's conversion and H/L flag. All numbers come from the pure calculators and rules."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.http import QueryDict
from django.utils.translation import gettext as _

from patients.models import Patient
from screening.eligibility import Protocol
from screening.eligibility.calculators import (
    EULAR_ACR_2019_CRITERIA,
    SLEDAI_2K_WEIGHTS,
    eular_acr_2019,
    sledai_2k_score,
)
from screening.eligibility.general.messages import message, render
from screening.eligibility.instruments import INSTRUMENTS
from screening.records import rules
from screening.records.kinds import other_classifications
from screening.records.selectors import reference_range_of


def _decimal(raw: Any) -> Decimal | None:
    try:
        value = Decimal(str(raw).strip())
    except (InvalidOperation, ValueError):
        return None
    return value if value.is_finite() else None


def sledai_preview(data: QueryDict | dict, protocol: Protocol) -> dict[str, Any]:
    codes = [code for code in _list(data, "descriptors") if code in SLEDAI_2K_WEIGHTS]
    score = sledai_2k_score(codes)
    minimum = _instrument_param(protocol, "sledai_2k", "min_score")
    return {
        "score": score.score,
        "terms": [(rules.SLEDAI_LABELS[code], weight) for code, weight in score.breakdown],
        "minimum": minimum,
        "reaches": minimum is not None and score.score >= minimum,
    }


@dataclass(frozen=True)
class DomainRow:
    domain: str
    clinical: bool
    counted: str  # the criterion that counts, '' if none ticked
    weight: int
    ignored: list[str]  # ticked criteria of the domain that do not count (a higher one does)


def eular_preview(data: QueryDict | dict, protocol: Protocol) -> dict[str, Any]:
    codes = [code for code in _list(data, "criteria") if code in EULAR_ACR_2019_CRITERIA]
    entry_raw = _first(data, "ana_ever_1_80_hep2")
    entry = entry_raw == "yes" if entry_raw in ("yes", "no") else None
    minimum = _instrument_param(protocol, "eular_acr_2019", "min_points")
    result = eular_acr_2019(bool(entry), codes, minimum) if minimum is not None else eular_acr_2019(bool(entry), codes)
    rows = []
    for domain, clinical, criteria in rules.eular_domains():
        counted = result.counted.get(domain)
        ticked = [c.code for c in criteria if c.code in codes]
        rows.append(DomainRow(
            rules.EULAR_DOMAIN_LABELS[domain], clinical,
            rules.EULAR_LABELS[counted.code] if counted else "", counted.weight if counted else 0,
            [rules.EULAR_LABELS[code] for code in ticked if not counted or code != counted.code],
        ))
    # The instrument's reasons are message ids, translated like the engine's evidence.
    judged = INSTRUMENTS["eular_acr_2019"].judge(
        tuple(codes), {"ana_ever_1_80_hep2": True if entry is None else entry},
        {} if minimum is None else {"min_points": minimum})
    reasons = [render(message(reason), _) for reason in judged.reasons]
    if entry is None:
        reasons = [_("entry criterion not answered"), *reasons]
    return {"score": result.score, "rows": rows, "classified": entry is not None and result.classified,
            "reasons": reasons, "minimum": minimum}


def treatment_preview(data: QueryDict | dict, protocol: Protocol, patient: Patient) -> dict[str, Any]:
    drug = rules.canonical_drug(_first(data, "drug") or "", protocol)
    drug_class = rules.drug_class_of(drug, protocol) if drug else None
    dose = _decimal(_first(data, "dose_mg_per_day"))
    exposure = None
    if drug_class == "glucocorticoid" and dose is not None and dose > 0:
        exposure = rules.steroid_exposure(drug, dose, patient.weight_kg, protocol)
    minimum = _steroid_minimum(protocol)
    return {
        "drug": drug, "drug_class": drug_class, "exposure": exposure, "weight_kg": patient.weight_kg,
        "factor": protocol.glucocorticoid_factors.get(drug), "minimum": minimum,
        "reaches": exposure is not None and exposure.mg_per_kg_day is not None and minimum is not None
        and exposure.mg_per_kg_day >= minimum,
    }


def lab_preview(data: QueryDict | dict, protocol: Protocol, patient: Patient) -> dict[str, Any]:
    test, unit = _first(data, "test"), _first(data, "unit")
    spec = protocol.lab_tests.get(test or "")
    preview: dict[str, Any] = {"test": rules.lab_label(test or "", spec), "unit": unit}
    if spec is None:
        return preview
    default = reference_range_of(patient.site, test, patient.sex)
    preview["default"] = default
    preview["plausible"] = rules.plausible_range_text(unit if unit in spec.units else spec.canonical_unit, spec)
    if problem := rules.unit_problem(test, unit or "", spec):
        preview["problem"] = problem
        return preview
    value = _decimal(_first(data, "value"))
    if value is None or value <= 0:
        return preview
    if problem := rules.plausibility_problem(test, value, unit, spec):
        preview["problem"] = problem
        return preview
    low, high = _decimal(_first(data, "reference_low")), _decimal(_first(data, "reference_high"))
    if high is not None and not float(high) > 0:  # 1e-400 is a Decimal > 0 but a float 0.0
        preview["problem"] = _("The reference high (ULN) must be a number greater than 0.")
        return preview
    if low is None and high is None and default is not None:
        low, high = rules.range_in_unit(default.low, default.high, default.unit, unit, spec)
    preview.update({
        "value": value,
        "canonical": rules.to_canonical(value, unit, spec) if unit != spec.canonical_unit else None,
        "canonical_unit": spec.canonical_unit,
        "low": low, "high": high,
        "flag": rules.lab_flag(value, low, high),
        "uln_multiple": round(float(value) / float(high), 2) if high else None,
    })
    return preview


def classification_preview(data: QueryDict | dict, protocol: Protocol) -> dict[str, Any]:
    """The chosen instrument's live conclusion from the criteria ticked for it."""
    name = data.get("instrument") or next(iter(other_classifications(protocol)), None)
    instrument = INSTRUMENTS.get(name) if name else None
    if instrument is None or instrument.judge is None:
        return {"instrument": None}
    codes = tuple(value.split(":", 1)[1] for value in _list(data, "criteria") if value.startswith(f"{name}:"))
    flags = {flag: data.get(f"flag_{flag}") == "yes" for flag in instrument.flags if data.get(f"flag_{flag}")}
    outcome = instrument.judge(codes, flags, {})
    return {"instrument": instrument.title, "count": int(outcome.score), "classified": outcome.classified}


def preview_for(slug: str, data: QueryDict | dict, protocol: Protocol, patient: Patient) -> dict[str, Any] | None:
    if slug == "sledai":
        return sledai_preview(data, protocol)
    if slug == "eular":
        return eular_preview(data, protocol)
    if slug == "classifications":
        return classification_preview(data, protocol)
    if slug == "treatments":
        return treatment_preview(data, protocol, patient)
    if slug == "labs":
        return lab_preview(data, protocol, patient)
    return None


def _list(data: QueryDict | dict, key: str) -> list[str]:
    if isinstance(data, QueryDict):
        return data.getlist(key)
    value = data.get(key) or []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _first(data: QueryDict | dict, key: str) -> Any:
    value = data.get(key)
    if isinstance(value, (list, tuple)):
        return value[0] if value else None
    return value


def _instrument_param(protocol: Protocol, instrument: str, name: str) -> Any:
    """A parameter of the first criterion reading ``instrument`` (the live score shows the trial's cut-off)."""
    for node in protocol.nodes():
        if node.kind == "instrument" and node.params["instrument"] == instrument and name in node.params:
            return node.params[name]
    return None


def _steroid_minimum(protocol: Protocol) -> Any:
    """The minimum of the first criterion on the glucocorticoid dose per kg (MC-1-50's I03b: 1 mg/kg/day)."""
    for node in protocol.nodes():
        params = node.params
        if node.kind == "medication" and params["measure"] == "dose" and params.get("per_kg") and "min" in params:
            return params["min"]
    return None
