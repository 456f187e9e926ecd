"""``make run``'s demo: besides the accounts, candidates at every stage of the pipeline, built through the
services, so a newcomer's first login shows the whole portal; running it again duplicates nothing."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from followup.models import Reminder
from patients.models import Patient
from screening.models import EligibilitySignature
from tests.demo_setup import load_demo
from trial.audit.monitoring import DataQuery
from trial.language import preference_set

pytestmark = pytest.mark.django_db(transaction=False)


@pytest.fixture
def demo(settings, tmp_path):
    return load_demo(settings, tmp_path)


def test_the_demo_has_a_candidate_at_every_stage(demo):
    assert "Demo candidates: 10" in demo
    statuses = sorted(Patient.objects.values_list("status", flat=True))
    assert statuses.count("screening") == 5  # registered, consented, half entered, awaiting signature, void
    assert {"eligible", "enrolled", "screen_failed", "withdrawn"} <= set(statuses)
    assert Patient.objects.filter(consents__isnull=True).count() == 1  # just registered
    signatures = EligibilitySignature.objects
    assert signatures.filter(status="valid", outcome="eligible").count() == 3  # signed, and the two enrolled
    assert signatures.filter(status="valid", outcome="not_eligible").count() == 1
    assert signatures.filter(status="void").count() == 1
    assert DataQuery.objects.filter(status="open").count() == 1
    # The authenticators the loader signed with are gone: the investigators enrol their own at first login.
    assert not TOTPDevice.objects.exists()


def test_the_coordinators_dashboard_shows_a_reminder_due_today_and_one_overdue(demo, client):
    assert Reminder.objects.filter(status__in=["pending", "sent"]).count() == 2
    for username, section in (("coord.hefei", "reminders-overdue"), ("coord.hangzhou", "reminders-due-today")):
        client.force_login(get_user_model().objects.get(username=username))
        html = client.get(reverse("dashboard_coordinator")).content.decode()
        assert f'data-testid="{section}"' in html, username


def test_running_the_demo_again_duplicates_nothing(demo):
    counts = (Patient.objects.count(), EligibilitySignature.objects.count(), Reminder.objects.count())
    again = io.StringIO()
    call_command("load_demo", stdout=again)
    assert "already loaded" in again.getvalue()
    assert (Patient.objects.count(), EligibilitySignature.objects.count(), Reminder.objects.count()) == counts


def test_the_chinese_interface_names_the_demo_hospitals_in_chinese(demo, client):
    client.force_login(get_user_model().objects.get(username="coord.hefei"))
    client.cookies["django_language"] = "zh-hans"
    html = client.get(reverse("dashboard_coordinator"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "安徽省立医院" in html and "Anhui Provincial Hospital" not in html


def test_the_dashboard_shows_the_pipeline_with_counts_that_list_each_stage(demo, client):
    client.force_login(get_user_model().objects.get(username="coord.hefei"))
    html = client.get(reverse("dashboard_coordinator")).content.decode()
    # Site 01 of the demo: ZQ registered; LH, WY consented with data missing; CX ready to sign; HM signed; SJ
    # enrolled.
    counts = {key: int(html.split(f'data-testid="stage-{key}"')[1].split('text-bg-light">')[1].split("<")[0])
              for key in ("registered", "incomplete", "review", "ready", "eligible", "enrolled", "screen_failed",
                          "withdrawn")}
    assert counts == {"registered": 1, "incomplete": 2, "review": 0, "ready": 1, "eligible": 1, "enrolled": 1,
                      "screen_failed": 0, "withdrawn": 0}
    listed = client.get(reverse("dashboard_coordinator"), {"status": "screening", "consented": "no"}).content.decode()
    table = listed.split('data-testid="candidate-search"')[1]
    assert ">01-0001<" in table and ">01-0002<" not in table


def test_the_navigation_names_the_person_in_the_script_of_the_pages_language(demo, client):
    coordinator = get_user_model().objects.get(username="coord.hefei")
    client.force_login(coordinator)
    client.cookies["django_language"] = "zh-hans"
    chinese = client.get(reverse("dashboard_coordinator"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert 'data-testid="signed-in-as">王芳<' in chinese
    preference_set(acting_user=coordinator, language="en")
    client.logout()
    client.force_login(coordinator)  # the preference is the session's language from the next login
    english = client.get(reverse("dashboard_coordinator")).content.decode()
    assert 'data-testid="signed-in-as">Wang Fang<' in english
