"""Numbers in comparisons and in evidence: float noise never flips a boundary, and a shown number never reads
as equal to the limit it fails (3.003 x ULN against 3.0, 59.96 mL/min against 60)."""

from __future__ import annotations

# Float noise must not flip a boundary: 168 / 84 is exactly 2.0, but 0.1 * 3 is not 0.3.
_TOLERANCE = 1e-9


def at_least(value: float, minimum: float) -> bool:
    return value >= minimum - _TOLERANCE


def at_most(value: float, maximum: float) -> bool:
    return value <= maximum + _TOLERANCE


def num(value: float) -> str:
    """A value as entered: 70.0 -> '70', 0.9 -> '0.9', 49.999 -> '49.999' (never rounded onto a limit)."""
    return f"{round(value, 9):.12g}"


def fixed(value: float, places: int = 2) -> str:
    """A computed value, rounded for display only (comparisons use the unrounded value)."""
    return f"{value:.{places}f}"


def decisive(value: float, threshold: float, places: int = 2) -> str:
    """A computed value with at least `places` decimals and as many more as it takes for the shown number to
    fall on the same side of `threshold` as the value: 3.003 x ULN against 3.0 never reads "3.00", 59.96
    mL/min against 60 never reads "60.0". A value equal to the threshold (within float noise) shows as is."""
    if abs(value - threshold) <= _TOLERANCE:
        return fixed(value, places)
    above = value > threshold
    for digits in range(places, 13):
        shown = round(value, digits)
        if (shown > threshold) if above else (shown < threshold):
            return fixed(value, digits)
    return repr(value)
