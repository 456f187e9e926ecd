"""The follow-up pages as a user meets them: scoping, bad input, completing reminders, alerts, calendar feed."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse

from followup import services
from followup.models import Enrollment, Reminder, UrgentAlert
from patients.clock import site_today
from tests import factories
from tests.followup.conftest import enroll, signed_eligible

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_broker(settings):
    # Sweeps queued on commit go nowhere here (the worker tests cover them); saving must not care.
    settings.CELERY_BROKER_URL = "redis+socket:///nonexistent/redis.sock"


def enrollment_post(client, patient, **fields):
    today = site_today(patient.site)
    data = {
        "dose_level": "1.0",
        "planned_lymphodepletion_on": (today + dt.timedelta(days=5)).isoformat(),
        "planned_infusion_on": (today + dt.timedelta(days=7)).isoformat(),
        "infused_on": "",
        **fields,
    }
    return client.post(reverse("followup_enrollment", args=[patient.pk]), data)


def test_coordinator_enrolls_through_the_form(client_of, coordinator, signed_today):
    response = enrollment_post(client_of(coordinator), signed_today, apheresis_on=site_today(signed_today.site))
    assert response.status_code == 302
    enrollment = Enrollment.objects.get()
    assert str(enrollment.dose_level) == "1.00" and enrollment.recorded_by == coordinator
    assert enrollment.apheresis_on == enrollment.eligibility_signed_on == site_today(signed_today.site)
    assert Reminder.objects.filter(patient=signed_today).count() == 1


@pytest.mark.parametrize("field", ["apheresis_on", "planned_lymphodepletion_on"])
def test_a_treatment_date_before_the_signature_is_refused_on_the_form_naming_both_dates(
        client_of, coordinator, signed_today, field):
    today = site_today(signed_today.site)
    yesterday = (today - dt.timedelta(days=1)).isoformat()
    response = enrollment_post(client_of(coordinator), signed_today, **{field: yesterday})
    assert response.status_code == 400
    page = response.content.decode()
    assert f"on {yesterday} would be before the eligibility signature of {today.isoformat()}" in page
    assert "or the consent of" in page
    assert not Enrollment.objects.exists()


def test_enrollment_is_refused_when_the_signed_result_is_no_longer_current(client_of, coordinator, eligible_patient):
    """Signed 300 days ago: today's window holds none of the screening data, so today's result differs."""
    response = enrollment_post(client_of(coordinator), eligible_patient)
    assert response.status_code == 400
    assert "The signed result is no longer the current evaluation (today: incomplete" in response.content.decode()
    assert not Enrollment.objects.exists()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"dose_level": "2.0"}, "Select a valid choice"),
        ({"planned_infusion_on": "2020-01-01"}, "cannot be planned before lymphodepletion"),
        ({"planned_lymphodepletion_on": "not a date"}, "Enter a valid date"),
        ({"infused_on": "2099-01-01", "planned_infusion_on": "2099-01-01"}, "cannot be in the future"),
    ],
)
def test_bad_enrollment_input_shows_the_error_and_saves_nothing(client_of, coordinator, signed_today, fields,
                                                                message):
    response = enrollment_post(client_of(coordinator), signed_today, **fields)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Enrollment.objects.exists() and not Reminder.objects.exists()


def test_patient_not_signed_eligible_cannot_be_enrolled_through_the_form(client_of, coordinator, site_a):
    patient = factories.create_patient(site_a, registered_by=coordinator)  # still screening
    response = enrollment_post(client_of(coordinator), patient)
    assert response.status_code == 400
    assert "Only a patient signed eligible can be enrolled" in response.content.decode()


def test_monitor_cannot_enroll_and_other_site_gets_404(client_of, coordinator, coordinator_b, monitor_a,
                                                       eligible_patient):
    assert enrollment_post(client_of(monitor_a), eligible_patient).status_code == 403
    client = client_of(coordinator_b)
    assert enrollment_post(client, eligible_patient).status_code == 404
    assert client.get(reverse("followup_patient", args=[eligible_patient.pk])).status_code == 404
    assert not Enrollment.objects.exists()


def test_changing_the_enrollment_needs_a_reason(client_of, coordinator, eligible_patient):
    enroll(eligible_patient, coordinator)
    client = client_of(coordinator)
    response = enrollment_post(client, eligible_patient, dose_level="3.0")
    assert response.status_code == 400 and "This field is required" in response.content.decode()
    response = enrollment_post(client, eligible_patient, dose_level="3.0", reason="dose escalation cohort 3",
                               version=Enrollment.objects.get().version)  # the form's hidden field
    assert response.status_code == 302
    assert str(Enrollment.objects.get().dose_level) == "3.00"


def test_coordinator_dashboard_lists_overdue_due_today_and_upcoming(client_of, coordinator, investigator,
                                                                    eligible_patient, django_assert_max_num_queries):
    enroll(eligible_patient, coordinator, infused_days_ago=40)  # month 1 overdue; month 2 in ~3 weeks
    today_patient = signed_eligible(eligible_patient.site, coordinator, investigator)
    enroll(today_patient, coordinator, ld_in_days=1)  # pre-LD test due today
    soon_patient = signed_eligible(eligible_patient.site, coordinator, investigator)
    enroll(soon_patient, coordinator, ld_in_days=10)  # due in 9 days
    client = client_of(coordinator)
    with django_assert_max_num_queries(20):
        response = client.get(reverse("dashboard_coordinator"))
    html = response.content.decode()
    sections = {name: html.split(f'data-testid="reminders-{name}"')[1].split("</table>")[0]
                for name in ("overdue", "due-today", "upcoming")}
    assert eligible_patient.screening_number in sections["overdue"]
    assert today_patient.screening_number in sections["due-today"]
    assert soon_patient.screening_number in sections["upcoming"]
    assert soon_patient.screening_number not in sections["overdue"] + sections["due-today"]
    # A screening number is unique only within its trial: each row names the trial.
    trial = eligible_patient.site.trial.code
    assert all(f'<span class="text-muted">{trial}</span>' in section for section in sections.values())


def test_dashboard_shows_the_oldest_reminders_of_a_long_list_and_counts_the_rest(client_of, coordinator,
                                                                                eligible_patient, monkeypatch):
    from followup import selectors

    monkeypatch.setattr(selectors, "BOARD_LIST_LIMIT", 3)
    enroll(eligible_patient, coordinator, infused_days_ago=200)  # months 1 to 6 overdue: more than 3
    overdue = Reminder.objects.filter(due_date__lt=site_today(eligible_patient.site) - dt.timedelta(days=7))
    oldest = list(overdue.order_by("due_date", "kind", "sequence"))
    html = client_of(coordinator).get(reverse("dashboard_coordinator")).content.decode()
    listed = html.split('data-testid="reminders-overdue"')[1].split("</table>")[0]
    assert re.findall(r'data-testid="reminder-(\d+)"', listed) == [str(r.pk) for r in oldest[:3]]
    more = re.search(r'data-testid="reminders-overdue-more">and (\d+) more', html)
    assert more and int(more.group(1)) == len(oldest) - 3


def test_dashboard_lists_candidates_ready_to_enroll_first_by_number_and_counts_the_rest(
        client_of, coordinator, investigator, eligible_patient, monkeypatch):
    from followup import selectors

    monkeypatch.setattr(selectors, "BOARD_LIST_LIMIT", 2)
    others = [signed_eligible(eligible_patient.site, coordinator, investigator)
              for _ in range(2)]
    enrolled = signed_eligible(eligible_patient.site, coordinator, investigator)
    enroll(enrolled, coordinator)
    html = client_of(coordinator).get(reverse("dashboard_coordinator")).content.decode()
    listed = html.split('data-testid="ready-to-enroll"')[1].split("</ul>")[0]
    numbers = sorted(p.screening_number for p in [eligible_patient, *others])
    assert re.findall(r"(\d\d-\d{4}) ", listed) == numbers[:2]
    assert enrolled.screening_number not in listed
    assert re.search(r'data-testid="ready-to-enroll-more">and 1 more<', html)


def test_completing_a_pregnancy_test_records_the_result_once(client_of, coordinator, eligible_patient):
    enroll(eligible_patient, coordinator, ld_in_days=1)
    reminder = Reminder.objects.get()
    client = client_of(coordinator)
    url = reverse("followup_reminder_complete", args=[reminder.pk])
    data = {"result": "negative", "tested_on": site_today(eligible_patient.site).isoformat()}
    assert client.post(url, data).status_code == 302
    reminder.refresh_from_db()
    assert (reminder.status, reminder.pregnancy_test_result, reminder.completed_by) == ("done", "negative", coordinator)
    again = client.post(url, {**data, "result": "positive"})
    assert again.status_code == 400 and "already completed" in again.content.decode()
    assert Reminder.objects.get().pregnancy_test_result == "negative"


def test_checkin_yes_without_method_is_refused(client_of, coordinator, eligible_patient):
    enroll(eligible_patient, coordinator, infused_days_ago=40)
    checkin = Reminder.objects.get(kind="contraception_checkin", sequence=1)
    url = reverse("followup_reminder_complete", args=[checkin.pk])
    client = client_of(coordinator)
    response = client.post(url, {"method_in_use": "yes", "method": ""})
    assert response.status_code == 400 and "Name the method in use" in response.content.decode()
    assert client.post(url, {"method_in_use": "yes", "method": "implant"}).status_code == 302
    assert Reminder.objects.get(pk=checkin.pk).contraception_method == "implant"


def test_other_site_coordinator_cannot_complete(client_of, coordinator, coordinator_b, eligible_patient):
    enroll(eligible_patient, coordinator, ld_in_days=1)
    reminder = Reminder.objects.get()
    response = client_of(coordinator_b).post(reverse("followup_reminder_complete", args=[reminder.pk]),
                                             {"result": "negative", "tested_on": "2026-01-01"})
    assert response.status_code == 404
    assert Reminder.objects.get().status == "pending"


def test_contraception_stopped_alert_shows_on_the_investigator_dashboard_until_acknowledged(
        client_of, coordinator, investigator, eligible_patient, django_assert_max_num_queries):
    enroll(eligible_patient, coordinator, infused_days_ago=40)
    checkin = Reminder.objects.get(kind="contraception_checkin", sequence=1)
    client = client_of(coordinator)
    client.post(reverse("followup_reminder_complete", args=[checkin.pk]), {"method_in_use": "no", "method": ""})
    alert = UrgentAlert.objects.get()
    client = client_of(investigator)
    with django_assert_max_num_queries(15):
        html = client.get(reverse("dashboard_investigator")).content.decode()
    assert f'data-testid="urgent-alert-{alert.pk}"' in html and "Contraception no longer in use" in html
    assert client.post(reverse("followup_alert_acknowledge", args=[alert.pk])).status_code == 302
    assert f'urgent-alert-{alert.pk}' not in client.get(reverse("dashboard_investigator")).content.decode()


def issue_feed(client) -> str:
    html = client.post(reverse("followup_calendar_issue")).content.decode()
    return re.search(r"<code>https?://[^/]+(/followup/calendar/[^<]+\.ics)</code>", html).group(1)


def test_calendar_feed_shows_screening_number_and_initials_only_and_can_be_revoked(
        client, coordinator, eligible_patient):
    eligible_patient.full_name = "Mei Ling Wang"
    eligible_patient.hospital_record_number = "HRN-778812"
    eligible_patient.save()
    enroll(eligible_patient, coordinator, ld_in_days=5)
    client.force_login(coordinator)
    feed_path = issue_feed(client)
    client.logout()  # calendar programs have no session
    response = client.get(feed_path)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    body = response.content.decode()
    assert f"SUMMARY:{eligible_patient.screening_number} MLW: Serum pregnancy test before lymphodepletion" in body
    assert "Mei Ling" not in body and "HRN-778812" not in body

    client.force_login(coordinator)
    new_path = issue_feed(client)  # regenerating revokes the old address
    client.logout()
    assert client.get(feed_path).status_code == 404
    assert client.get(new_path).status_code == 200
    client.force_login(coordinator)
    client.post(reverse("followup_calendar_revoke"))
    client.logout()
    assert client.get(new_path).status_code == 404


def test_calendar_feed_of_another_site_is_not_in_my_feed(client, coordinator, coordinator_b, eligible_patient):
    enroll(eligible_patient, coordinator, ld_in_days=5)
    client.force_login(coordinator_b)
    path = issue_feed(client)
    assert eligible_patient.screening_number not in client.get(path).content.decode()


def test_monitor_has_no_calendar_feed(client_of, monitor_a):
    assert client_of(monitor_a).get(reverse("followup_calendar")).status_code == 403


def test_a_reminder_nobody_could_be_emailed_shows_not_delivered_and_the_dashboard_warns(
        client_of, coordinator, eligible_patient, mailoutbox):
    enroll(eligible_patient, coordinator, ld_in_days=1)  # the pre-LD test is due today
    type(coordinator).objects.filter(pk=coordinator.pk).update(email="")  # the site's only coordinator
    assert services.reminders_sweep().sent == 1
    assert mailoutbox == []
    reminder = Reminder.objects.get()
    assert reminder.status == "sent" and reminder.undelivered_reason == "no_recipient"
    html = client_of(coordinator).get(reverse("dashboard_coordinator")).content.decode()
    row = html.split(f'data-testid="reminder-{reminder.pk}"')[1].split("</tr>")[0]
    assert "not delivered" in row and "Sent" not in row
    assert "has an e-mail address" in row  # the reason
    assert "1 open reminder was not e-mailed to anyone" in html


def test_a_past_due_reminder_is_overdue_not_due_today(client_of, coordinator, eligible_patient):
    enroll(eligible_patient, coordinator, ld_in_days=1)
    reminder = Reminder.objects.get()
    Reminder.objects.filter(pk=reminder.pk).update(due_date=reminder.due_date - dt.timedelta(days=1))
    html = client_of(coordinator).get(reverse("dashboard_coordinator")).content.decode()
    assert 'data-testid="reminders-due-today-empty"' in html
    overdue = html.split('data-testid="reminders-overdue"')[1].split("</table>")[0]
    assert f'data-testid="reminder-{reminder.pk}"' in overdue
