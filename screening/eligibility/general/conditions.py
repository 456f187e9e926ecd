"""The general condition kinds: one pure function per kind, `(node params, scope) -> Finding`.

Decided here, for every protocol:
- a value is compared in the item's canonical unit; a unit the catalogue does not accept for the item, a
  value outside its plausibility limits or a ULN outside the test's ULN limits is `REVIEW` (doubtful):
  the data exists but is probably mis-entered, and someone must look rather than the engine guess;
- the newest valid record decides; several on the newest day are tried one by one (engine.py);
- bounds are inclusive (`min = 60` holds for 60), with float noise never flipping a boundary;
- ages are whole years on the consent date unless the criterion says `on = "evaluation"`;
- derived values (Cockcroft-Gault, CKD-EPI 2021) use the age on the creatinine's collection date;
- medication: a drug the dictionary does not know counts as nothing and is named; treatments starting
  after the evaluation date are ignored and named; a missing treatment history is `MISSING`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from ..calculators import (
    CREATININE_UMOL_PER_MG_DL,
    add_months,
    age_in_years,
    calendar_months_between,
    ckd_epi_2021,
    cockcroft_gault,
)
from ..catalogue import LabItem, Limits
from ..instruments import INSTRUMENTS
from ..numbers import at_least, at_most, decisive, num
from .facts import HISTORY, LabRecord, TreatmentRecord, answer_ref
from .messages import Message, message
from .scope import Finding, Scope, Truth, finding, holds, no_record

# -- bounds ------------------------------------------------------------------------------------------------------


def _within(value: float, params: Mapping[str, Any], low: str, high: str) -> tuple[bool, str, float]:
    """Whether `value` is inside the bounds, and the bound that decides (for the evidence)."""
    if low in params and not at_least(value, params[low]):
        return False, "min", params[low]
    if high in params and not at_most(value, params[high]):
        return False, "max", params[high]
    if high in params:
        return True, "max", params[high]
    return True, "min", params[low]


def span_start(reference: date, span: tuple[str, int]) -> tuple[date, Message]:
    """The date `span` (unit, count) before `reference`, and the span as the protocol wrote it."""
    unit, count = span
    if unit == "months":
        start = add_months(reference, -count)
    else:
        start = reference - timedelta(days=count * (7 if unit == "weeks" else 1))
    return start, message(f"span.{unit}", count=count)


def _bound(word: str) -> Message:
    return message(f"bound.{word}")


def _doubtful(item: str, value: float, unit: str, limits: Limits, ref: str) -> Finding | None:
    if limits.contains(value):
        return None
    return finding(Truth.REVIEW, message("value.implausible", item=item, value=num(value), unit=unit,
                                         low=num(round(limits.low, 3)), high=num(round(limits.high, 3)), ref=ref),
                   uses=[ref], needed=[message("need.check", item=item, ref=ref)], doubtful=True)


# -- value: a lab, a measurement, a number attribute or a derived value against bounds -----------------------------


def value(params: Mapping[str, Any], scope: Scope) -> Finding:
    code = params["item"]
    catalogue = scope.protocol.catalogue
    if code in catalogue.labs:
        return _lab_value(params, scope)
    if code in catalogue.measurements:
        return _measurement_value(params, scope)
    if code in catalogue.attributes:
        return _attribute_value(params, scope)
    return _derived_value(params, scope)


def lab_reading(code: str, scope: Scope) -> tuple[LabRecord, float] | Finding:
    """The newest valid result of lab `code` and its value in the canonical unit, or why there is none."""
    item: LabItem = scope.protocol.catalogue.labs[code]
    window = scope.window(item)
    pick = scope.newest(f"labs:{code}", [(r.ref, r.on, r.source, r) for r in scope.facts.labs if r.test == code],
                        window)
    if pick.record is None:
        return no_record(code, window, pick)
    lab: LabRecord = pick.record
    shown = {"item": code, "value": num(lab.value), "unit": lab.unit, "ref": lab.ref, "date": lab.on.isoformat()}
    if lab.unit not in item.units:
        return finding(Truth.REVIEW, message("value.unit_not_accepted", **shown, accepted=" or ".join(item.units)),
                       uses=[lab.ref], needed=[message("need.check", item=code, ref=lab.ref)], doubtful=True)
    doubtful = _doubtful(code, lab.value, lab.unit, item.limits_in(lab.unit), lab.ref)
    if doubtful:
        return doubtful
    return lab, lab.value * item.units[lab.unit]


def _lab_value(params: Mapping[str, Any], scope: Scope) -> Finding:
    code = params["item"]
    reading = lab_reading(code, scope)
    if isinstance(reading, Finding):
        return reading
    lab, canonical = reading
    item = scope.protocol.catalogue.labs[code]
    shown = {"item": code, "value": num(lab.value), "unit": lab.unit, "ref": lab.ref, "date": lab.on.isoformat()}
    if "min_uln" in params or "max_uln" in params:
        if lab.uln is None:
            return finding(Truth.MISSING, message("value.uln_missing", **shown), uses=[lab.ref],
                           needed=[message("need.check", item=code, ref=lab.ref)])
        uln_limits = item.uln_limits_in(lab.unit)
        if uln_limits is not None and not uln_limits.contains(lab.uln):
            return finding(Truth.REVIEW, message("value.uln_implausible", **shown, uln=num(lab.uln),
                                                 low=num(round(uln_limits.low, 3)), high=num(round(uln_limits.high, 3))),
                           uses=[lab.ref], needed=[message("need.check", item=code, ref=lab.ref)], doubtful=True)
        multiple = lab.value / lab.uln
        ok, word, limit = _within(multiple, params, "min_uln", "max_uln")
        return finding(holds(ok), message("value.uln", **shown, multiple=decisive(multiple, limit), uln=num(lab.uln),
                                          bound=_bound(word), limit=str(limit)), uses=[lab.ref])
    if "min_lln" in params or "max_lln" in params:
        if lab.lln is None:
            return finding(Truth.MISSING, message("value.lln_missing", **shown), uses=[lab.ref],
                           needed=[message("need.check", item=code, ref=lab.ref)])
        multiple = lab.value / lab.lln
        ok, word, limit = _within(multiple, params, "min_lln", "max_lln")
        return finding(holds(ok), message("value.lln", **shown, multiple=decisive(multiple, limit), lln=num(lab.lln),
                                          bound=_bound(word), limit=str(limit)), uses=[lab.ref])
    ok, word, limit = _within(canonical, params, "min", "max")
    if lab.unit == item.canonical_unit:
        shown_message = message("value.reading", **shown, bound=_bound(word), limit=str(limit))
    else:
        shown_message = message("value.converted", **shown, canonical=decisive(canonical, limit),
                                canonical_unit=item.canonical_unit, bound=_bound(word), limit=str(limit))
    return finding(holds(ok), shown_message, uses=[lab.ref])


def _measurement_value(params: Mapping[str, Any], scope: Scope) -> Finding:
    code = params["item"]
    item = scope.protocol.catalogue.measurements[code]
    window = scope.window(item)
    pick = scope.newest(code, [(m.ref, m.on, m.source, m) for m in scope.facts.measurements if m.item == code],
                        window)
    if pick.record is None:
        return no_record(code, window, pick)
    reading = pick.record
    shown = {"item": code, "value": num(reading.value), "unit": item.unit, "ref": reading.ref,
             "date": reading.on.isoformat()}
    flag = item.required_flag
    # The newest reading decides: one taken without the flag (SpO2 on oxygen) means an older one no longer
    # describes the patient, so a newer reading is missing rather than the old one counting.
    if flag and reading.flags.get(flag) is False:
        return finding(Truth.MISSING, message("value.flag_false", **shown, flag=flag.replace("_", " ")),
                       uses=[reading.ref], needed=[message("need.record", item=code, window=window.describe())])
    if reading.unit and reading.unit != item.unit:
        return finding(Truth.REVIEW, message("value.unit_not_accepted", **{**shown, "unit": reading.unit},
                                             accepted=item.unit),
                       uses=[reading.ref], needed=[message("need.check", item=code, ref=reading.ref)], doubtful=True)
    doubtful = _doubtful(code, reading.value, item.unit, item.plausible, reading.ref)
    if doubtful:
        return doubtful
    if flag and reading.flags.get(flag) is None:
        return finding(Truth.MISSING, message("value.flag_missing", **shown, flag=flag.replace("_", " ")),
                       uses=[reading.ref], needed=[message("need.value", item=flag)])
    ok, word, limit = _within(reading.value, params, "min", "max")
    return finding(holds(ok), message("value.reading", **shown, bound=_bound(word), limit=str(limit)),
                   uses=[reading.ref])


def need_attribute(code: str, scope: Scope) -> Message:
    """What to ask for an attribute not recorded: a yes/no one is a question about the patient."""
    attribute = scope.protocol.catalogue.attributes.get(code)
    boolean = attribute is not None and attribute.type.value == "boolean"
    return message("need.flag" if boolean else "need.value", item=code)


def _number_attribute(code: str, scope: Scope) -> float | Finding:
    item = scope.protocol.catalogue.attributes[code]
    ref = f"patient.{code}"
    number = scope.facts.attributes.get(code)
    if number is None:
        return finding(Truth.MISSING, message("value.not_recorded", item=code), uses=[ref],
                       needed=[message("need.value", item=code)])
    doubtful = _doubtful(code, number, item.unit, item.plausible, ref) if item.plausible else None
    return doubtful or number


def _attribute_value(params: Mapping[str, Any], scope: Scope) -> Finding:
    code = params["item"]
    number = _number_attribute(code, scope)
    if isinstance(number, Finding):
        return number
    unit = scope.protocol.catalogue.attributes[code].unit
    ok, word, limit = _within(number, params, "min", "max")
    return finding(holds(ok), message("value.attribute", item=code, value=num(number), unit=unit, bound=_bound(word),
                                      limit=str(limit)), uses=[f"patient.{code}"])


def _bmi(params: Mapping[str, Any], scope: Scope) -> Finding:
    """Weight / height^2 from the patient's attributes; an implausible input is named, not used."""
    inputs = {}
    for code in ("weight_kg", "height_cm"):
        checked = _number_attribute(code, scope)
        if isinstance(checked, Finding):
            return checked
        inputs[code] = checked
    height_m = inputs["height_cm"] / 100
    result = inputs["weight_kg"] / height_m ** 2
    ok, word, limit = _within(result, params, "min", "max")
    return finding(holds(ok), message("derived.bmi", item="bmi", weight=num(inputs["weight_kg"]), height=num(height_m),
                                      result=decisive(result, limit, 1), bound=_bound(word), limit=str(limit)),
                   uses=["patient.weight_kg", "patient.height_cm"])


