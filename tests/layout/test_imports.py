"""The layout shows the design: no import cycles between the project's modules, and no import hidden in a
function to get round one (the areas lower down tell the ones above through signals instead)."""

from __future__ import annotations

from tests.layout.imports import Import, cycles, imports

# Django's own place for imports that need the app registry: AppConfig.ready.
ALLOWED_IN_FUNCTIONS = {"trial.apps", "screening.apps", "followup.apps"}


def test_no_module_imports_a_project_module_inside_a_function():
    late = [f"{i.module}:{i.line} imports {i.target}" for i in imports()
            if i.in_function and i.module not in ALLOWED_IN_FUNCTIONS]
    assert late == [], "imports inside functions (hiding an import cycle?): " + "; ".join(late)


def test_the_modules_import_each_other_without_a_cycle():
    assert cycles(imports()) == []


def test_the_cycle_finder_finds_a_cycle():
    edges = [Import("a", "b", 1, False), Import("b", "c", 1, False), Import("c", "a", 1, True),
             Import("c", "d", 1, False)]
    assert cycles(edges) == [["a", "b", "c"]]


def test_the_import_reader_sees_a_late_import_in_this_project():
    """The reader finds the imports of AppConfig.ready, so it would find any other in a function."""
    assert any(i.module == "screening.apps" and i.in_function and i.target == "patients.signals" for i in imports())
