"""One place defines a kind of screening record: its module in ``screening.records.kinds`` and its template
with the partials the pages include. A kind missing a piece would fail on the candidate page only when
someone opened that panel; these tests fail at once."""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

import pytest
from django.template import TemplateDoesNotExist
from django.template.loader import get_template

from screening.records import kinds as kinds_package
from screening.records.kinds import KINDS
from screening.records.kinds.base import RecordKind

ROOT = Path(__file__).resolve().parents[2]
KIND_MODULES = [name for _finder, name, _pkg in pkgutil.iter_modules(kinds_package.__path__) if name != "base"]


def test_every_kind_module_is_registered_under_its_own_slug():
    registered = {}
    for name in KIND_MODULES:
        kind = importlib.import_module(f"screening.records.kinds.{name}").KIND
        assert isinstance(kind, RecordKind)
        registered[kind.slug] = name
    assert set(registered) == set(KINDS), "a kind module is not in KINDS, or KINDS names a kind without one"
    assert all(slug == module for slug, module in registered.items())


@pytest.mark.parametrize("slug", list(KINDS))
def test_each_kind_has_its_template_with_the_partials_the_pages_include(slug):
    kind = KINDS[slug]
    get_template(f"{kind.template}#fields")
    get_template(f"{kind.template}#summary")
    if kind.preview is not None:
        get_template(f"{kind.template}#preview")
    else:
        with pytest.raises(TemplateDoesNotExist):  # a preview partial without a preview would never render
            get_template(f"{kind.template}#preview")


@pytest.mark.parametrize("slug", list(KINDS))
def test_each_kind_form_enters_the_fields_the_kind_saves(slug):
    kind = KINDS[slug]
    assert kind.form.slug == slug
    assert kind.form.record_fields == kind.fields
    assert kind.date_field in kind.fields


def test_no_template_names_a_kind_by_its_slug_outside_its_own():
    """The pages include a kind's partials through ``kind.template``; a branch on one kind's slug in a shared
    template would put that kind's definition back in two places."""
    shared = ROOT / "templates" / "screening" / "records"
    offending = []
    for path in shared.glob("_*.html"):
        text = path.read_text(encoding="utf-8")
        for slug in KINDS:
            if f'kind.slug == "{slug}"' in text and slug != "labs":  # labs: the draw form beside the panel
                offending.append(f"{path.name}: {slug}")
    assert offending == []
