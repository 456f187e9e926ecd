"""The investigator's worklist and the pipeline's screening stages, read from the evaluation summaries that
every write refreshes after its commit (screening.models.worklist, screening.signoff.summaries)."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from django.urls import reverse

from patients.clock import site_today
from screening.eligibility import Status
from screening.models import EvaluationSummary, WorkState
from screening.signoff.summaries import summaries_refresh_stale, summary_refresh
from screening.signoff.work_state import work_state
from tests import factories
from tests.screening.signoff_setup import correct_lab, enter_eligible, lab
from trial.language import preference_set


def _criterion(code: str, status: str, missing: tuple[str, ...] = (), needed: tuple[str, ...] = ()) -> SimpleNamespace:
    return SimpleNamespace(code=code, status=status, missing=missing,
                           needed=tuple(SimpleNamespace(id=need) for need in needed))


def test_whose_turn_follows_the_decided_evaluation():
    missing_and_review = SimpleNamespace(overall="incomplete", criteria=(
        _criterion("I01", Status.MET), _criterion("I03a", Status.MISSING, ("ANA", "anti-dsDNA")),
        _criterion("I06b", Status.MISSING, ()), _criterion("E05", Status.NEEDS_REVIEW)))
    work = work_state(missing_and_review)
    assert (work.state, work.missing_codes, work.review_codes, work.missing_items) == (
        "incomplete", ("I03a", "I06b"), ("E05",), 3)  # a criterion naming no item still counts one

    only_review = SimpleNamespace(overall="needs_review", criteria=(
        _criterion("I01", Status.MET), _criterion("E05", Status.NEEDS_REVIEW)))
    assert work_state(only_review).state == "review"

    # A criterion that lacks only what the investigator attests waits for the investigator, not the coordinator.
    attestations_left = SimpleNamespace(overall="incomplete", criteria=(
        _criterion("I09", Status.MISSING, ("investigator decision: ...", "contraception method"),
                   ("need.answer", "need.method")),
        _criterion("I06b", Status.MISSING, ("creatinine",), ("need.record", "need.answer"))))
    work = work_state(attestations_left)
    assert (work.state, work.missing_codes, work.review_codes, work.missing_items) == (
        "incomplete", ("I06b",), ("I09",), 1)
    work = work_state(SimpleNamespace(overall="incomplete", criteria=attestations_left.criteria[:1]))
    assert (work.state, work.review_codes, work.missing_items) == ("review", ("I09",), 0)

    # One criterion not met is enough to sign a screen failure, however much else is missing.
    failed = SimpleNamespace(overall="not_eligible", criteria=(
        _criterion("I06b", Status.NOT_MET), _criterion("I03a", Status.MISSING, ("ANA",))))
    work = work_state(failed)
    assert (work.state, work.failed_codes) == ("ready", ("I06b",))
    assert work_state(SimpleNamespace(overall="eligible", criteria=(_criterion("I01", Status.MET),))).state == "ready"


def test_each_write_refreshes_the_summary_after_its_commit(consented, coordinator_a,
                                                           django_capture_on_commit_callbacks):
    today = site_today(consented.site)
    with django_capture_on_commit_callbacks(execute=True):
        lab(consented, coordinator_a, "creatinine", "70", "umol/L", today - dt.timedelta(days=3))
    summary = EvaluationSummary.objects.get(patient=consented)
    assert summary.state == WorkState.INCOMPLETE and summary.evaluated_on == today
    assert "I06b" not in summary.missing_codes and summary.missing_codes and summary.missing_items >= 1


def test_a_write_removes_the_summary_it_makes_stale_in_its_own_transaction(consented, coordinator_a,
                                                                           django_capture_on_commit_callbacks):
    today = site_today(consented.site)
    with django_capture_on_commit_callbacks(execute=True):
        record = lab(consented, coordinator_a, "creatinine", "70", "umol/L", today - dt.timedelta(days=3))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        correct_lab(record, coordinator_a, "400")
    # Until the commit's callback runs, no summary describes the old creatinine.
    assert not EvaluationSummary.objects.filter(patient=consented).exists() and callbacks
    for callback in callbacks:
        callback()
    summary = EvaluationSummary.objects.get(patient=consented)
    assert (summary.state, summary.overall, summary.failed_codes) == (WorkState.READY, "not_eligible", ["I06b"])


def test_the_investigators_worklist_lists_who_is_ready_to_sign_at_their_sites(
        protocol_version, patient_a, coordinator_a, investigator_a, site_b, client_of, django_capture_on_commit_callbacks):
    other_site = factories.create_patient(site_b, registered_by=factories.create_staff("coord_b", "coordinator",
                                                                                       site_b))
    with django_capture_on_commit_callbacks(execute=True):
        enter_eligible(patient_a, coordinator_a, investigator_a)
    summary_refresh(other_site)
    html = client_of(investigator_a).get(reverse("dashboard_investigator")).content.decode()
    worklist = html.split('data-testid="worklist"')[1].split("</section>")[0]
    row = worklist.split(f'data-testid="worklist-{patient_a.pk}"')[1].split("</tr>")[0]
    assert reverse("signoff_sign", args=[patient_a.pk]) in row
    assert "Ready to sign" in row and "eligible" in row
    assert other_site.screening_number not in worklist


def test_an_unanswered_attestation_is_for_the_investigator_to_decide(
        protocol_version, patient_a, coordinator_a, investigator_a, client_of, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        enter_eligible(patient_a, coordinator_a, investigator_a, skip_attestation="apheresis_suitable")
    html = client_of(investigator_a).get(reverse("dashboard_investigator")).content.decode()
    row = html.split(f'data-testid="worklist-{patient_a.pk}"')[1].split("</tr>")[0]
    assert "Criteria to decide" in row and "to decide: I08" in row


def test_missing_data_leaves_the_candidate_with_the_coordinator(consented, coordinator_a, investigator_a, client_of,
                                                                django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        lab(consented, coordinator_a, "creatinine", "70", "umol/L", site_today(consented.site))
    html = client_of(investigator_a).get(reverse("dashboard_investigator")).content.decode()
    assert 'data-testid="worklist-empty"' in html
    table = html.split('data-testid="candidate-search"')[1]
    state = table.split(f'data-testid="work-state-{consented.pk}"')[1].split("</td>")[0]
    summary = EvaluationSummary.objects.get(patient=consented)
    assert "Data incomplete" in state and f"{summary.missing_items} items missing" in state
    assert ", ".join(summary.missing_codes) in state


def test_the_pipeline_counts_the_screening_stages_and_lists_them(
        protocol_version, patient_a, coordinator_a, investigator_a, site_a, client_of, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        enter_eligible(patient_a, coordinator_a, investigator_a)
    registered_only = factories.create_patient(site_a, registered_by=coordinator_a)
    client = client_of(coordinator_a)
    html = client.get(reverse("dashboard_coordinator")).content.decode()

    def count(key: str) -> int:
        return int(html.split(f'data-testid="stage-{key}"')[1].split('text-bg-light">')[1].split("<")[0])

    assert (count("registered"), count("incomplete"), count("review"), count("ready")) == (1, 0, 0, 1)
    listed = client.get(reverse("dashboard_coordinator"), {"work": "ready"}).content.decode()
    table = listed.split('data-testid="candidate-search"')[1]
    assert f">{patient_a.screening_number}<" in table and f">{registered_only.screening_number}<" not in table
    # Not evaluated yet counts as incomplete: the coordinator's turn.
    listed = client.get(reverse("dashboard_coordinator"), {"work": "incomplete"}).content.decode()
    table = listed.split('data-testid="candidate-search"')[1]
    assert f">{registered_only.screening_number}<" in table and f">{patient_a.screening_number}<" not in table
    assert "not evaluated yet" in table


def test_the_hourly_sweep_rewrites_summaries_of_an_earlier_day(consented, coordinator_a,
                                                              django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        lab(consented, coordinator_a, "creatinine", "70", "umol/L", site_today(consented.site))
    EvaluationSummary.objects.filter(patient=consented).update(evaluated_on=dt.date(2020, 1, 1))
    assert summaries_refresh_stale() == 1
    assert EvaluationSummary.objects.get(patient=consented).evaluated_on == site_today(consented.site)
    assert summaries_refresh_stale() == 0  # current summaries are left alone


def test_the_evidence_names_the_instruments_items_in_the_pages_language(protocol_version, patient_a, coordinator_a,
                                                                        investigator_a, client_of):
    enter_eligible(patient_a, coordinator_a, investigator_a)
    client = client_of(coordinator_a)
    english = client.get(reverse("eligibility_checklist", args=[patient_a.pk])).content.decode()
    i03a = english.split('data-testid="criterion-I03a"')[1].split("</tr>")[0]
    assert "Joint involvement 6" in i03a and "joint_involvement" not in i03a
    sledai = english.split('data-testid="criterion-I04"')[1].split("</tr>")[0]
    assert "Arthritis 4" in sledai and "low_complement" not in sledai
    preference_set(acting_user=coordinator_a, language="zh-hans")
    client.logout()  # the preference is the session's language from the next login
    chinese = client_of(coordinator_a).get(reverse("eligibility_checklist", args=[patient_a.pk])).content.decode()
    assert "关节受累 6" in chinese.split('data-testid="criterion-I03a"')[1].split("</tr>")[0]