def _derived_value(params: Mapping[str, Any], scope: Scope) -> Finding:
    """Cockcroft-Gault or CKD-EPI 2021 from the newest creatinine; the inputs' problems come first."""
    name = params["item"]
    if name == "bmi":
        return _bmi(params, scope)
    reading = lab_reading("creatinine", scope)
    if isinstance(reading, Finding):
        return reading
    lab, canonical = reading
    creatinine = scope.protocol.catalogue.labs["creatinine"]
    mg_dl = canonical if creatinine.canonical_unit == "mg/dL" else canonical / CREATININE_UMOL_PER_MG_DL
    attributes = scope.facts.attributes
    uses = [lab.ref, "patient.date_of_birth", *(["patient.weight_kg"] if name == "cockcroft_gault" else []),
            "patient.sex"]
    weight: float | None = None
    if name == "cockcroft_gault":
        if attributes.get("weight_kg") is not None:
            checked = _number_attribute("weight_kg", scope)
            if isinstance(checked, Finding):
                return Finding(checked.truth, checked.messages, tuple(uses), checked.needed, checked.doubtful)
            weight = checked
    born, sex = attributes.get("date_of_birth"), attributes.get("sex")
    inputs = [("date_of_birth", born), ("sex", sex)] + ([("weight_kg", weight)] if name == "cockcroft_gault" else [])
    absent = [code for code, given in inputs if given is None]
    if absent:
        return finding(Truth.MISSING, message("derived.not_computable", item=name,
                                              absent=tuple(message("need.value", item=code) for code in absent)),
                       uses=uses, needed=[message("derived.need_input", input=code, item=name) for code in absent])
    years = age_in_years(born, lab.on)
    female = sex == "female"
    if name == "cockcroft_gault":
        result = cockcroft_gault(years, weight, mg_dl, "mg/dL", female)
    else:
        result = ckd_epi_2021(years, mg_dl, female)
    ok, word, limit = _within(result, params, "min", "max")
    shown = decisive(result, limit, 1)
    if name == "cockcroft_gault":
        text = message("derived.cockcroft_gault", item=name, age=years, weight=num(weight), scr=f"{mg_dl:.2f}",
                       female=" x 0.85" if female else "", result=shown, bound=_bound(word), limit=str(limit))
    else:
        text = message("derived.ckd_epi_2021", item=name, age=years, sex=sex, scr=f"{mg_dl:.2f}", ref=lab.ref,
                       date=lab.on.isoformat(), result=shown, bound=_bound(word), limit=str(limit))
    return finding(holds(ok), text, uses=uses)


