"""One small rule per criterion kind: `(facts, params, context) -> CriterionResult`, thresholds from params.

`RULES` maps every kind in `protocol.CRITERION_KINDS` to its rule; the protocol loader refuses any other kind,
so the engine never meets a kind it cannot evaluate.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any

from ..facts import Facts
from ..protocol import CRITERION_KINDS
from .attestation import attestation, pregnancy_contraception
from .base import CriterionResult, RuleContext, Status, Window, worst
from .consent import age, consent
from .disease import autoantibodies, eular_acr_2019, refractory_therapy, sledai_2k
from .organ import bilirubin, liver_enzymes, lvef, oxygen_saturation, renal_function

Rule = Callable[[Facts, Mapping[str, Any], RuleContext], CriterionResult]

RULES: Mapping[str, Rule] = MappingProxyType(
    {
        "consent": consent,
        "age": age,
        "eular_acr_2019": eular_acr_2019,
        "refractory_therapy": refractory_therapy,
        "sledai_2k": sledai_2k,
        "autoantibodies": autoantibodies,
        "lvef": lvef,
        "renal_function": renal_function,
        "liver_enzymes": liver_enzymes,
        "bilirubin": bilirubin,
        "oxygen_saturation": oxygen_saturation,
        "attestation": attestation,
        "pregnancy_contraception": pregnancy_contraception,
    }
)

# The loader validates against CRITERION_KINDS; a kind declared there without a rule here is a bug.
if set(RULES) != set(CRITERION_KINDS):
    raise RuntimeError(f"criterion kinds without a rule or rules without a kind: {set(RULES) ^ set(CRITERION_KINDS)}")

__all__ = ["RULES", "CriterionResult", "Rule", "RuleContext", "Status", "Window", "worst"]
