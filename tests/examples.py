"""Example documents the tests share. The facts example is the trial's own
(``../shared/protocol/examples/eligible-female.json``), copied here so a clone is self-contained;
``tests/trial/test_examples.py`` checks the copy still matches the original when it is beside the checkout."""

from __future__ import annotations

from pathlib import Path

ELIGIBLE_FEMALE = Path(__file__).resolve().parent / "data" / "eligible-female.json"
SHARED_ELIGIBLE_FEMALE = Path(__file__).resolve().parents[2] / "shared" / "protocol" / "examples" / "eligible-female.json"