# -- qualitative results ----------------------------------------------------------------------------------------


def qualitative(params: Mapping[str, Any], scope: Scope) -> Finding:
    code = params["item"]
    item = scope.protocol.catalogue.qualitative[code]
    window = scope.window(item)
    pick = scope.newest(f"qualitative:{code}",
                        [(r.ref, r.on, r.source, r) for r in scope.facts.qualitative if r.test == code], window)
    if pick.record is None:
        return no_record(code, window, pick)
    record = pick.record
    accepted = params["results"]
    titer = f" 1:{num(record.titer)}" if record.titer else ""
    shown = {"item": code, "result": record.result, "ref": record.ref, "date": record.on.isoformat()}
    minimum = params.get("min_titer")
    if minimum is not None and record.result in accepted:
        if record.titer is None:
            return finding(Truth.MISSING, message("qualitative.no_titer", **shown, limit=num(minimum)),
                           uses=[record.ref], needed=[message("need.check", item=code, ref=record.ref)])
        ok = at_least(record.titer, minimum)
    else:
        ok = record.result in accepted
    return finding(holds(ok), message("qualitative.result", **shown, titer=titer, accepted=", ".join(accepted)),
                   uses=[record.ref])


# -- instruments -------------------------------------------------------------------------------------------------


def instrument(params: Mapping[str, Any], scope: Scope) -> Finding:
    name = params["instrument"]
    spec = INSTRUMENTS[name]
    records = [r for r in scope.facts.instruments if r.instrument == name]
    if not records:
        return finding(Truth.MISSING, message("instrument.none", item=name), needed=[message("need.value", item=name)])
    if spec.dated:
        window = scope.window()
        pick = scope.newest(name, [(r.ref, r.on, "screening", r) for r in records], window)
        if pick.record is None:
            return no_record(name, window, pick)
        record = pick.record
    else:
        record = records[-1]
    excluded = params.get("exclude", ())
    outcome = spec.judge(tuple(c for c in record.codes if c not in excluded), record.flags, params)
    terms = " + ".join(f"{code} {points}" for code, points in outcome.breakdown) or "none"
    score = num(outcome.score)
    if outcome.missing:
        flag = outcome.missing[0].replace("_", " ")
        return finding(Truth.MISSING, message("instrument.flag_missing", item=name, ref=record.ref, flag=flag),
                       uses=[record.ref], needed=[message("need.value", item=outcome.missing[0])])
    checks: list[bool] = []
    texts: list[Message] = []
    if "classified" in params:
        checks.append(outcome.classified is params["classified"])
        if outcome.classified:
            texts.append(message("instrument.classified", item=name, ref=record.ref, terms=terms, score=score))
        else:
            texts.append(message("instrument.not_classified", item=name, ref=record.ref, terms=terms, score=score,
                                 reasons=tuple(message(reason) for reason in outcome.reasons)))
    if "min_score" in params or "max_score" in params:
        ok, word, limit = _within(outcome.score, params, "min_score", "max_score")
        checks.append(ok)
        on = f", {record.on.isoformat()}" if record.on else ""
        texts.append(message("instrument.score", item=name, ref=record.ref, on=on, terms=terms, score=score,
                             bound=_bound(word), limit=num(limit)))
    return finding(holds(all(checks)), *texts, uses=[record.ref])


