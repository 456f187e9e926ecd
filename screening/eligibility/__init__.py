"""The eligibility engine: pure Python, no Django, evaluation date always passed in.

    protocol = load_protocol_file("trial/protocols/mc-1-50.toml")
    evaluation = evaluate(parse_facts(json.loads(text), protocol), protocol)
    evaluation.to_dict()  # the output JSON of screening-facts.md

Two protocol formats are read: today's (`protocol.py`, MC-1-50's bespoke criterion kinds) and the general
one (`format = 2`, `general/`: a catalogue of data items and criteria built from general kinds). The
functions here take either and hand each to its own loader, parser and engine.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from . import engine as _legacy_engine
from . import facts as _legacy_facts
from . import protocol as _legacy_protocol
from .criteria import CriterionResult, Status
from .engine import Evaluation, Overall
from .facts import Facts, FactsError
from .general.engine import evaluate_general
from .general.facts import GeneralFacts, parse_general_facts
from .general.protocol import GeneralProtocol, is_general, load_general
from .protocol import Protocol, ProtocolError

AnyProtocol = Protocol | GeneralProtocol


def load_protocol_text(text: str, source: str = "protocol") -> AnyProtocol:
    """Parse and validate protocol TOML text in either format; `source` names it in a syntax error."""
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ProtocolError(source, f"invalid TOML: {exc}") from None
    if is_general(doc):
        return load_general(doc)
    return _legacy_protocol.load_protocol_text(text, source)


def load_protocol_file(path: str | Path) -> AnyProtocol:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ProtocolError(str(path), f"cannot read protocol file: {getattr(exc, 'strerror', None) or exc}") from None
    return load_protocol_text(text, source=str(path))


def parse_facts(doc: Any, protocol: AnyProtocol | None = None) -> Facts | GeneralFacts:
    """A facts document as the protocol's format reads it (today's format when no protocol is given)."""
    if isinstance(protocol, GeneralProtocol):
        return parse_general_facts(doc, protocol.catalogue)
    return _legacy_facts.parse_facts(doc)


def evaluate(facts: Facts | GeneralFacts, protocol: AnyProtocol) -> Evaluation:
    """Every inclusion and exclusion criterion of `protocol` on `facts` as of `facts.evaluated_on`."""
    if isinstance(protocol, GeneralProtocol):
        if not isinstance(facts, GeneralFacts):
            raise TypeError("facts for a general-format protocol come from parse_facts(doc, protocol)")
        return evaluate_general(facts, protocol)
    return _legacy_engine.evaluate(facts, protocol)


__all__ = [
    "AnyProtocol",
    "CriterionResult",
    "Evaluation",
    "Facts",
    "FactsError",
    "GeneralFacts",
    "GeneralProtocol",
    "Overall",
    "Protocol",
    "ProtocolError",
    "Status",
    "evaluate",
    "load_protocol_file",
    "load_protocol_text",
    "parse_facts",
]
