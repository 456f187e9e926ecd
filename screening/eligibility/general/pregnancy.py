"""The pregnancy and contraception kind, with the rules settled after the independent review.

Any positive test of the deciding specimen (serum, or `specimen = "any"`) in the window makes the condition false whatever the
sex and childbearing-potential attributes say (the evidence names the contradiction); a positive test of
another specimen (urine) with no deciding test on or after it is missing; otherwise men and women not of
childbearing potential need no test, and a woman whose potential is not recorded is missing. The method
must be one the protocol accepts for the subject's sex; the safe period never is. Each agreement question
must be answered yes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .conditions import question
from .facts import QualitativeRecord
from .messages import message
from .protocol import SAFE_PERIOD
from .scope import Finding, Pick, Scope, Truth, finding, no_record


def pregnancy_contraception(params: Mapping[str, Any], scope: Scope) -> list[Finding]:
    """The parts, combined by the caller as all_of: the test, each agreement, the method."""
    agreements = [
        question({"item": key, "accepted": (True,), "unanswered": "needs_review", "confirm": False}, scope)
        for key in params["agreements"]
    ]
    method = [_method(params, scope)] if params["method_question"] else []
    return [_test(params, scope), *agreements[:1], *method, *agreements[1:]]


def _described(test: QualitativeRecord):
    return message("pregnancy.test", specimen=test.specimen or "?", result=test.result, date=test.on.isoformat(),
                   ref=test.ref)


def _test(params: Mapping[str, Any], scope: Scope) -> Finding:
    code, deciding = params["test"], params["specimen"]
    item = scope.protocol.catalogue.qualitative[code]
    attributes = scope.facts.attributes
    sex, potential = attributes.get("sex"), attributes.get("childbearing_potential")
    flags = ("patient.sex", "patient.childbearing_potential")
    window = scope.window(item)
    tests = [r for r in scope.facts.qualitative if r.test == code]
    in_window = [t for t in tests if window.problem(t.on, t.source) is None]
    refs = tuple(t.ref for t in in_window)

    def decides(test: QualitativeRecord) -> bool:
        return deciding == "any" or test.specimen == deciding

    positive = [t for t in in_window if decides(t) and t.result == "positive"]
    if positive:
        contradiction = []
        if sex == "male":
            contradiction = [message("pregnancy.contradiction_male")]
        elif potential is False:
            contradiction = [message("pregnancy.contradiction_potential")]
        elif potential is None:
            contradiction = [message("pregnancy.potential_not_recorded")]
        return finding(Truth.FALSE, *(_described(t) for t in positive), *contradiction, uses=(*flags, *refs))
    other_positive = [t for t in in_window if not decides(t) and t.result == "positive"]
    if other_positive:
        newest = max(t.on for t in other_positive)
        if not [t for t in in_window if decides(t) and t.on >= newest]:
            return finding(Truth.MISSING, *(_described(t) for t in other_positive),
                           message("pregnancy.urine_needs_serum"), uses=(*flags, *refs),
                           needed=[message("need.serum_after", since=newest.isoformat(),
                                           until=scope.evaluated_on.isoformat())])
    if sex is None:
        return finding(Truth.MISSING, message("pregnancy.sex_missing"), uses=["patient.sex"],
                       needed=[message("need.sex")])
    if sex == "male":
        return finding(Truth.TRUE, message("pregnancy.male"), uses=["patient.sex"])
    if potential is None:
        return finding(Truth.MISSING, message("pregnancy.potential_missing"), uses=flags,
                       needed=[message("need.potential")])
    if not potential:
        return finding(Truth.TRUE, message("pregnancy.not_applicable"), uses=flags)
    decisive = [t for t in in_window if decides(t)]
    if not decisive:
        others = [t for t in in_window if not decides(t)]
        if others:
            return finding(Truth.MISSING, *(_described(t) for t in others), message("pregnancy.urine_not_evidence"),
                           uses=(*flags, *refs), needed=[message("need.record", item=code, window=window.describe())])
        rejected = tuple((t.ref, t.on, window.problem(t.on, t.source)) for t in tests if t not in in_window)
        return no_record(code, window, Pick("", None, rejected))
    newest = max(decisive, key=lambda t: t.on)  # every deciding test in the window is negative here
    return finding(Truth.TRUE, _described(newest), uses=(*flags, *refs))


def _method(params: Mapping[str, Any], scope: Scope) -> Finding:
    key = params["method_question"]
    method = scope.facts.answers.get(key)
    sex = scope.facts.attributes.get("sex")
    uses = (f"attestations.{key}", "patient.sex")
    if method is None:
        return finding(Truth.MISSING, message("method.missing"), uses=uses, needed=[message("need.method")])
    accepted = scope.protocol.contraception_methods
    if method == SAFE_PERIOD or method not in accepted:
        return finding(Truth.FALSE, message("method.not_accepted", method=method), uses=uses)
    if sex is None:
        return finding(Truth.MISSING, message("method.sex_missing", method=method), uses=uses,
                       needed=[message("need.sex")])
    if sex not in scope.protocol.contraception_sexes[method]:
        allowed = tuple(message("method.name", method=code) for code in scope.protocol.methods_for(sex))
        return finding(Truth.FALSE, message("method.not_for_sex", method=method, sex=sex,
                                            accepted=allowed or message("none")), uses=uses)
    return finding(Truth.TRUE, message("method.ok", method=method), uses=uses)