# -- age, attributes, questions ----------------------------------------------------------------------------------


def age(params: Mapping[str, Any], scope: Scope) -> Finding:
    born = scope.facts.attributes.get("date_of_birth")
    on_consent = params["on"] == "consent"
    on = scope.consent_on if on_consent else scope.evaluated_on
    uses = ["patient.date_of_birth", "consent.signed_on"] if on_consent else ["patient.date_of_birth"]
    # Codes, named by the reader's layer: the catalogue's attribute and the consent's date.
    absent = [what for what, given in (("date_of_birth", born), ("consent_date", on)) if given is None]
    if absent:
        needs = [message("need.value", item=what) for what in absent]
        return finding(Truth.MISSING, message("age.not_computable", absent=tuple(needs)), uses=uses, needed=needs)
    years = age_in_years(born, on)
    ok = years >= params.get("min_years", 0) and years <= params.get("max_years", years)
    bounds = tuple(message("bound.years", bound=_bound(word), limit=params[key])
                   for word, key in (("min", "min_years"), ("max", "max_years")) if key in params)
    return finding(holds(ok), message("age.years", born=born.isoformat(), years=years, on=on.isoformat(),
                                      on_what=message("age.on_consent" if on_consent else "age.on_evaluation"),
                                      limits=bounds), uses=uses)


