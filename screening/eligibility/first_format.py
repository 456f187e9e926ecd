"""Files of the engine's first format (MC-1-50's bespoke criterion kinds) read as the general format.

A protocol version stored before the general format must still evaluate, and a signature names the version
it was made under. Such a file is validated by its own loader (`protocol.py`, which names the key of any
defect), then written out as a general-format document: MC-1-50's catalogue of data items (the first
format held only their limits) and each bespoke kind as the general kinds it always meant. The general file
`trial/protocols/mc-1-50.toml` is this conversion of the first-format file, written by hand; the engine
tests check that both give every criterion the same status.
"""

from __future__ import annotations

from typing import Any

from .general.protocol import GeneralProtocol, load_general
from .protocol import Criterion, Limits, Protocol, drug_key

_LAB_NAMES = {
    "creatinine": ("creatinine", "肌酐", "2160-0"),
    "alt": ("ALT", "丙氨酸氨基转移酶", "1742-6"),
    "ast": ("AST", "天门冬氨酸氨基转移酶", "1920-8"),
    "total_bilirubin": ("total bilirubin", "总胆红素", "1975-2"),
}
_QUESTIONS = {
    "intolerant_to_conventional_therapy": ("Intolerant of conventional therapy", "不耐受常规治疗"),
    "contraception_agreed": ("Agrees to contraception for 1 year after infusion", "同意输注后 1 年内避孕"),
    "no_gamete_donation_agreed": ("Agrees not to donate eggs or sperm for 1 year", "同意 1 年内不捐献卵子或精子"),
}
_METHODS = ["iud", "implant", "ius", "vasectomised_partner", "combined_hormonal", "progestogen_only", "abstinence",
            "barrier", "safe_period"]


def _names(en: str, zh: str) -> dict[str, str]:
    return {"en": en, "zh-hans": zh}


def _limits(limits: Limits) -> dict[str, float]:
    return {"min": limits.low, "max": limits.high}


def _catalogue(protocol: Protocol, questions: dict[str, dict[str, str]]) -> dict[str, Any]:
    plausibility = protocol.plausibility
    labs = {}
    for code, spec in protocol.lab_tests.items():
        en, zh, loinc = _LAB_NAMES[code]
        labs[code] = {"name": _names(en, zh), "loinc": loinc, "canonical_unit": spec.canonical_unit,
                      "units": dict(spec.units), "plausible": {"min": spec.plausible_min, "max": spec.plausible_max},
                      "uln": True, "uln_plausible": {"min": spec.uln_min, "max": spec.uln_max}}
    drugs: dict[str, dict[str, Any]] = {}
    lists = protocol.drugs
    for drug_class in ("antimalarial", "glucocorticoid", "immunosuppressant", "biologic"):
        for name in getattr(lists, drug_class):
            entry = drugs.setdefault(name, {"classes": [drug_class], "synonyms": []})
            if name in protocol.glucocorticoid_factors:
                entry["prednisone_factor"] = protocol.glucocorticoid_factors[name]
    for spelling, name in lists.synonyms.items():
        if spelling != drug_key(name) and name in drugs:
            drugs[name]["synonyms"].append(spelling)
    return {
        "instruments": ["sledai_2k", "eular_acr_2019", "cockcroft_gault"],
        "prednisone_equivalent_plausible": _limits(plausibility.glucocorticoid_prednisone_mg_per_day),
        "labs": labs,
        "qualitative": {
            "ana": {"name": _names("ANA", "抗核抗体"), "loinc": "8061-4", "titer": True},
            "anti_dsdna": {"name": _names("anti-dsDNA", "抗双链 DNA 抗体"), "loinc": "5130-0"},
            "pregnancy_test": {"name": _names("pregnancy test", "妊娠试验"), "specimens": ["serum", "urine"]},
        },
        "measurements": {
            "lvef": {"name": _names("LVEF", "左心室射血分数"), "unit": "%", "plausible": _limits(plausibility.lvef_percent)},
            "spo2": {"name": _names("SpO2", "血氧饱和度"), "unit": "%", "plausible": _limits(plausibility.spo2_percent),
                     "required_flag": "room_air"},
        },
        "attributes": {
            "sex": {"name": _names("sex", "性别"), "type": "choice", "choices": ["female", "male"]},
            "date_of_birth": {"name": _names("date of birth", "出生日期"), "type": "date"},
            "weight_kg": {"name": _names("weight", "体重"), "type": "number", "unit": "kg",
                          "plausible": _limits(plausibility.weight_kg)},
            "childbearing_potential": {"name": _names("childbearing potential", "有生育能力"), "type": "boolean"},
            "gilbert_syndrome": {"name": _names("Gilbert syndrome", "Gilbert 综合征"), "type": "boolean"},
            "liver_involvement": {"name": _names("liver involvement", "肝脏受累"), "type": "boolean"},
        },
        "questions": {
            **{key: {"text": _names(*words)} for key, words in _QUESTIONS.items()},
            "contraception_method": {"text": _names("Contraception method", "避孕方法"), "choices": _METHODS},
            **questions,
        },
        "drugs": drugs,
    }


def _uln_or_flag(test: str, normal: float, special: float, flag: str) -> dict[str, Any]:
    return {"kind": "any_of", "of": [
        {"kind": "value", "item": test, "max_uln": normal},
        {"kind": "all_of", "of": [{"kind": "attribute", "item": flag, "equals": True},
                                  {"kind": "value", "item": test, "max_uln": special}]},
    ]}


