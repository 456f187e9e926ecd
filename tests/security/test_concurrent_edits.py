"""Two coordinators correct the same record at once: the second save is refused with the first one's change
shown (version check), and the first change is never overwritten."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests import factories
from tests.security.conftest import World, client_as
from tests.security.forms_data import form_data

pytestmark = [pytest.mark.django_db, pytest.mark.requirement("ERR-01")]

# (url name, world object, the first user's change, the field label the conflict message shows, the second
# user's change)
CASES = [
    ("patient_edit", "patient", {"weight_kg": "61.0"}, "58.0 → 61.0", {"initials": "XYZ"}),
    ("consent_edit", "consent", {"copy_given": "no"}, "True → False", {"signed_time": "11:15"}),
    ("screening_record_edit", "lab", {"value": "75"}, "70.000 → 75.000", {"collected_on": "2024-03-06"}),
]


def snapshot(record) -> dict:
    return {field.attname: getattr(record, field.attname) for field in record._meta.concrete_fields}


def opened_form(client, url: str) -> dict:
    response = client.get(url)
    assert response.status_code == 200
    return form_data(response.context["form"])


@pytest.mark.parametrize(("url_name", "obj", "first_change", "shown", "second_change"), CASES,
                         ids=[case[0] for case in CASES])
def test_second_save_gets_a_conflict_with_the_first_change(world: World, site_a, url_name, obj, first_change, shown,
                                                           second_change):
    record = getattr(world, obj)
    colleague = factories.create_staff("coord_a2", "coordinator", site_a)
    first, second = client_as(world.users["coordinator_a"]), client_as(colleague)
    url = reverse(url_name, kwargs={"pk": record.pk, **({"slug": "labs"} if obj == "lab" else {})})
    first_form, second_form = opened_form(first, url), opened_form(second, url)  # both open the same version

    saved = first.post(url, {**first_form, **first_change, "reason": "corrected from the source"})
    assert saved.status_code == 302, saved.context["form"].errors if saved.context else saved
    record.refresh_from_db()
    after_first = snapshot(record)

    refused = second.post(url, {**second_form, **second_change, "reason": "my correction"})
    page = refused.content.decode()
    assert refused.status_code == 200
    assert "changed by someone else meanwhile" in page
    assert shown in page  # the other user's change, old → new
    assert "Coord_A Tester" in page  # and who made it
    record.refresh_from_db()
    assert snapshot(record) == after_first  # the first change stands, nothing of the second was saved