def time_since(params: Mapping[str, Any], scope: Scope) -> Finding:
    """A date attribute (diagnosis, last flare) at least and/or at most a span before the reference date."""
    code = params["item"]
    ref = f"patient.{code}"
    given = scope.facts.attributes.get(code)
    reference = scope.evaluated_on if params["before"] == "evaluation" else scope.consent_on
    if given is None or reference is None:
        what = code if given is None else "consent_date"
        return finding(Truth.MISSING, message("value.not_recorded", item=what), uses=[ref],
                       needed=[message("need.value", item=what)])
    checks, texts = [], []
    for bound in ("min", "max"):
        if bound in params:
            start, span = span_start(reference, params[bound])
            checks.append(given <= start if bound == "min" else given >= start)
            texts.append(message(f"time.{bound}", span=span, start=start.isoformat()))
    return finding(holds(all(checks)), message("time.since", item=code, date=given.isoformat(),
                                               reference=params["before"], on=reference.isoformat(),
                                               limits=tuple(texts)), uses=[ref])


def _shown(answer: Any) -> Any:
    if answer is True:
        return message("answer.yes")
    if answer is False:
        return message("answer.no")
    return answer


def attribute(params: Mapping[str, Any], scope: Scope) -> Finding:
    code = params["item"]
    given = scope.facts.attributes.get(code)
    ref = f"patient.{code}"
    if given is None:
        return finding(Truth.MISSING, message("value.not_recorded", item=code), uses=[ref],
                       needed=[need_attribute(code, scope)])
    return finding(holds(given in params["accepted"]), message("attribute.value", item=code, value=_shown(given)),
                   uses=[ref])


