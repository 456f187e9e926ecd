from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Uploaded ICF PDFs go to a temporary directory, not .data/media."""
    settings.MEDIA_ROOT = tmp_path / "media"
