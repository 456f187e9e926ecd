"""MC-1-50 eligibility engine: pure Python, no Django, evaluation date always passed in.

    protocol = load_protocol_file("trial/protocols/mc-1-50.toml")
    evaluation = evaluate(parse_facts(json.loads(text)), protocol)
    evaluation.to_dict()  # the output JSON of screening-facts.md
"""

from __future__ import annotations

from .criteria import CriterionResult, Status
from .engine import Evaluation, Overall, evaluate
from .facts import Facts, FactsError, parse_facts
from .protocol import Protocol, ProtocolError, load_protocol_file, load_protocol_text

__all__ = [
    "CriterionResult",
    "Evaluation",
    "Facts",
    "FactsError",
    "Overall",
    "Protocol",
    "ProtocolError",
    "Status",
    "evaluate",
    "load_protocol_file",
    "load_protocol_text",
    "parse_facts",
]
