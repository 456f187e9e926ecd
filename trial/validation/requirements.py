"""The requirements of ``docs/requirements.toml`` and the tests tagged with them.

A test names what it verifies with ``@pytest.mark.requirement("AUD-01", ...)`` or a module's ``pytestmark``.
The tags are read from the test files' syntax (not by collecting the suite) so that the check that every
requirement has a test holds whichever tests a run selects."""

from __future__ import annotations

import ast
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

RISKS = ("high", "medium", "low")


class RequirementsError(ValueError):
    """The requirements file is malformed: the message names the entry and what is wrong."""


@dataclass(frozen=True)
class Requirement:
    id: str
    text: Mapping[str, str]  # by language: "en", "zh"
    source: tuple[str, ...]
    risk: str

    def text_in(self, language: str) -> str:
        return self.text.get("zh" if language.startswith("zh") else "en") or self.text["en"]


def requirements_file() -> Path:
    return Path(settings.BASE_DIR) / "docs" / "requirements.toml"


def parse(document: Mapping) -> tuple[Requirement, ...]:
    """The requirements of a parsed TOML document, every entry checked."""
    found, seen = [], set()
    for number, entry in enumerate(document.get("requirement", ()), start=1):
        where = f"requirement {number} ({entry.get('id') or 'without an id'})"
        text, source = entry.get("text"), entry.get("source")
        if not isinstance(entry.get("id"), str) or not entry["id"]:
            raise RequirementsError(f"{where}: no id")
        if entry["id"] in seen:
            raise RequirementsError(f"{where}: the id is used twice")
        if not isinstance(text, Mapping) or not text.get("en"):
            raise RequirementsError(f"{where}: no text.en")
        if not isinstance(source, list) or not source:
            raise RequirementsError(f"{where}: no source")
        if entry.get("risk") not in RISKS:
            raise RequirementsError(f"{where}: risk must be one of {', '.join(RISKS)}")
        seen.add(entry["id"])
        found.append(Requirement(entry["id"], dict(text), tuple(source), entry["risk"]))
    if not found:
        raise RequirementsError("no [[requirement]] entry")
    return tuple(found)


def load(path: Path | None = None) -> tuple[Requirement, ...]:
    with open(path or requirements_file(), "rb") as handle:
        try:
            return parse(tomllib.load(handle))
        except tomllib.TOMLDecodeError as error:
            raise RequirementsError(f"{handle.name}: {error}") from error


def _requirement_ids(decorator: ast.expr) -> list[str]:
    """The ids of a ``pytest.mark.requirement(...)`` call (or a list of marks holding one), else none."""
    if isinstance(decorator, (ast.List, ast.Tuple)):
        return [found for element in decorator.elts for found in _requirement_ids(element)]
    if (isinstance(decorator, ast.Call) and isinstance(decorator.func, ast.Attribute)
            and decorator.func.attr == "requirement"):
        return [arg.value for arg in decorator.args if isinstance(arg, ast.Constant) and isinstance(arg.value, str)]
    return []


def tags_in(source: str, module: str) -> dict[str, set[str]]:
    """{requirement id: the tests of ``source`` tagged with it}: a module's ``pytestmark`` tags the module."""
    tags: dict[str, set[str]] = {}
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "pytestmark" for t in node.targets):
            for found in _requirement_ids(node.value):
                tags.setdefault(found, set()).add(module)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            for decorator in node.decorator_list:
                for found in _requirement_ids(decorator):
                    tags.setdefault(found, set()).add(f"{module}::{node.name}")
    return tags


def tagged_tests(files: Iterable[Path], root: Path) -> dict[str, set[str]]:
    """{requirement id: tests tagged with it} over ``files``, named from ``root`` as pytest names them."""
    tags: dict[str, set[str]] = {}
    for path in files:
        for found, tests in tags_in(path.read_text(encoding="utf-8"), path.relative_to(root).as_posix()).items():
            tags.setdefault(found, set()).update(tests)
    return tags
