"""The requirements file and the tags of the tests: every requirement has a test, every tag names a known
requirement, and a malformed file is refused with a message that names the entry."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings

from trial.validation.requirements import (
    RequirementsError,
    load,
    parse,
    tagged_tests,
    tags_in,
)

pytestmark = pytest.mark.requirement("VAL-02")

ROOT = Path(settings.BASE_DIR)


def _tags() -> dict[str, set[str]]:
    return tagged_tests(sorted((ROOT / "tests").rglob("test_*.py")), ROOT)


def test_every_requirement_has_at_least_one_tagged_test():
    tags = _tags()
    assert [r.id for r in load() if not tags.get(r.id)] == []


def test_every_tag_names_a_known_requirement():
    known = {r.id for r in load()}
    assert {found: sorted(tests)[:3] for found, tests in _tags().items() if found not in known} == {}


def test_every_requirement_has_chinese_text_a_source_and_a_risk():
    found = load()
    assert len(found) >= 20
    assert [r.id for r in found if not r.text.get("zh") or not r.source] == []
    assert {r.risk for r in found} <= {"high", "medium", "low"}


def test_tags_are_read_from_module_marks_and_decorators():
    source = '''
import pytest
pytestmark = [pytest.mark.django_db, pytest.mark.requirement("AUD-01", "AUD-02")]

@pytest.mark.requirement("SIG-01")
def test_signing():
    pass

class TestThings:
    @pytest.mark.requirement("ELG-01")
    def test_one(self):
        pass

def test_untagged():
    pass
'''
    assert tags_in(source, "tests/x/test_y.py") == {
        "AUD-01": {"tests/x/test_y.py"}, "AUD-02": {"tests/x/test_y.py"},
        "SIG-01": {"tests/x/test_y.py::test_signing"}, "ELG-01": {"tests/x/test_y.py::test_one"},
    }


def _document(**changes) -> dict:
    entry = {"id": "AUD-01", "text": {"en": "Every change is recorded."}, "source": ["21 CFR 11.10(e)"],
             "risk": "high", **changes}
    return {"requirement": [entry]}


@pytest.mark.parametrize("document, message", [
    ({"requirement": [_document()["requirement"][0], _document()["requirement"][0]]},
     "requirement 2 (AUD-01): the id is used twice"),
    (_document(risk="severe"), "requirement 1 (AUD-01): risk must be one of high, medium, low"),
    (_document(text={"zh": "..."}), "requirement 1 (AUD-01): no text.en"),
    (_document(source=[]), "requirement 1 (AUD-01): no source"),
    (_document(id=""), "requirement 1 (without an id): no id"),
    ({}, "no [[requirement]] entry"),
])
def test_a_malformed_requirements_file_is_refused_with_the_entry_named(document, message):
    with pytest.raises(RequirementsError) as raised:
        parse(document)
    assert str(raised.value) == message


def test_a_file_that_is_not_toml_names_the_file(tmp_path):
    broken = tmp_path / "requirements.toml"
    broken.write_text('[[requirement]]\nid = "AUD-01\n', encoding="utf-8")
    with pytest.raises(RequirementsError, match="requirements.toml"):
        load(broken)

