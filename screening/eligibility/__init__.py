"""The eligibility engine: pure Python, no Django, evaluation date always passed in.

    protocol = load_protocol_file("trial/protocols/mc-1-50.toml")
    evaluation = evaluate(parse_facts(json.loads(text), protocol), protocol)
    evaluation.to_dict()  # the output JSON of screening-facts.md, with structured evidence

A protocol file is in the general format (`format = 2`, `general/`: a catalogue of data items and criteria
built from general kinds, docs/protocol-format.md), or in the engine's first format (MC-1-50's bespoke
kinds, `protocol.py`), which is read as the general format (`first_format.py`). One engine evaluates both.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from . import protocol as _first_format
from .facts import FactsError
from .first_format import to_general
from .general.engine import evaluate_general
from .general.facts import GeneralFacts, parse_general_facts
from .general.protocol import GeneralProtocol, is_general, load_general
from .results import CriterionResult, Evaluation, Overall, Status
from .toml_tables import ProtocolError, read_protocol_file

# The protocol as the engine and the portal read it, whichever format its file is in.
Protocol = GeneralProtocol
Facts = GeneralFacts


def load_protocol_text(text: str, source: str = "protocol") -> Protocol:
    """Parse and validate protocol TOML text in either format; `source` names it in a syntax error."""
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ProtocolError(source, f"invalid TOML: {exc}") from None
    if is_general(doc):
        return load_general(doc)
    return to_general(_first_format.load_protocol_text(text, source))


def load_protocol_file(path: str | Path) -> Protocol:
    """A protocol file in either format; an unreadable file is a `ProtocolError` naming the path."""
    return load_protocol_text(read_protocol_file(path), source=str(path))


def parse_facts(doc: Any, protocol: Protocol) -> Facts:
    """A facts document read against the protocol's catalogue (docs/facts-format.md)."""
    return parse_general_facts(doc, protocol.catalogue)


def evaluate(facts: Facts, protocol: Protocol) -> Evaluation:
    """Every inclusion and exclusion criterion of `protocol` on `facts` as of `facts.evaluated_on`."""
    return evaluate_general(facts, protocol)


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