def question(params: Mapping[str, Any], scope: Scope) -> Finding:
    code = params["item"]
    ref = answer_ref(code)
    answer = scope.facts.answers.get(code)
    if answer is None:
        truth = Truth.MISSING if params["unanswered"] == "missing" else Truth.REVIEW
        return finding(truth, message("question.unanswered", item=code), uses=[ref],
                       needed=[message("need.answer", item=code)])
    if answer in params["accepted"] and params["confirm"]:
        return finding(Truth.REVIEW, message("question.to_confirm", item=code, value=_shown(answer)), uses=[ref],
                       needed=[message("need.confirmation", item=code)])
    return finding(holds(answer in params["accepted"]), message("question.answer", item=code, value=_shown(answer)),
                   uses=[ref])


# -- consent -----------------------------------------------------------------------------------------------------


def screening_dates(scope: Scope) -> list[tuple[str, str, date]]:
    """Every dated screening procedure (ref, item, date): each must follow consent. History records do not."""
    facts = scope.facts
    dated = [(f"{r.ref}.collected_on", r.test, r.on) for r in facts.labs if r.source != HISTORY]
    dated += [(f"{r.ref}.collected_on", r.test, r.on) for r in facts.qualitative if r.source != HISTORY]
    dated += [(f"{r.ref}.{r.date_key}", r.item, r.on) for r in facts.measurements if r.source != HISTORY]
    dated += [(f"{r.ref}.assessed_on", r.instrument, r.on) for r in facts.instruments
              if r.on is not None and INSTRUMENTS[r.instrument].dated]
    return dated


def consent(params: Mapping[str, Any], scope: Scope) -> Finding:
    given = scope.facts.consent
    if given is None:
        return finding(Truth.MISSING, message("consent.none"), needed=[message("need.consent")])
    dated = screening_dates(scope)
    uses = ["consent", *(ref for ref, _, _ in dated)]
    signed = message("consent.signed", signed=given.signed_on.isoformat(), signer=given.signer.value,
                     icf=given.icf_version)
    if given.withdrawn_on is not None:
        return finding(Truth.FALSE, signed, message("consent.withdrawn", withdrawn=given.withdrawn_on.isoformat()),
                       uses=uses)
    if given.signed_on > scope.evaluated_on:
        return finding(Truth.FALSE, signed, message("consent.after_evaluation", signed=given.signed_on.isoformat(),
                                                    evaluated=scope.evaluated_on.isoformat()), uses=uses)
    approved = params.get("approved_icf_versions")
    if approved is not None and given.icf_version not in approved:
        return finding(Truth.FALSE, signed, message("consent.not_approved", icf=given.icf_version,
                                                    approved=", ".join(approved)), uses=uses)
    early = [f"{ref} ({item}) {on.isoformat()}" for ref, item, on in dated if on < given.signed_on]
    if early:
        return finding(Truth.FALSE, signed, message("consent.early", records=", ".join(early)), uses=uses)
    return finding(Truth.TRUE, signed, message("consent.ok", count=len(dated)), uses=uses)


# -- medication --------------------------------------------------------------------------------------------------


