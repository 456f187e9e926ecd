"""Signed checkpoints outside the database: a rewrite of the audit trail by someone holding the owner role,
re-chained with the trigger's own hash function and "verified", is caught against an earlier checkpoint;
a checkpoint itself cannot be forged; the other disagreements verify_audit looks for are named."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.roles import every_trigger, owner_cursor
from trial.audit import checkpoints
from trial.audit.ledger import AuditEntry, VerificationRun

# Committed, as the owner's own connection sees it.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.requirement("AUD-02")]

RECHAIN = """
DO $$
DECLARE
    r record;
    prev text := repeat('0', 64);
BEGIN
    FOR r IN SELECT * FROM trial_auditentry ORDER BY id LOOP
        UPDATE trial_auditentry SET prev_hash = prev,
               hash = trial_ledger_hash(prev, r.id, r.occurred_at, r.event_table, r.event_id, r.action,
                                        r.record_type, r.object_id, r.site_id, r.patient_id, r.user_id, r.url,
                                        r.ip, r.reason, r.changes)
         WHERE id = r.id RETURNING hash INTO prev;
    END LOOP;
END $$;
"""


def rewrite_history_as_owner(entry: AuditEntry, kg) -> None:
    """The review's attack, with the owner's credentials: a past weight in its history and its ledger entry
    changed, the chain recomputed with the trigger's own function, and a "verified" run naming the new head."""
    with owner_cursor() as cursor:
        cursor.execute("SELECT set_config('pgtrigger.ignore', %s, false)", [every_trigger()])
        cursor.execute("UPDATE patients_patientevent SET weight_kg = %s WHERE pgh_id = %s", [kg, entry.event_id])
        cursor.execute("UPDATE trial_auditentry SET changes = jsonb_set(changes, '{weight_kg,1}', to_jsonb(%s::numeric))"
                       " WHERE id = %s", [kg, entry.pk])
        cursor.execute(RECHAIN)
        cursor.execute("INSERT INTO trial_verificationrun (started_at, finished_at, ok, entries_verified, message,"
                       " last_entry_id, last_hash) SELECT now(), now(), true, count(*), 'intact', max(id),"
                       " (SELECT hash FROM trial_auditentry ORDER BY id DESC LIMIT 1) FROM trial_auditentry")


def test_a_rewrite_by_the_owner_is_caught_against_an_earlier_checkpoint(patient_a, reweigh):
    reweigh(patient_a, 61, reason="weighed at screening")
    earlier = checkpoints.write_checkpoint()
    reweigh(patient_a, 62, reason="weighed again")
    call_command("verify_audit")  # intact so far
    screening_weight = AuditEntry.objects.get(reason="weighed at screening")
    rewrite_history_as_owner(screening_weight, 75)
    assert AuditEntry.objects.get(pk=screening_weight.pk).changes["weight_kg"][1] == 75
    with pytest.raises(CommandError, match=rf"differs from the signed checkpoint {earlier.path.name}"
                                           r" \(the chain was rewritten\)"):
        call_command("verify_audit")
    with pytest.raises(CommandError, match="the chain was rewritten"):
        call_command("verify_audit", "--incremental")
    assert not VerificationRun.objects.order_by("-id").first().ok


def test_a_forged_or_altered_checkpoint_is_refused(patient_a, reweigh, settings):
    written = checkpoints.write_checkpoint()
    document = json.loads(written.path.read_text())
    document["checkpoint"]["hash"] = "0" * 64
    written.path.write_text(json.dumps(document))
    with pytest.raises(CommandError, match=f"checkpoint {written.path.name}: the signature does not verify"):
        call_command("verify_audit")


def test_a_sponsor_verifies_with_the_public_key_alone(patient_a, reweigh, tmp_path, settings):
    written = checkpoints.write_checkpoint()
    public = tmp_path / "sponsor.pub"
    public.write_text(json.loads(written.path.read_text())["public_key"])
    settings.AUDIT_CHECKPOINT_KEY = tmp_path / "not-at-the-sponsor.pem"
    call_command("verify_audit", "--public-key", str(public))
    other = checkpoints.private_key(tmp_path / "other.pem", create=True).public_key()
    (tmp_path / "other.pub").write_bytes(__import__("base64").b64encode(checkpoints.public_key_bytes(other)))
    with pytest.raises(CommandError, match="signature does not verify"):
        call_command("verify_audit", "--public-key", str(tmp_path / "other.pub"))


