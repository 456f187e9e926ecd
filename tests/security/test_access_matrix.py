"""Every URL of the portal, checked for anonymous users and four staff members against ``access_matrix``.

A URL without an entry fails ``test_every_url_has_an_entry``: decide who may use it and add the entry.
"""

from __future__ import annotations

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.security.access_matrix import (
    FORBIDDEN,
    LOGIN,
    MATRIX,
    NOT_ALLOWED,
    NOT_FOUND,
    OK,
    PROCESSED,
    REDIRECT,
    VIEWERS,
    Access,
    data_entry_urls,
)
from tests.security.conftest import World, client_as

pytestmark = [pytest.mark.django_db, pytest.mark.requirement("ACC-01", "AUT-01")]

# Not the portal's own pages: Django's admin (checked below: staff only) and static files.
SKIPPED_NAMESPACES = {"admin"}
KWARG = re.compile(r"<(?:\w+:)?(\w+)>")


def portal_urls() -> dict[str, str]:
    """{url name: route} of every URL pattern, walking includes; unnamed patterns appear as their route."""
    found: dict[str, str] = {}

    def walk(patterns, prefix: str) -> None:
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                if pattern.namespace in SKIPPED_NAMESPACES or route.startswith("static/"):
                    continue
                walk(pattern.url_patterns, route)
            elif isinstance(pattern, URLPattern):
                found[pattern.name or f"<unnamed: {route}>"] = route

    walk(get_resolver().url_patterns, "")
    return found


def url_of(name: str, route: str, access: Access, world: World) -> str:
    kwargs = {}
    for kwarg in KWARG.findall(route):
        if kwarg == "pk":
            assert access.pk, f"{name}: say which object <pk> is in access_matrix.MATRIX (pk=\"patient\" ...)"
            kwargs["pk"] = getattr(world, access.pk).pk
        elif kwarg == "patient_pk":
            kwargs["patient_pk"] = world.patient.pk
        elif kwarg == "slug":
            kwargs["slug"] = access.slug
        elif kwarg == "token":
            kwargs["token"] = world.calendar_token
        elif kwarg in ("language", "kind"):  # the validation report's English PDF
            kwargs.update(language="en", kind="pdf")
        else:
            raise AssertionError(f"{name}: teach test_access_matrix.url_of which object fills <{kwarg}>")
    return reverse(name, kwargs=kwargs)


def outcome_of(response) -> str:
    if response.status_code == 302:
        return LOGIN if response.url.startswith(reverse("login")) else REDIRECT
    return str(response.status_code)


def matches(expected: str, actual: str, status: int) -> bool:
    if expected == PROCESSED:
        return status in (200, 400) or actual == REDIRECT
    return expected == actual


def test_every_url_has_an_entry():
    missing = sorted(set(portal_urls()) - set(MATRIX))
    assert not missing, (
        f"URL(s) without an access-matrix entry: {missing}. Add each to MATRIX in tests/security/access_matrix.py "
        "with the expected outcome for every viewer (and give unnamed patterns a name)."
    )


def test_every_entry_names_a_url():
    stale = sorted(set(MATRIX) - set(portal_urls()))
    assert not stale, f"access_matrix.MATRIX names URLs that no longer exist: {stale}"


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_access(name: str, world: World):
    routes = portal_urls()
    if name not in routes:
        pytest.skip("not a URL (test_every_entry_names_a_url reports it)")
    access = MATRIX[name]
    url = url_of(name, routes[name], access, world)
    clients = {viewer: client_as(world.users[viewer]) for viewer in VIEWERS}
    wrong = []
    for method, expected_row in (("GET", access.get), ("POST", access.post)):
        for viewer, expected in zip(VIEWERS, expected_row, strict=True):
            client = clients[viewer]
            response = client.get(url) if method == "GET" else client.post(url, {})
            actual = outcome_of(response)
            if not matches(expected, actual, response.status_code):
                wrong.append(f"{method} {url} as {viewer}: expected {expected}, got {actual}")
    assert not wrong, "\n".join(wrong)


def test_matrix_keeps_the_rules():
    """The entries themselves: monitors never post data, other sites' objects are 404, anonymous logs in."""
    monitor, other_site, anonymous = (VIEWERS.index(v) for v in ("monitor_a", "coordinator_b", "anonymous"))
    for name in data_entry_urls():
        assert MATRIX[name].post[monitor] == FORBIDDEN, f"{name}: monitors must get 403 on data entry"
    routes = portal_urls()
    for name, access in MATRIX.items():
        if {"pk", "patient_pk"} & set(KWARG.findall(routes.get(name, ""))):
            for outcome in (access.get[other_site], access.post[other_site]):
                assert outcome in (NOT_FOUND, NOT_ALLOWED, FORBIDDEN), f"{name}: another site's object must not open"
        if name not in {"login", "healthz", "favicon", "followup_calendar_feed", "logout", "language_switch"}:
            assert access.get[anonymous] in (LOGIN, NOT_ALLOWED) and access.post[anonymous] in (LOGIN, NOT_ALLOWED), name
    assert OK  # the vocabulary is shared with the matrix module


def test_data_entry_urls_are_found():
    names = data_entry_urls()
    assert {"patient_register", "patient_edit", "consent_record", "attestation_new"} <= set(names)


@pytest.mark.parametrize("who, outcome", [("anonymous", LOGIN), ("coordinator_a", LOGIN), ("monitor_a", LOGIN),
                                          ("sponsor_admin", OK)])
def test_only_staff_accounts_enter_the_django_admin(request, who, outcome):
    user = None if who == "anonymous" else request.getfixturevalue(who)
    response = client_as(user).get(reverse("admin:index"))
    if outcome == LOGIN:
        assert response.status_code == 302 and response.url.startswith(reverse("admin:login"))
    else:
        assert response.status_code == 200


def test_a_wrong_calendar_token_is_404(client, db):
    assert client.get(reverse("followup_calendar_feed", kwargs={"token": "not-a-token"})).status_code == 404