def medication(params: Mapping[str, Any], scope: Scope) -> Finding:
    treatments = scope.facts.treatments
    if treatments is None:
        return finding(Truth.MISSING, message("medication.no_history"), needed=[message("need.history")])
    dictionary = scope.protocol.catalogue.dictionary
    notes: list[Message] = []
    selected: list[tuple[TreatmentRecord, Any]] = []
    for treatment in treatments:
        drug = dictionary.find(treatment.drug)
        if treatment.started_on > scope.evaluated_on:
            notes.append(message("medication.future", ref=treatment.ref, drug=treatment.drug))
        elif drug is None:
            notes.append(message("medication.not_listed", ref=treatment.ref, drug=treatment.drug))
        elif drug.name in params["drugs"] or set(drug.classes) & set(params["classes"]):
            selected.append((treatment, drug))
    uses = [t.ref for t in treatments]
    what = tuple(message("item.name", item=code) for code in (*params["drugs"], *params["classes"]))
    result = _MEASURES[params["measure"]](params, scope, selected, what)
    return Finding(result.truth, (*result.messages, *notes), (*uses, *result.uses), result.needed, result.doubtful)


def _names(selected: list[tuple[TreatmentRecord, Any]]) -> list[str]:
    return sorted({drug.name for _, drug in selected})


def _ever(params, scope, selected, what) -> Finding:
    found = _names(selected)
    return finding(holds(bool(found)), message("medication.ever", what=what,
                                               found=", ".join(found) or message("none")))


def _exposure_within(params, scope, selected, what) -> Finding:
    reference = scope.evaluated_on if params["before"] == "evaluation" else scope.consent_on
    if reference is None:
        return finding(Truth.MISSING, message("consent.none"), needed=[message("need.reference_date")])
    since, span = span_start(reference, params["span"])
    exposed = sorted({drug.name for t, drug in selected
                      if t.started_on <= reference and (t.stopped_on is None or t.stopped_on >= since)})
    truth = holds(bool(exposed)) if params["measure"] == "within" else holds(not exposed)
    return finding(truth, message("medication.within", what=what, span=span, reference=params["before"],
                                  on=reference.isoformat(), since=since.isoformat(),
                                  found=", ".join(exposed) or message("none")))


def _distinct_count(params, scope, selected, what) -> Finding:
    found = _names(selected)
    return finding(holds(len(found) >= params["min_count"]),
                   message("medication.count", what=what, found=", ".join(found) or message("none"), count=len(found),
                           limit=params["min_count"]))


def _duration(params, scope, selected, what) -> Finding:
    """Calendar months from the earliest start to the evaluation date, or to the last stop if all stopped."""
    minimum = params["min_months"]
    counted = [t for t, _ in selected]
    if not counted:
        return finding(Truth.FALSE, message("medication.no_duration", limit=minimum))
    start = min(t.started_on for t in counted)
    ongoing = any(t.stopped_on is None or t.stopped_on > scope.evaluated_on for t in counted)
    end = scope.evaluated_on if ongoing else max(t.stopped_on for t in counted if t.stopped_on)
    months = calendar_months_between(start, end)
    return finding(holds(months >= minimum), message(
        "medication.duration", start=start.isoformat(), end=end.isoformat(), months=months, limit=minimum,
        until=message("until.evaluation" if ongoing else "until.last_stop")))