def test_the_incremental_run_starts_at_the_newest_checkpoint(patient_a, reweigh, capsys):
    checkpoints.write_checkpoint()
    head = AuditEntry.objects.order_by("-id").first()
    reweigh(patient_a, 63)
    call_command("verify_audit", "--incremental")
    out = capsys.readouterr().out
    newer = AuditEntry.objects.filter(id__gt=head.pk).count()
    assert f"{newer} entries verified since checkpoint entry {head.pk}" in out


def test_a_change_made_with_the_event_triggers_off_is_named(patient_a):
    with owner_cursor() as cursor:
        cursor.execute("SELECT set_config('pgtrigger.ignore', %s, false)", [every_trigger()])
        cursor.execute("SET session_replication_role = replica")  # the owner here is a superuser
        cursor.execute("UPDATE patients_patient SET weight_kg = 99 WHERE id = %s", [patient_a.pk])
    with pytest.raises(CommandError, match=f"patients.Patient {patient_a.pk}: the live row differs from its latest"):
        call_command("verify_audit")


def test_an_event_deleted_behind_its_entry_is_named(patient_a, reweigh):
    reweigh(patient_a, 64)
    with owner_cursor() as cursor:
        cursor.execute("SELECT set_config('pgtrigger.ignore', %s, false)", [every_trigger()])
        cursor.execute("DELETE FROM patients_patientevent WHERE pgh_id = (SELECT max(pgh_id) FROM"
                       " patients_patientevent)")
    with pytest.raises(CommandError, match="patients_patientevent event .* is gone|no ledger entry|differs"):
        call_command("verify_audit")


def test_beat_writes_checkpoints_and_runs_the_check(patient_a, settings):
    from trial import tasks

    tasks.write_audit_checkpoint()
    assert len(list(settings.AUDIT_CHECKPOINT_DIR.glob("*.json"))) == 1
    tasks.verify_audit()
    run = VerificationRun.objects.order_by("-id").first()
    assert run.ok and "1 signed checkpoints agree" in run.message
    assert {"audit-checkpoint", "audit-verify"} <= set(settings.CELERY_BEAT_SCHEDULE)


def test_a_checkpoint_is_mailed_to_the_sponsor_and_a_failure_alerts_them(patient_a, reweigh, settings, mailoutbox):
    settings.AUDIT_CHECKPOINT_EMAILS = ["sponsor-audit@sponsor.test"]
    settings.AUDIT_ALERT_EMAILS = ["sponsor-qa@sponsor.test"]
    written = checkpoints.write_checkpoint()
    [copy] = mailoutbox
    assert copy.to == ["sponsor-audit@sponsor.test"] and written.path.name == copy.attachments[0][0]
    assert f"entry {written.entry_id}" in copy.subject
    with owner_cursor() as cursor:  # an entry altered after the checkpoint
        cursor.execute("SELECT set_config('pgtrigger.ignore', %s, false)", [every_trigger()])
        cursor.execute("UPDATE trial_auditentry SET reason = 'altered' WHERE id = %s", [written.entry_id])
    with pytest.raises(CommandError):
        call_command("verify_audit")
    alert = mailoutbox[-1]
    assert alert.to == ["sponsor-qa@sponsor.test"] and "FAILED" in alert.subject
    assert f"entry {written.entry_id}" in alert.body


def test_changing_pghistorys_context_rows_later_changes_nothing_chained(patient_a, reweigh):
    reweigh(patient_a, 66, reason="the reason given at the time")
    entry = AuditEntry.objects.get(reason="the reason given at the time")
    with owner_cursor() as cursor:
        cursor.execute("UPDATE pghistory_context SET metadata = jsonb_set(metadata, '{reason}', '\"rewritten\"')")
    call_command("verify_audit")  # the entry keeps its own copy: still intact, still the original reason
    assert AuditEntry.objects.get(pk=entry.pk).reason == "the reason given at the time"
