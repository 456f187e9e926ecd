"""The copied example facts are the trial's own."""

from __future__ import annotations

import json

import pytest

from tests.examples import ELIGIBLE_FEMALE, SHARED_ELIGIBLE_FEMALE


@pytest.mark.skipif(not SHARED_ELIGIBLE_FEMALE.exists(), reason="../shared is not beside this checkout")
def test_the_copied_example_matches_the_shared_one():
    assert json.loads(ELIGIBLE_FEMALE.read_text()) == json.loads(SHARED_ELIGIBLE_FEMALE.read_text())
