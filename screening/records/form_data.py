"""Reading a form's submitted data before it is validated, for the live previews: a preview runs on every
keystroke, so it reads what it can and ignores the rest instead of refusing it. Also the protocol's
cut-offs a preview shows beside its score."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.http import QueryDict

from screening.eligibility import Protocol


def decimal_of(raw: Any) -> Decimal | None:
    try:
        value = Decimal(str(raw).strip())
    except (InvalidOperation, ValueError):
        return None
    return value if value.is_finite() else None


def all_of(data: QueryDict | dict, key: str) -> list[str]:
    """Every value of a multiple field (ticked boxes), from a POST or a form's initial data."""
    if isinstance(data, QueryDict):
        return data.getlist(key)
    value = data.get(key) or []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def first_of(data: QueryDict | dict, key: str) -> Any:
    value = data.get(key)
    if isinstance(value, (list, tuple)):
        return value[0] if value else None
    return value


def instrument_param(protocol: Protocol, instrument: str, name: str) -> Any:
    """A parameter of the first criterion reading ``instrument`` (the live score shows the trial's cut-off)."""
    for node in protocol.nodes():
        if node.kind == "instrument" and node.params["instrument"] == instrument and name in node.params:
            return node.params[name]
    return None


def steroid_minimum(protocol: Protocol) -> Any:
    """The minimum of the first criterion on the glucocorticoid dose per kg (MC-1-50's I03b: 1 mg/kg/day)."""
    for node in protocol.nodes():
        params = node.params
        if node.kind == "medication" and params["measure"] == "dose" and params.get("per_kg") and "min" in params:
            return params["min"]
    return None
