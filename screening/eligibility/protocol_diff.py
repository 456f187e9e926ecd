"""What a new protocol file changes against the version in force, in words a sponsor admin can check.

Compared as data, not as text: two files that differ only in comments, order or spacing have no
difference, and every difference is named by its place in the protocol: a criterion (its wording or its
rule), a data item of the catalogue, or a setting (version, dates, dose levels, reminder schedules ...).
Pure: both files are TOML text, already validated by the loader.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

CRITERIA_SECTIONS = ("inclusion", "exclusion")
# Keys whose values are words shown to people (in any language), not rules the engine applies.
WORDING_KEYS = frozenset({"name", "names", "text", "label", "labels", "description", "note", "title", "question"})


@dataclass(frozen=True)
class Change:
    """One value that differs: ``path`` inside its subject (e.g. ``of[0].max_uln``), old and new shown as
    TOML-like text ("" when absent), and whether it is wording or a rule."""

    path: str
    old: str
    new: str
    wording: bool


@dataclass(frozen=True)
class SubjectDiff:
    """A criterion, a data item or a setting that was added, removed or changed."""

    section: str  # "criteria" | "data items" | "settings"
    subject: str  # "inclusion I06b", "labs creatinine", "dose_levels"
    state: str  # "added" | "removed" | "changed"
    changes: tuple[Change, ...] = ()
    # Wording changed in some languages and not in others ("name": ("en",) changed, ("zh-hans",) not).
    one_sided: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...] = ()

    @property
    def wording_only(self) -> bool:
        return self.state == "changed" and all(change.wording for change in self.changes)


@dataclass(frozen=True)
class ProtocolDiff:
    subjects: tuple[SubjectDiff, ...] = field(default_factory=tuple)

    def of(self, section: str) -> list[SubjectDiff]:
        return [subject for subject in self.subjects if subject.section == section]

    @property
    def empty(self) -> bool:
        return not self.subjects

    @property
    def rules_changed(self) -> bool:
        """Whether any change is more than wording (a verdict may change: signatures are re-checked)."""
        return any(not subject.wording_only for subject in self.subjects
                   if subject.section in ("criteria", "data items"))


def protocol_diff(old_text: str | None, new_text: str) -> ProtocolDiff:
    """Every criterion, data item and setting of ``new_text`` that differs from ``old_text`` (None: a first
    version, so everything is added)."""
    old = _subjects(tomllib.loads(old_text)) if old_text is not None else {}
    new = _subjects(tomllib.loads(new_text))
    found = []
    for key in sorted(old.keys() | new.keys(), key=_order):
        section, subject = key
        if key not in old:
            found.append(SubjectDiff(section, subject, "added", _changes({}, new[key])))
        elif key not in new:
            found.append(SubjectDiff(section, subject, "removed", _changes(old[key], {})))
        elif changes := _changes(old[key], new[key]):
            found.append(SubjectDiff(section, subject, "changed", changes, _one_sided(changes, _flatten(new[key]))))
    return ProtocolDiff(tuple(found))


def _subjects(document: Mapping[str, Any]) -> dict[tuple[str, str], Any]:
    """The file cut into subjects: each criterion, each catalogue item, and each other top-level key."""
    subjects: dict[tuple[str, str], Any] = {}
    for key, value in document.items():
        if key in CRITERIA_SECTIONS and isinstance(value, Mapping):
            for code, criterion in value.items():
                subjects[("criteria", f"{key} {code}")] = criterion
        elif key == "catalogue" and isinstance(value, Mapping):
            for kind, items in value.items():
                if isinstance(items, Mapping) and all(isinstance(item, Mapping) for item in items.values()):
                    for code, item in items.items():
                        subjects[("data items", f"{kind} {code}")] = item
                else:  # catalogue-wide settings (instruments, plausibility, drug classes ...)
                    subjects[("data items", kind)] = items
        else:
            subjects[("settings", key)] = value
    return subjects


_SECTION_ORDER = {"criteria": 0, "data items": 1, "settings": 2}


def _order(key: tuple[str, str]) -> tuple[int, str]:
    return _SECTION_ORDER[key[0]], key[1]


def _flatten(value: Any, path: str = "") -> dict[str, Any]:
    if isinstance(value, Mapping):
        flat: dict[str, Any] = {}
        for key, inner in value.items():
            flat.update(_flatten(inner, f"{path}.{key}" if path else str(key)))
        return flat
    if isinstance(value, list) and any(isinstance(item, Mapping) for item in value):
        flat = {}
        for index, inner in enumerate(value):
            flat.update(_flatten(inner, f"{path}[{index}]"))
        return flat
    return {path: value}


def _changes(old: Any, new: Any) -> tuple[Change, ...]:
    before, after = _flatten(old), _flatten(new)
    return tuple(
        Change(path, _shown(before.get(path, _ABSENT)), _shown(after.get(path, _ABSENT)), _is_wording(path))
        for path in sorted(before.keys() | after.keys())
        if before.get(path, _ABSENT) != after.get(path, _ABSENT)
    )


_ABSENT = object()
LANGUAGES = ("en", "zh-hans")


def _one_sided(changes: tuple[Change, ...], after: dict[str, Any]) -> tuple:
    """Wordings changed in one language while the same words in another language stayed as they were."""
    changed: dict[str, set[str]] = {}
    for change in changes:
        base, _dot, language = change.path.rpartition(".")
        if change.wording and language in LANGUAGES and change.old and change.new:
            changed.setdefault(base, set()).add(language)
    found = []
    for base, languages in sorted(changed.items()):
        unchanged = tuple(lang for lang in LANGUAGES if lang not in languages and f"{base}.{lang}" in after)
        if unchanged:
            found.append((base, tuple(sorted(languages)), unchanged))
    return tuple(found)


def _is_wording(path: str) -> bool:
    parts = [part.split("[")[0] for part in path.split(".")]
    return any(part in WORDING_KEYS for part in parts)


def _shown(value: Any) -> str:
    if value is _ABSENT:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(_shown(item) for item in value) + "]"
    return str(value)
