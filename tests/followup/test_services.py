"""Enrollment, the reminder schedule in the database, completing reminders, alerts and the sweep (in process;
the real worker and Redis are in test_worker.py)."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone

from followup import services
from followup.models import AlertKind, Enrollment, Reminder, UrgentAlert
from followup.services import sweep as sweep_module
from patients.clock import site_today
from patients.models import PatientStatus
from patients.versioning import StaleVersion
from tests import factories
from tests.followup.conftest import enroll

pytestmark = [pytest.mark.django_db, pytest.mark.requirement("FUP-01")]


def at(site, days: int) -> dt.datetime:
    """A moment ``days`` after now (the sweep's clock)."""
    return timezone.now() + dt.timedelta(days=days)


def statuses(patient) -> dict[tuple[str, int], str]:
    return {(r.kind, r.sequence): r.status for r in Reminder.objects.filter(patient=patient)}


def test_enrollment_schedules_the_pre_ld_test_and_marks_the_patient_enrolled(eligible_patient, coordinator):
    enrollment = enroll(eligible_patient, coordinator)
    eligible_patient.refresh_from_db()
    assert eligible_patient.status == PatientStatus.ENROLLED
    assert enrollment.dose_unit == "10^5 CAR+ cells/kg"
    reminders = list(Reminder.objects.filter(patient=eligible_patient))
    assert [(r.kind, r.due_date, r.status) for r in reminders] == [
        ("pregnancy_test_pre_ld", enrollment.planned_lymphodepletion_on - dt.timedelta(days=1), "pending")
    ]


def test_recording_the_infusion_starts_the_monthly_reminders(eligible_patient, coordinator):
    enrollment = enroll(eligible_patient, coordinator)
    today = site_today(eligible_patient.site)
    services.enrollment_update(
        acting_user=coordinator, enrollment=enrollment, version=factories.current_version(enrollment), reason="infusion given",
        dose_level=Decimal("1"), planned_lymphodepletion_on=today - dt.timedelta(days=2),
        planned_infusion_on=today, infused_on=today,
    )
    kinds = [r.kind for r in Reminder.objects.filter(patient=eligible_patient)]
    assert kinds.count("pregnancy_test_monthly") == 12
    assert kinds.count("contraception_checkin") == 12
    assert kinds.count("contraception_end_notice") == 1
    assert kinds.count("pregnancy_test_pre_ld") == 1


@pytest.mark.parametrize("status", ["screening", "screen_failed", "withdrawn"])
def test_only_a_patient_signed_eligible_can_be_enrolled(site_a, coordinator, status):
    patient = factories.create_patient(site_a, registered_by=coordinator, status=status)
    with pytest.raises(ValidationError, match="signed eligible"):
        enroll(patient, coordinator)
    assert not Enrollment.objects.exists() and not Reminder.objects.exists()


def test_coordinator_of_another_site_and_investigator_cannot_enroll(eligible_patient, coordinator_b, investigator):
    for user in (coordinator_b, investigator):
        with pytest.raises(PermissionDenied):
            enroll(eligible_patient, user)
    assert not Enrollment.objects.exists()


def test_double_enrollment_is_refused_and_leaves_one(eligible_patient, coordinator):
    enroll(eligible_patient, coordinator)
    with pytest.raises(ValidationError, match="already enrolled"):
        enroll(eligible_patient, coordinator)
    assert Enrollment.objects.count() == 1
    assert Reminder.objects.count() == 1


def test_dose_level_must_be_one_of_the_protocol(eligible_patient, coordinator):
    today = site_today(eligible_patient.site)
    with pytest.raises(ValidationError) as error:
        services.enrollment_record(acting_user=coordinator, patient=eligible_patient, dose_level=Decimal("2"),
                                   planned_lymphodepletion_on=today, planned_infusion_on=today)
    assert "0.3, 1, 3" in str(error.value)


def test_infusion_date_in_the_future_is_refused(eligible_patient, coordinator):
    today = site_today(eligible_patient.site)
    with pytest.raises(ValidationError, match="cannot be in the future"):
        services.enrollment_record(acting_user=coordinator, patient=eligible_patient, dose_level=Decimal("0.3"),
                                   planned_lymphodepletion_on=today, planned_infusion_on=today + dt.timedelta(days=2),
                                   infused_on=today + dt.timedelta(days=1))


def test_changing_the_infusion_date_moves_pending_reminders_and_leaves_done_ones(eligible_patient, coordinator):
    enrollment = enroll(eligible_patient, coordinator, infused_days_ago=40)
    month1 = Reminder.objects.get(patient=eligible_patient, kind="pregnancy_test_monthly", sequence=1)
    services.reminder_complete_pregnancy_test(acting_user=coordinator, reminder=month1, result="negative",
                                              tested_on=month1.due_date)
    month2_before = Reminder.objects.get(patient=eligible_patient, kind="pregnancy_test_monthly", sequence=2)
    count_before = Reminder.objects.count()

    services.enrollment_update(
        acting_user=coordinator, enrollment=enrollment, version=factories.current_version(enrollment), reason="infusion date was mistyped",
        dose_level=enrollment.dose_level, planned_lymphodepletion_on=enrollment.planned_lymphodepletion_on,
        planned_infusion_on=enrollment.planned_infusion_on, infused_on=enrollment.infused_on + dt.timedelta(days=3),
    )
    month1_after = Reminder.objects.get(pk=month1.pk)
    month2 = Reminder.objects.get(pk=month2_before.pk)
    assert (month1_after.status, month1_after.due_date) == ("done", month1.due_date)
    assert month1_after.pregnancy_test_result == "negative"
    assert month2.due_date == month2_before.due_date + dt.timedelta(days=3)
    assert month2.status == "pending"
    assert Reminder.objects.count() == count_before  # moved, not duplicated


def test_done_reminder_keeps_its_date_when_the_infusion_moves(eligible_patient, coordinator):
    enrollment = enroll(eligible_patient, coordinator, infused_days_ago=40)
    month1 = Reminder.objects.get(patient=eligible_patient, kind="contraception_checkin", sequence=1)
    services.reminder_complete_contraception_checkin(acting_user=coordinator, reminder=month1, method_in_use=True,
                                                     method="iud")
    services.enrollment_update(
        acting_user=coordinator, enrollment=enrollment, version=factories.current_version(enrollment), reason="corrected", dose_level=enrollment.dose_level,
        planned_lymphodepletion_on=enrollment.planned_lymphodepletion_on,
        planned_infusion_on=enrollment.planned_infusion_on, infused_on=enrollment.infused_on + dt.timedelta(days=5),
    )
    after = Reminder.objects.get(pk=month1.pk)
    assert (after.due_date, after.status, after.contraception_method) == (month1.due_date, "done", "iud")


def test_clearing_then_reentering_the_infusion_cancels_then_reinstates_without_duplicates(eligible_patient, coordinator):
    enrollment = enroll(eligible_patient, coordinator, infused_days_ago=2)
    infused_on = enrollment.infused_on
    fields = {"dose_level": enrollment.dose_level, "planned_lymphodepletion_on": enrollment.planned_lymphodepletion_on,
              "planned_infusion_on": enrollment.planned_infusion_on}
    services.enrollment_update(acting_user=coordinator, enrollment=enrollment, version=factories.current_version(enrollment), reason="entered on the wrong patient",
                               infused_on=None, **fields)
    assert set(statuses(eligible_patient).values()) == {"pending", "cancelled"}
    assert list(statuses(eligible_patient).values()).count("pending") == 1  # the pre-LD test only
    services.enrollment_update(acting_user=coordinator, enrollment=enrollment, version=factories.current_version(enrollment), reason="re-entered",
                               infused_on=infused_on, **fields)
    assert set(statuses(eligible_patient).values()) == {"pending"}
    assert Reminder.objects.filter(patient=eligible_patient).count() == 26


def test_change_needs_a_reason(eligible_patient, coordinator):
    enrollment = enroll(eligible_patient, coordinator)
    with pytest.raises(ValidationError, match="reason"):
        services.enrollment_update(acting_user=coordinator, enrollment=enrollment, version=factories.current_version(enrollment), reason=" ",
                                   dose_level=Decimal("3"), planned_lymphodepletion_on=enrollment.planned_lymphodepletion_on,
                                   planned_infusion_on=enrollment.planned_infusion_on, infused_on=None)


def test_discontinuation_cancels_pending_and_keeps_done(eligible_patient, coordinator):
    enrollment = enroll(eligible_patient, coordinator, infused_days_ago=40)
    month1 = Reminder.objects.get(patient=eligible_patient, kind="pregnancy_test_monthly", sequence=1)
    services.reminder_complete_pregnancy_test(acting_user=coordinator, reminder=month1, result="negative",
                                              tested_on=month1.due_date)
    services.enrollment_discontinue(acting_user=coordinator, enrollment=enrollment,
                                    discontinued_on=site_today(eligible_patient.site), reason="adverse event")
    result = statuses(eligible_patient)
    assert result.pop(("pregnancy_test_monthly", 1)) == "done"
    assert set(result.values()) == {"cancelled"}
    assert Reminder.objects.filter(status="cancelled").first().cancel_reason == "discontinued: adverse event"
    with pytest.raises(ValidationError, match="discontinued"):
        services.enrollment_update(acting_user=coordinator, enrollment=enrollment, version=factories.current_version(enrollment), reason="x",
                                   dose_level=enrollment.dose_level,
                                   planned_lymphodepletion_on=enrollment.planned_lymphodepletion_on,
                                   planned_infusion_on=enrollment.planned_infusion_on, infused_on=enrollment.infused_on)


def test_withdrawal_cancels_the_pending_reminders(eligible_patient, coordinator):
    enroll(eligible_patient, coordinator, infused_days_ago=2)
    cancelled = services.reminders_cancel_for_patient(acting_user=coordinator, patient=eligible_patient,
                                                      reason="withdrew consent")
    assert cancelled == 26
    assert set(statuses(eligible_patient).values()) == {"cancelled"}
    assert services.reminders_sweep(now=at(eligible_patient.site, 400)).sent == 0


def test_the_database_refuses_reopening_a_done_reminder(eligible_patient, coordinator):
    enroll(eligible_patient, coordinator)
    reminder = Reminder.objects.get()
    services.reminder_complete_pregnancy_test(acting_user=coordinator, reminder=reminder, result="negative",
                                              tested_on=site_today(eligible_patient.site))
    with pytest.raises(DatabaseError, match="Invalid transition"), transaction.atomic():
        Reminder.objects.filter(pk=reminder.pk).update(status="pending")


def test_a_reminders_site_is_its_candidates_and_cannot_be_set_to_another(eligible_patient, coordinator, site_b):
    """The site copied onto reminders (for the dashboard's index) is the candidate's, and the database refuses
    any other: a reminder can never show on another site's board."""
    enroll(eligible_patient, coordinator)
    reminder = Reminder.objects.get()
    assert reminder.site_id == eligible_patient.site_id
    with pytest.raises(IntegrityError, match="reminder_site_is_the_candidates"), transaction.atomic():
        Reminder.objects.filter(pk=reminder.pk).update(site=site_b)
    with pytest.raises(IntegrityError, match="reminder_has_site"), transaction.atomic():
        Reminder.objects.filter(pk=reminder.pk).update(site=None)


def test_completing_twice_is_refused_with_a_clear_message(eligible_patient, coordinator):
    enroll(eligible_patient, coordinator)
    reminder = Reminder.objects.get()
    today = site_today(eligible_patient.site)
    services.reminder_complete_pregnancy_test(acting_user=coordinator, reminder=reminder, result="negative",
                                              tested_on=today)
    with pytest.raises(ValidationError, match="already completed"):
        services.reminder_complete_pregnancy_test(acting_user=coordinator, reminder=reminder, result="positive",
                                                  tested_on=today)
    assert Reminder.objects.get().pregnancy_test_result == "negative"
    assert not UrgentAlert.objects.exists()


def test_positive_pregnancy_test_raises_an_alert_emailed_once_to_investigators(
        eligible_patient, coordinator, investigator, mailoutbox):
    enroll(eligible_patient, coordinator)
    reminder = Reminder.objects.get()
    services.reminder_complete_pregnancy_test(acting_user=coordinator, reminder=reminder, result="positive",
                                              tested_on=site_today(eligible_patient.site))
    alert = UrgentAlert.objects.get()
    assert alert.kind == AlertKind.POSITIVE_PREGNANCY_TEST and alert.emailed_at is None
    assert services.reminders_sweep().alerts_emailed == 1
    assert services.reminders_sweep().alerts_emailed == 0
    [message] = mailoutbox
    assert message.to == ["inv@site-a.test"]
    assert "URGENT" in message.subject and eligible_patient.screening_number in message.subject


def test_contraception_no_longer_in_use_raises_an_alert(eligible_patient, coordinator):
    enroll(eligible_patient, coordinator, infused_days_ago=40)
    checkin = Reminder.objects.get(patient=eligible_patient, kind="contraception_checkin", sequence=1)
    services.reminder_complete_contraception_checkin(acting_user=coordinator, reminder=checkin, method_in_use=False,
                                                     method="")
    assert UrgentAlert.objects.get().kind == AlertKind.CONTRACEPTION_STOPPED


@pytest.mark.parametrize(("in_use", "method", "message"), [(True, "", "Name the method"),
                                                          (True, "safe_period", "not a contraception method"),
                                                          (True, "rhythm", "not a contraception method")])
def test_checkin_answers_are_validated(eligible_patient, coordinator, in_use, method, message):
    enroll(eligible_patient, coordinator, infused_days_ago=40)
    checkin = Reminder.objects.get(patient=eligible_patient, kind="contraception_checkin", sequence=1)
    with pytest.raises(ValidationError, match=f"(?i){message}"):
        services.reminder_complete_contraception_checkin(acting_user=coordinator, reminder=checkin,
                                                         method_in_use=in_use, method=method)
    assert Reminder.objects.get(pk=checkin.pk).status != "done"


def test_sweep_sends_a_due_reminder_once_to_the_coordinators(eligible_patient, coordinator, investigator, mailoutbox,
                                                              settings):
    eligible_patient.full_name = "Mei Ling Wang"
    eligible_patient.hospital_record_number = "HRN-778812"
    eligible_patient.save()
    enroll(eligible_patient, coordinator, ld_in_days=5)  # pre-LD test due in 4 days
    site = eligible_patient.site
    # The subject names the candidate's trial and the body the portal, whatever they are called.
    site.trial.code = "SLE-CART-2"
    site.trial.save()
    settings.PORTAL_NAME = "Anhui screening portal"
    assert services.reminders_sweep(now=at(site, 0)).sent == 0
    assert services.reminders_sweep(now=at(site, 4)).sent == 1
    assert services.reminders_sweep(now=at(site, 4)).sent == 0
    [message] = mailoutbox
    assert message.to == ["coord@site-a.test"]
    assert f"{eligible_patient.screening_number} MLW" in message.subject
    assert message.subject.startswith("[SLE-CART-2] ") and "MC-1-50" not in message.subject
    assert "Anhui screening portal" in message.body
    text = message.subject + message.body
    assert "Mei Ling" not in text and "HRN-778812" not in text
    assert Reminder.objects.get().status == "sent"


def test_sweep_marks_overdue_and_tells_the_investigators(eligible_patient, coordinator, investigator, mailoutbox):
    enroll(eligible_patient, coordinator, ld_in_days=5)
    site = eligible_patient.site
    services.reminders_sweep(now=at(site, 4))
    result = services.reminders_sweep(now=at(site, 4 + 7))
    assert (result.sent, result.overdue) == (0, 1)
    assert Reminder.objects.get().status == "overdue"
    assert sorted(mailoutbox[-1].to) == ["coord@site-a.test", "inv@site-a.test"]
    assert "OVERDUE" in mailoutbox[-1].subject
    assert services.reminders_sweep(now=at(site, 30)).overdue == 0


def test_sweep_sends_digests_naming_each_due_reminder_once(eligible_patient, coordinator, investigator, mailoutbox,
                                                          monkeypatch):
    """A site that fell behind gets a few messages, each listing its reminders, not a message per reminder."""
    monkeypatch.setattr(sweep_module, "REMINDERS_PER_MESSAGE", 3)
    enroll(eligible_patient, coordinator, infused_days_ago=200)
    due = list(Reminder.objects.filter(due_date__lte=site_today(eligible_patient.site)))
    assert len(due) > 3
    result = services.reminders_sweep()
    assert result.sent + result.overdue == len(due)
    announced = Reminder.objects.filter(pk__in=[r.pk for r in due])
    expected_messages = sum(-(-announced.filter(status=status).count() // 3) for status in ("sent", "overdue"))
    assert len(mailoutbox) == expected_messages
    keys = [key for m in mailoutbox for key in m.extra_headers["X-MC150-Reminders"].split()]
    assert sorted(keys) == sorted(r.idempotency_key for r in due)
    for message in mailoutbox:
        listed = [line for line in message.body.splitlines() if line.startswith("- ")]
        assert len(listed) == len(message.extra_headers["X-MC150-Reminders"].split())
        assert all(eligible_patient.screening_number in line for line in listed)
    assert services.reminders_sweep().sent == 0 and len(mailoutbox) == expected_messages


def test_the_sweeps_one_update_leaves_an_audit_entry_per_reminder(eligible_patient, coordinator):
    """Reminders are tracked per statement: one UPDATE marking many of them still gives each its own entry,
    with its own changes, candidate, site and reason, in the chain."""
    from trial.audit.ledger import AuditEntry, chain_rows, verify_chain

    enroll(eligible_patient, coordinator, infused_days_ago=200)
    due = {str(r.pk) for r in Reminder.objects.filter(due_date__lte=site_today(eligible_patient.site))}
    assert len(due) > 3
    before = AuditEntry.objects.order_by("-id").values_list("id", flat=True).first()
    services.reminders_sweep()
    entries = list(AuditEntry.objects.filter(id__gt=before, record_type="followup.Reminder").order_by("id"))
    assert sorted(entry.object_id for entry in entries) == sorted(due)
    for entry in entries:
        reminder = Reminder.objects.get(pk=entry.object_id)
        assert entry.action == "update"
        assert entry.changes["status"] == ["pending", reminder.status]
        assert (entry.patient_id, entry.site_id) == (eligible_patient.pk, eligible_patient.site_id)
        assert entry.reason.startswith("reminder")
    assert verify_chain(chain_rows()).ok


@pytest.mark.django_db(transaction=True, databases=["default", "owner"])
def test_a_record_one_step_from_the_candidate_reaches_them_through_its_parent(eligible_patient, coordinator):
    """The ledger's "via" way to the candidate (no model needs it today): an urgent alert's events, read as if
    the alert knew its candidate only through its reminder, still name the reminder's candidate and site."""
    from django.db import connections

    from trial.audit.ledger import AuditEntry, LedgerSpec, _column_type, install_ledger

    spec = LedgerSpec(event_table="followup_urgentalertevent", record_type="followup.UrgentAlert",
                      patient_mode="via", patient_column="reminder_id", via_table="followup_reminder", via_pk="id",
                      via_patient="patient_id")
    owner = connections["owner"]
    with owner.cursor() as cursor:  # the owner replaces the table's function (committed), put back below
        cursor.execute(spec.sql(owner.ops.quote_name, _column_type(cursor, spec.event_table, "pgh_obj_id"),
                                _column_type(cursor, "followup_reminder", "id")))
    try:
        enroll(eligible_patient, coordinator)
        services.reminder_complete_pregnancy_test(acting_user=coordinator, reminder=Reminder.objects.get(),
                                                  result="positive", tested_on=site_today(eligible_patient.site))
        entry = AuditEntry.objects.get(record_type="followup.UrgentAlert",
                                       object_id=str(UrgentAlert.objects.get().pk))
        assert (entry.patient_id, entry.site_id) == (eligible_patient.pk, eligible_patient.site_id)
    finally:
        install_ledger(using="owner")


def test_a_digest_sent_again_carries_the_same_message_id(eligible_patient, coordinator):
    """After a crash between the mail server's acceptance and the commit, the digest goes again: a mail
    client folds the two by their equal Message-ID."""
    enroll(eligible_patient, coordinator, infused_days_ago=200)
    site = eligible_patient.site
    due = list(Reminder.objects.filter(due_date__lte=site_today(site)).select_related("patient"))
    first = sweep_module._reminder_email(due, site, "sent", ["coord@site-a.test"])
    again = sweep_module._reminder_email(due, site, "sent", ["coord@site-a.test"])
    other = sweep_module._reminder_email(due[1:], site, "sent", ["coord@site-a.test"])
    assert first.extra_headers["Message-ID"] == again.extra_headers["Message-ID"] != other.extra_headers["Message-ID"]


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_the_same_time_send_each_reminder_once(eligible_patient, coordinator, settings, mailoutbox,
                                                             monkeypatch):
    """Two threads, two database connections, a slow mail server: SKIP LOCKED shares the work (digests of
    two, so there are several to share)."""
    settings.FOLLOWUP_DELIVERY_DELAY_MS = 50
    monkeypatch.setattr(sweep_module, "REMINDERS_PER_MESSAGE", 2)
    enroll(eligible_patient, coordinator, infused_days_ago=200)
    due = Reminder.objects.filter(due_date__lte=site_today(eligible_patient.site)).count()
    results = []

    def sweep():
        try:
            results.append(services.reminders_sweep())
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sum(r.sent + r.overdue for r in results) == due
    assert all(r.sent + r.overdue > 0 for r in results)  # both really worked at the same time
    keys = [key for m in mailoutbox for key in m.extra_headers["X-MC150-Reminders"].split()]
    assert len(keys) == len(set(keys)) == due


def test_patient_withdrawal_cancels_the_open_reminders_and_keeps_done_ones(eligible_patient, coordinator):
    from screening.consent.services import patient_withdraw

    enroll(eligible_patient, coordinator, infused_days_ago=40)
    month1 = Reminder.objects.get(patient=eligible_patient, kind="pregnancy_test_monthly", sequence=1)
    services.reminder_complete_pregnancy_test(acting_user=coordinator, reminder=month1, result="negative",
                                              tested_on=month1.due_date)
    patient_withdraw(acting_user=coordinator, patient=eligible_patient, withdrawn_on=site_today(eligible_patient.site),
                     reason="moved abroad")
    result = statuses(eligible_patient)
    assert result.pop(("pregnancy_test_monthly", 1)) == "done"
    assert set(result.values()) == {"cancelled"}
    assert Reminder.objects.filter(status="cancelled").first().cancel_reason == "withdrawal: moved abroad"


def test_a_correction_from_an_outdated_form_is_refused_with_the_other_change(coordinator, eligible_patient):
    """Two coordinators open the enrollment; the second save must not silently undo the first."""
    enrollment = enroll(eligible_patient, coordinator)
    opened = factories.current_version(enrollment)
    planned = enrollment.planned_infusion_on
    fields = {"dose_level": enrollment.dose_level, "planned_lymphodepletion_on": enrollment.planned_lymphodepletion_on,
              "infused_on": None}
    services.enrollment_update(acting_user=coordinator, enrollment=enrollment, version=opened, reason="first",
                               planned_infusion_on=planned + dt.timedelta(days=1), **fields)
    with pytest.raises(StaleVersion, match="changed by someone else meanwhile"):
        services.enrollment_update(acting_user=coordinator, enrollment=enrollment, version=opened, reason="second",
                                   planned_infusion_on=planned + dt.timedelta(days=2), **fields)
    enrollment.refresh_from_db()
    assert enrollment.planned_infusion_on == planned + dt.timedelta(days=1)
