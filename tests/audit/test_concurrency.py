"""Concurrent writers: the ledger lock serialises them, so ids follow commit order and keyset pages
neither skip nor repeat entries while others write."""

from __future__ import annotations

import threading

import pghistory
import pytest
from django.core.management import call_command
from django.db import connection, transaction

from patients.models import Patient
from trial.audit.ledger import AuditEntry
from trial.audit.search import AuditFilters, search_entries

pytestmark = pytest.mark.django_db(transaction=True)


def write_in_thread(patient_pk: int, kg: int, reason: str, hold: threading.Event | None, done: threading.Event,
                    written: threading.Event | None = None, errors: list | None = None):
    def run():
        try:
            with transaction.atomic(), pghistory.context(reason=reason):
                Patient.objects.filter(pk=patient_pk).update(weight_kg=kg)
                if written is not None:
                    written.set()
                if hold is not None:
                    hold.wait(20)  # keep the transaction (and the ledger lock) open
        except Exception as error:  # reported to the test thread
            if errors is not None:
                errors.append(error)
        finally:
            connection.close()
            done.set()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def test_a_second_writer_waits_for_the_first_and_pages_stay_consistent(monitor_a, patient_a, site_a, coordinator_a):
    from tests.factories import create_patient

    other_patient = create_patient(site_a, registered_by=coordinator_a)
    for kg in range(40, 52):
        with pghistory.context(reason=f"setup {kg}"):
            Patient.objects.filter(pk=patient_a.pk).update(weight_kg=kg)
    first_page = search_entries(monitor_a, AuditFilters(), limit=5)

    release, first_done, second_done, written = (threading.Event() for _ in range(4))
    errors: list = []
    first = write_in_thread(patient_a.pk, 60, "slow writer", release, first_done, written, errors)
    assert written.wait(20), errors
    # The second writer starts after the first holds the lock: it must wait, not take an id and commit first.
    # (It writes another row, so only the ledger lock, not a row lock, can hold it back.)
    second = write_in_thread(other_patient.pk, 61, "fast writer", None, second_done, None, errors)
    assert not second_done.wait(1.5), f"second writer finished while the first held the ledger lock {errors}"
    assert not AuditEntry.objects.filter(reason__in=["slow writer", "fast writer"]).exists()

    # A reader paging meanwhile is not disturbed.
    second_page = search_entries(monitor_a, AuditFilters(), before=first_page.next_before, limit=5)

    release.set()
    first.join(20)
    second.join(20)
    assert not errors
    slow, fast = (AuditEntry.objects.get(reason=reason) for reason in ("slow writer", "fast writer"))
    assert slow.pk < fast.pk and fast.prev_hash == slow.hash

    # Continue paging to the end: every entry that existed at the start is seen exactly once, in order.
    seen = [e.pk for e in first_page.entries + second_page.entries]
    before = second_page.next_before
    while before is not None:
        page = search_entries(monitor_a, AuditFilters(), before=before, limit=5)
        seen += [e.pk for e in page.entries]
        before = page.next_before
    assert seen == list(AuditEntry.objects.filter(site_id=site_a.pk, id__lt=slow.pk).order_by("-id").values_list("id", flat=True))
    call_command("verify_audit")  # the chain did not fork