def _condition(criterion: Criterion, questions: dict[str, dict[str, str]]) -> dict[str, Any]:
    """The general conditions a first-format kind stands for."""
    p = criterion.params
    kind = criterion.kind
    if kind == "consent":
        return {"kind": "consent", **({"approved_icf_versions": list(p["approved_icf_versions"])}
                                      if "approved_icf_versions" in p else {})}
    if kind == "age":
        return {"kind": "age", "min_years": p["min_age_years"], "on": "consent"}
    if kind == "eular_acr_2019":
        return {"kind": "instrument", "instrument": "eular_acr_2019", "classified": True, "min_points": p["min_points"]}
    if kind == "sledai_2k":
        return {"kind": "instrument", "instrument": "sledai_2k", "min_score": p["min_score"]}
    if kind == "refractory_therapy":
        classes = ["antimalarial", "glucocorticoid", "immunosuppressant", "biologic"]
        return {"kind": "any_of", "of": [
            {"kind": "all_of", "of": [
                {"kind": "medication", "measure": "distinct_count", "classes": ["antimalarial"],
                 "min_count": p["min_antimalarials"]},
                {"kind": "medication", "measure": "dose", "classes": ["glucocorticoid"], "equivalent": "prednisone",
                 "per_kg": True, "min": p["min_glucocorticoid_mg_per_kg_day"]},
                {"kind": "medication", "measure": "distinct_count", "classes": ["immunosuppressant"],
                 "min_count": p["min_immunosuppressants"]},
                {"kind": "medication", "measure": "distinct_count", "classes": ["biologic"],
                 "min_count": p["min_biologics"]},
                {"kind": "medication", "measure": "duration", "classes": classes,
                 "min_months": p["min_treatment_months"]},
            ]},
            {"kind": "question", "item": "intolerant_to_conventional_therapy", "expect": True, "confirm": True,
             "unanswered": "missing"},
        ]}
    if kind == "autoantibodies":
        return {"kind": "any_of", "of": [{"kind": "qualitative", "item": "ana", "result": "positive"},
                                         {"kind": "qualitative", "item": "anti_dsdna", "result": "positive"}]}
    if kind == "lvef":
        return {"kind": "value", "item": "lvef", "min": p["min_lvef_percent"]}
    if kind == "oxygen_saturation":
        return {"kind": "value", "item": "spo2", "min": p["min_spo2_percent"]}
    if kind == "renal_function":
        return {"kind": "any_of", "of": [{"kind": "value", "item": "creatinine", "max_uln": p["creatinine_max_uln"]},
                                         {"kind": "value", "item": "cockcroft_gault", "min": p["min_crcl_ml_min"]}]}
    if kind == "liver_enzymes":
        return {"kind": "all_of", "of": [
            _uln_or_flag(test, p["alt_ast_max_uln"], p["alt_ast_relaxed_uln"], "liver_involvement")
            for test in ("alt", "ast")]}
    if kind == "bilirubin":
        return _uln_or_flag("total_bilirubin", p["total_bilirubin_max_uln"], p["gilbert_max_uln"], "gilbert_syndrome")
    if kind == "attestation":
        key = p["attestation"]
        questions.setdefault(key, {"text": dict(criterion.names)})
        return {"kind": "question", "item": key, "expect": True}
    # pregnancy_contraception: the only kind left (the first format's loader knows no other)
    return {"kind": "pregnancy_contraception", "test": "pregnancy_test", "specimen": "serum",
            "agreements": ["contraception_agreed", "no_gamete_donation_agreed"],
            "method_question": "contraception_method"}


def to_general(protocol: Protocol) -> GeneralProtocol:
    """A validated first-format protocol as the general format reads it."""
    questions: dict[str, dict[str, str]] = {}

    def section(criteria: tuple[Criterion, ...], exclusion: bool) -> dict[str, Any]:
        # A first-format exclusion criterion says what keeps the candidate in ("met means not excluded"); a
        # general one says what excludes: the same condition, negated.
        def condition(c: Criterion) -> dict[str, Any]:
            written = _condition(c, questions)
            return {"kind": "not", "of": written} if exclusion else written

        return {c.code: {"name": dict(c.names), **condition(c)} for c in criteria}

    inclusion = section(protocol.criteria, exclusion=False)
    exclusion = section(protocol.exclusion_criteria, exclusion=True)
    document: dict[str, Any] = {
        "format": 2,
        "id": protocol.id,
        "version": protocol.version,
        "title": protocol.title,
        "effective_date": protocol.effective_date,
        "screening_window_days": protocol.screening_window_days,
        "exclusion_criteria_status": protocol.exclusion_criteria_status.value,
        "exclusion_criteria_note": protocol.exclusion_criteria_note,
        "catalogue": _catalogue(protocol, questions),
        "inclusion": inclusion,
        "contraception_methods": {
            code: {"name": dict(names), "sexes": list(protocol.contraception_sexes[code])}
            for code, names in protocol.contraception_methods.items()
        },
        "dose_levels": {"unit": protocol.dose_levels.unit, "levels": list(protocol.dose_levels.levels)},
        "reminders": {
            "overdue_after_days": protocol.reminders.overdue_after_days,
            **{name: _schedule(getattr(protocol.reminders, name)) for name in ("pregnancy_test", "contraception")},
        },
    }
    if exclusion:
        document["exclusion"] = exclusion
    return load_general(document)


def _schedule(schedule: Any) -> dict[str, Any]:
    out = {"applies_to": schedule.applies_to, "every_months": schedule.every_months,
           "until_month": schedule.until_month, "end_notice": schedule.end_notice}
    if schedule.before_lymphodepletion_hours is not None:
        out["before_lymphodepletion_hours"] = schedule.before_lymphodepletion_hours
    return out