def _dose(params, scope, selected, what) -> Finding:
    """The highest daily dose among the selected treatments (as prednisone if `equivalent`), per kg of the
    current weight if `per_kg`. Every dose and the weight must be plausible; an entry without a dose might
    be the one that reaches a minimum, so it is missing rather than ignored."""
    equivalent, per_kg = params["equivalent"], params["per_kg"]
    if params["current"]:
        selected = [(t, d) for t, d in selected if t.stopped_on is None or t.stopped_on >= scope.evaluated_on]
    unit = "mg/kg/day" if per_kg else "mg/day"
    ok_word = "min" if "min" in params else "max"
    if not selected:
        # No exposure is below any minimum and within any maximum.
        return finding(holds("min" not in params), message("medication.no_dose_drug", what=what,
                                                           bound=_bound(ok_word), limit=str(params[ok_word]),
                                                           unit=unit))
    doses = []
    for t, drug in selected:
        if t.dose_mg_per_day is not None:
            factor = drug.prednisone_factor if equivalent else 1.0
            doses.append((t, drug, factor, t.dose_mg_per_day * factor))
    undosed = [message("need.dose", drug=t.drug, ref=t.ref) for t, _ in selected if t.dose_mg_per_day is None]
    doubtful: list[Finding] = []
    limits = params.get("dose_plausible")
    if limits is None and equivalent:
        limits = scope.protocol.catalogue.prednisone_equivalent_plausible
    if limits is not None:
        for t, drug, factor, amount in doses:
            if not limits.contains(round(amount, 6)):
                conversion = f" x {num(factor)}" if equivalent else ""
                doubtful.append(finding(Truth.REVIEW, message(
                    "medication.dose_implausible", what=what, drug=t.drug, dose=num(t.dose_mg_per_day),
                    conversion=conversion, result=num(round(amount, 6)), ref=t.ref, low=num(limits.low),
                    unit="mg prednisone/day" if equivalent else "mg/day",
                    high=num(limits.high)), uses=[t.ref], needed=[message("need.check", item=t.drug, ref=t.ref)]))
    weight = None
    uses = ["patient.weight_kg"] if per_kg else []
    if per_kg:
        checked = _number_attribute("weight_kg", scope)
        if isinstance(checked, Finding) and checked.truth is Truth.REVIEW:
            doubtful.append(checked)
        elif not isinstance(checked, Finding):
            weight = checked
    if doubtful:
        return Finding(Truth.REVIEW, tuple(m for f in doubtful for m in f.messages),
                       (*uses, *(ref for f in doubtful for ref in f.uses)),
                       tuple(m for f in doubtful for m in f.needed))
    if per_kg and weight is None:
        return finding(Truth.MISSING, message("value.not_recorded", item="weight_kg"), uses=uses,
                       needed=[message("need.value", item="weight_kg")])
    if not doses:
        return finding(Truth.MISSING, message("medication.no_dose", what=what), uses=uses, needed=undosed)
    t, drug, factor, amount = max(doses, key=lambda d: d[3])
    result = amount / weight if per_kg else amount
    ok, word, limit = _within(result, params, "min", "max")
    conversion = ""
    if equivalent:
        conversion = f" x {num(factor)} = {num(round(amount, 4))} mg prednisone"
    if per_kg:
        conversion += f" / {num(weight)} kg"
    shown = message("medication.dose", what=what, dose=num(t.dose_mg_per_day), drug=t.drug, ref=t.ref,
                    conversion=conversion, result=decisive(result, limit), unit=unit, bound=_bound(word),
                    limit=str(limit))
    # An entry without a dose might be the one that reaches the minimum or passes the maximum.
    if undosed and (("max" in params and ok) or ("min" in params and not ok and word == "min")):
        return finding(Truth.MISSING, shown, uses=uses, needed=undosed)
    return finding(holds(ok), shown, uses=uses)


def _ongoing_since(params, scope, selected, what) -> Finding:
    """A selected treatment ongoing on the evaluation date that started at least N days or calendar months
    before it: a stable background therapy ("on a stable dose for at least 4 weeks" with a dose limit)."""
    on = scope.evaluated_on
    latest, span = span_start(on, params["span"])
    ongoing = [(t, d) for t, d in selected if t.stopped_on is None or t.stopped_on >= on]
    long_enough = sorted({d.name for t, d in ongoing if t.started_on <= latest})
    return finding(holds(bool(long_enough)), message(
        "medication.ongoing_since", what=what, span=span, latest=latest.isoformat(), on=on.isoformat(),
        found=", ".join(long_enough) or message("none")))


_MEASURES = {"ever": _ever, "ongoing_since": _ongoing_since, "within": _exposure_within, "none_within": _exposure_within,
             "distinct_count": _distinct_count, "duration": _duration, "dose": _dose}
