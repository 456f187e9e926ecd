"""Protocol amendments and signatures: loading a version in force re-evaluates every signed candidate not yet
infused; where the result or the data it reads would differ, the signature is superseded by that version and
a new one is needed. The sign-off page shows the signed result and version beside the live ones."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse

from followup.models import Enrollment
from screening.models import EligibilitySignature, SignatureStatus
from screening.signoff.recheck import recheck_all
from tests.screening.signoff_setup import enter_eligible, sign
from trial.protocol_versions import protocol_version_load

pytestmark = [pytest.mark.django_db, pytest.mark.requirement("ELG-02")]


@pytest.fixture
def signed(protocol_version, patient_a, coordinator_a, investigator_a):
    enter_eligible(patient_a, coordinator_a, investigator_a)
    return sign(patient_a, investigator_a)


# The LVEF criterion of trial/protocols/mc-1-50.toml, and amendments of its limit.
LVEF_50 = 'item = "lvef"\nmin = 50'
LVEF_55, LVEF_65 = LVEF_50.replace("50", "55"), LVEF_50.replace("50", "65")


def amend(settings, *replacements: tuple[str, str], effective: str = "2025-03-01") -> str:
    text = (settings.BASE_DIR / "trial" / "protocols" / "mc-1-50.toml").read_text(encoding="utf-8")
    for old, new in (('version = "1"', 'version = "2"'), ("effective_date = 2025-03-01", f"effective_date = {effective}"),
                     *replacements):
        assert old in text
        text = text.replace(old, new)
    return text


def test_an_amendment_that_changes_the_verdict_supersedes_the_signature(signed, settings, patient_a, investigator_a,
                                                                       django_capture_on_commit_callbacks):
    investigator_a.email = "inv@site-a.test"
    investigator_a.save(update_fields=["email"])
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        version = protocol_version_load(
            text=amend(settings, (LVEF_50, LVEF_65))).version
    signed.refresh_from_db()
    patient_a.refresh_from_db()
    assert signed.status == SignatureStatus.SUPERSEDED
    assert signed.superseded_by == version
    assert "overall eligible → not_eligible" in signed.void_changes
    assert "I06a met → not_met" in signed.void_changes
    assert patient_a.status == "screening"  # must be signed again
    assert "superseded by protocol version 2" in mail.outbox[0].body


def test_an_amendment_that_changes_nothing_for_the_candidate_leaves_the_signature(signed, settings):
    protocol_version_load(text=amend(settings, (LVEF_50, LVEF_55)))
    signed.refresh_from_db()
    assert signed.status == SignatureStatus.VALID


def test_a_new_exclusion_criterion_supersedes_even_when_met(signed, settings):
    text = amend(settings, ('exclusion_criteria_status = "not_provided"', 'exclusion_criteria_status = "provided"'),
                 ("[contraception_methods]\n", '[catalogue.questions.active_infection]\ntext = { en = "Active '
                  'infection", "zh-hans" = "活动性感染" }\n\n[exclusion.E01]\nkind = "question"\nitem = '
                  '"active_infection"\nname = { en = "Excluded if an active infection", "zh-hans" = "排除：活动性感染" }'
                  '\n\n[contraception_methods]\n'))
    protocol_version_load(text=text)
    signed.refresh_from_db()
    assert signed.status == SignatureStatus.SUPERSEDED
    assert "E01 added by the amendment: needs_review" in signed.void_changes


def test_an_infused_candidate_is_not_re_evaluated(signed, settings, patient_a, coordinator_a):
    today = dt.date.today()
    Enrollment.objects.create(patient=patient_a, dose_level=1, dose_unit="10^5 CAR+ cells/kg",
                              planned_lymphodepletion_on=today, planned_infusion_on=today, infused_on=today,
                              recorded_by=coordinator_a, eligibility_signed_on=today, consented_on=today)
    protocol_version_load(text=amend(settings, (LVEF_50, LVEF_65)))
    signed.refresh_from_db()
    assert signed.status == SignatureStatus.VALID


def test_a_version_effective_later_is_applied_by_the_daily_recheck_on_its_day(signed, settings):
    later = dt.date.today() + dt.timedelta(days=30)
    protocol_version_load(text=amend(settings, (LVEF_50, LVEF_65),
                                     effective=later.isoformat()))
    signed.refresh_from_db()
    assert signed.status == SignatureStatus.VALID  # not yet in force
    call_command("recheck_signatures")  # today: still not in force
    signed.refresh_from_db()
    assert signed.status == SignatureStatus.VALID
    assert recheck_all(on=later) == [signed]  # the daily task on the day it takes effect
    signed.refresh_from_db()
    assert signed.status == SignatureStatus.SUPERSEDED


def test_the_sign_page_shows_the_signed_result_beside_the_live_one(signed, settings, patient_a, client_of,
                                                                 investigator_a):
    page = client_of(investigator_a).get(reverse("signoff_sign", args=[patient_a.pk])).content.decode()
    assert 'data-live-differs="no"' in page and "alert-success" in page
    protocol_version_load(text=amend(settings, (LVEF_50, LVEF_55)))
    page = client_of(investigator_a).get(reverse("signoff_sign", args=[patient_a.pk])).content.decode()
    # Still valid (the result did not change), but the live evaluation is under version 2: no plain green.
    assert 'data-live-differs="yes"' in page and 'data-testid="live-differs"' in page
    assert "evaluated on" in page and "under protocol version 1" in page


def test_the_superseded_signature_is_listed_with_its_version(signed, settings, patient_a, client_of,
                                                             investigator_a):
    protocol_version_load(text=amend(settings, (LVEF_50, LVEF_65)))
    detail = client_of(investigator_a).get(reverse("patient_detail", args=[patient_a.pk])).content.decode()
    assert 'data-status="superseded"' in detail
    assert EligibilitySignature.objects.filter(status=SignatureStatus.VALID).count() == 0
