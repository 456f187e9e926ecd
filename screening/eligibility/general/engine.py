"""Evaluate general-format criteria: combine the conditions' findings, then turn each into a status.

Combining (four values, `TRUE` < `REVIEW` < `MISSING` < `FALSE` in how far from "holds" they are):
- `all_of`: the furthest of its parts (a part that fails decides; absent data before review);
- `any_of`: the nearest of its parts (one that holds suffices; a review may settle it before data is
  collected), except that a doubtful number in any part makes it `REVIEW`: the evidence would show both
  and one of them is probably wrong;
- `not`: holds when its part does not; missing and review stay as they are.

A criterion's status: inclusion met when its condition holds; exclusion met (not excluded) when its
condition does not hold, not met (excluded) when it does. The overall verdict is as for today's format.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable

from ..results import CriterionResult, Evaluation, Status, overall_status
from . import conditions
from .facts import GeneralFacts
from .messages import Message, message, render, render_all
from .naming import names_in
from .pregnancy import pregnancy_contraception
from .protocol import GeneralCriterion, GeneralProtocol, Node
from .scope import Finding, Scope, Truth

_MAX_VARIANTS = 256
_DISTANCE = {Truth.TRUE: 0, Truth.REVIEW: 1, Truth.MISSING: 2, Truth.FALSE: 3}

LEAVES: dict[str, Callable] = {
    "value": conditions.value,
    "qualitative": conditions.qualitative,
    "instrument": conditions.instrument,
    "age": conditions.age,
    "attribute": conditions.attribute,
    "time_since": conditions.time_since,
    "medication": conditions.medication,
    "question": conditions.question,
    "consent": conditions.consent,
}


def combine_all(parts: list[Finding]) -> Finding:
    truth = max((p.truth for p in parts), key=_DISTANCE.__getitem__, default=Truth.TRUE)
    return _joined(truth, parts)


def combine_any(parts: list[Finding]) -> Finding:
    if any(p.doubtful for p in parts):
        return _joined(Truth.REVIEW, parts, doubtful=True)
    truth = min((p.truth for p in parts), key=_DISTANCE.__getitem__)
    return _joined(truth, parts)


def _joined(truth: Truth, parts: list[Finding], doubtful: bool = False) -> Finding:
    needed = () if truth is Truth.TRUE else tuple(dict.fromkeys(m for p in parts for m in p.needed))
    doubtful = doubtful or (truth is Truth.REVIEW and any(p.doubtful for p in parts))
    return Finding(truth, tuple(dict.fromkeys(m for p in parts for m in p.messages)),
                   tuple(dict.fromkeys(ref for p in parts for ref in p.uses)), needed, doubtful)


def evaluate_node(node: Node, scope: Scope) -> Finding:
    scope = scope.narrowed(node.window_days)
    if node.kind == "all_of":
        return combine_all([evaluate_node(child, scope) for child in node.children])
    if node.kind == "any_of":
        return combine_any([evaluate_node(child, scope) for child in node.children])
    if node.kind == "not":
        inner = evaluate_node(node.children[0], scope)
        flipped = {Truth.TRUE: Truth.FALSE, Truth.FALSE: Truth.TRUE}.get(inner.truth, inner.truth)
        return Finding(flipped, (message("not.holds", inner=inner.messages),), inner.uses, inner.needed,
                       inner.doubtful)
    if node.kind == "pregnancy_contraception":
        return combine_all(pregnancy_contraception(node.params, scope))
    return LEAVES[node.kind](node.params, scope)


def _status(criterion: GeneralCriterion, truth: Truth) -> Status:
    if truth is Truth.MISSING:
        return Status.MISSING
    if truth is Truth.REVIEW:
        return Status.NEEDS_REVIEW
    return Status.MET if (truth is Truth.TRUE) != criterion.exclusion else Status.NOT_MET


def _result(criterion: GeneralCriterion, found: Finding, protocol: GeneralProtocol) -> CriterionResult:
    name_of = names_in(protocol, "en")
    return CriterionResult(
        code=criterion.code,
        status=_status(criterion, found.truth),
        evidence=render_all(found.messages, name_of=name_of),
        uses=tuple(dict.fromkeys(found.uses)),
        missing=tuple(dict.fromkeys(render(m, name_of=name_of) for m in found.needed)),
        exclusion=criterion.exclusion,
        details=found.messages,
        needed=tuple(dict.fromkeys(found.needed)),
    )


def evaluate_criterion(criterion: GeneralCriterion, facts: GeneralFacts, protocol: GeneralProtocol) -> CriterionResult:
    """One criterion; once per choice among same-day results when the newest day holds several."""

    def run(choices: dict[str, int]) -> tuple[CriterionResult, dict[str, tuple[str, ...]]]:
        scope = Scope(facts, protocol, choices=choices, ties={})
        return _result(criterion, evaluate_node(criterion.condition, scope), protocol), scope.ties

    result, ties = run({})
    if not ties:
        return result
    groups = sorted(ties.items())
    tied = [ref for _, refs in groups for ref in refs]
    if math.prod(len(refs) for _, refs in groups) > _MAX_VARIANTS:
        return _disagreement(result, tied, [])
    variants = []
    for combination in itertools.product(*(range(len(refs)) for _, refs in groups)):
        picked = list(zip(groups, combination, strict=True))
        variants.append(([refs[i] for (_, refs), i in picked], run({g: i for (g, _), i in picked})[0]))
    if len({variant.status for _, variant in variants}) == 1:
        return result
    return _disagreement(result, tied, variants)


def _disagreement(default: CriterionResult, tied: list[str], variants: list) -> CriterionResult:
    refs = ", ".join(tied)
    ways: tuple[Message, ...] = tuple(
        message("ties.way", refs=", ".join(chosen), status=variant.status.value, evidence=variant.evidence)
        for chosen, variant in variants
    ) or (message("ties.too_many", refs=refs),)
    detail = message("ties.disagree", ways=ways)
    uses = tuple(dict.fromkeys((*default.uses, *tied, *(ref for _, v in variants for ref in v.uses))))
    needed = message("need.review_same_day", refs=refs)
    return CriterionResult(code=default.code, status=Status.NEEDS_REVIEW, evidence=render(detail),
                           uses=uses, missing=(render(needed),), exclusion=default.exclusion, details=(detail,),
                           needed=(needed,))


def evaluate_general(facts: GeneralFacts, protocol: GeneralProtocol) -> Evaluation:
    results = tuple(evaluate_criterion(c, facts, protocol) for c in (*protocol.criteria, *protocol.exclusion_criteria))
    return Evaluation(
        protocol_id=protocol.id,
        protocol_version=protocol.version,
        evaluated_on=facts.evaluated_on,
        overall=overall_status([r.status for r in results]),
        criteria=results,
        exclusion_criteria_status=protocol.exclusion_criteria_status,
    )
