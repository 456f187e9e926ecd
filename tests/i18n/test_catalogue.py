"""The Simplified Chinese catalogue: it compiles, no message is empty or fuzzy, the committed .mo matches the
.po, and running makemessages on today's sources would add no untranslated string."""

from __future__ import annotations

import gettext
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import translation

from screening.models.signoff import MEANINGS_BY_LANGUAGE
from screening.signoff.rules import meaning_of

pytestmark = pytest.mark.requirement("I18N-01")

LOCALE = Path(settings.BASE_DIR) / "locale"
ZH_PO = LOCALE / "zh_Hans" / "LC_MESSAGES" / "django.po"
# What makemessages reads: the apps and the templates (the documented command ignores .venv, staticfiles, bench).
SOURCES = ("trial", "patients", "screening", "followup", "templates")


def untranslated_or_fuzzy(po: Path) -> str:
    """The entries msgattrib finds untranslated or fuzzy (the header aside): empty when the catalogue is done."""
    found = []
    for option in ("--untranslated", "--only-fuzzy"):
        result = subprocess.run(["msgattrib", option, "--no-obsolete", str(po)], capture_output=True, text=True,
                                check=True)
        entries = [block for block in result.stdout.split("\n\n") if 'msgid ""\nmsgstr ""' not in block]
        found += [block for block in entries if block.strip()]
    return "\n\n".join(found)


def test_the_catalogue_compiles_and_every_message_is_translated():
    subprocess.run(["msgfmt", "--check", "-o", "/dev/null", str(ZH_PO)], check=True, capture_output=True)
    assert untranslated_or_fuzzy(ZH_PO) == ""


def test_the_committed_mo_is_the_compiled_po(tmp_path):
    compiled = tmp_path / "django.mo"
    subprocess.run(["msgfmt", "-o", str(compiled), str(ZH_PO)], check=True)
    with compiled.open("rb") as fresh, (ZH_PO.with_suffix(".mo")).open("rb") as committed:
        assert gettext.GNUTranslations(committed)._catalog == gettext.GNUTranslations(fresh)._catalog, (
            "run `python manage.py compilemessages` and commit locale/zh_Hans/LC_MESSAGES/django.mo"
        )


def test_makemessages_on_the_sources_adds_no_untranslated_string(tmp_path, settings, monkeypatch):
    """A string marked for translation but missing from the catalogue (or changed) fails here."""
    for name in SOURCES:
        (tmp_path / name).symlink_to(Path(settings.BASE_DIR) / name)
    shutil.copytree(LOCALE / "zh_Hans", tmp_path / "locale" / "zh_Hans")
    settings.LOCALE_PATHS = [tmp_path / "locale"]
    monkeypatch.chdir(tmp_path)
    call_command("makemessages", locale=["zh_Hans"], symlinks=True, verbosity=0)
    assert untranslated_or_fuzzy(tmp_path / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po") == ""


@pytest.mark.parametrize("outcome", ["eligible", "not_eligible"])
@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_signed_meaning_is_the_words_the_database_accepts(language, outcome):
    """The catalogue's meaning and the signature's check constraint hold the same words."""
    assert meaning_of(outcome, language) == MEANINGS_BY_LANGUAGE[language][outcome]
    with translation.override("en"):
        assert meaning_of(outcome, language) == MEANINGS_BY_LANGUAGE[language][outcome]
