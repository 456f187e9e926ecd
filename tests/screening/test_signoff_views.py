"""Sign-off pages: who reaches signing, the form's refusals, the session id at signing, the candidate page
showing the manifestation and a void signature, and query counts."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from screening.models import EligibilitySignature
from tests import factories
from tests.screening.signoff_setup import correct_lab, enter_eligible, sign
from trial.models import AuthEvent

pytestmark = [pytest.mark.django_db, pytest.mark.requirement("AUT-01", "SIG-03")]


@pytest.fixture
def candidate(protocol_version, patient_a, coordinator_a, investigator_a):
    patient_a.records = enter_eligible(patient_a, coordinator_a, investigator_a)
    return patient_a


def code_for(user) -> str:
    device = user.totpdevice_set.get(confirmed=True)
    device.last_t = -1
    device.save(update_fields=["last_t"])
    return factories.current_totp_code(device)


def test_coordinators_and_monitors_cannot_reach_signing(candidate, client_of, coordinator_a, monitor_a):
    url = reverse("signoff_sign", args=[candidate.pk])
    for user in (coordinator_a, monitor_a):
        client = client_of(user)
        assert client.get(url).status_code == 403
        assert client.post(url, {"printed_name": "x", "password": factories.PASSWORD}).status_code == 403
    assert not EligibilitySignature.objects.exists()


def test_an_investigator_of_another_site_gets_404(candidate, client_of, site_b):
    other = factories.create_staff("inv_b", "investigator", site_b)
    assert client_of(other).get(reverse("signoff_sign", args=[candidate.pk])).status_code == 404


def test_the_sign_page_shows_the_meaning_and_signing_cycles_the_session(candidate, client_of, investigator_a):
    client = client_of(investigator_a)
    url = reverse("signoff_sign", args=[candidate.pk])
    page = client.get(url)
    assert page.status_code == 200
    body = page.content.decode()
    assert "I confirm that this subject meets all eligibility criteria" in body
    before = client.session.session_key
    response = client.post(url, {
        "printed_name": "Inv_A Tester", "password": factories.PASSWORD, "otp_token": code_for(investigator_a),
        "shown_sha256": page.context["assessment"].sha256,
    })
    assert response.status_code == 302, response.content.decode()[:3000]
    assert client.session.session_key != before
    signature = EligibilitySignature.objects.get(patient=candidate)
    detail = client.get(reverse("patient_detail", args=[candidate.pk])).content.decode()
    assert "Inv_A Tester" in detail
    assert "I confirm that this subject meets all eligibility criteria" in detail
    assert 'data-status="valid"' in detail
    # Shown in the site's time zone (Asia/Shanghai by default), the UTC instant stored.
    local = signature.signed_at.astimezone(ZoneInfo(candidate.site.time_zone))
    assert f"{local:%Y-%m-%d %H:%M}" in detail


def shown(client, candidate) -> str:
    """The hash the sign page puts in its form, as a browser would send it back."""
    return client.get(reverse("signoff_sign", args=[candidate.pk])).context["assessment"].sha256


def test_a_post_without_the_shown_hash_is_refused_and_nothing_signed(candidate, client_of, investigator_a):
    response = client_of(investigator_a).post(reverse("signoff_sign", args=[candidate.pk]), {
        "printed_name": "Inv_A Tester", "password": factories.PASSWORD, "otp_token": code_for(investigator_a),
    })
    assert response.status_code == 400
    assert "The page did not say which result it showed" in response.content.decode()
    assert not EligibilitySignature.objects.exists()


def test_the_service_refuses_a_signature_without_the_shown_hash(candidate, investigator_a):
    with pytest.raises(ValidationError, match="did not say which result it showed"):
        sign(candidate, investigator_a, shown_sha256="")
    assert not EligibilitySignature.objects.exists()


def test_a_wrong_password_on_the_form_is_refused_and_audited(candidate, client_of, investigator_a):
    client = client_of(investigator_a)
    response = client.post(reverse("signoff_sign", args=[candidate.pk]), {
        "printed_name": "Inv_A Tester", "password": "wrong password 999", "otp_token": code_for(investigator_a),
        "shown_sha256": shown(client, candidate),
    })
    assert response.status_code == 400
    assert "The password is not correct" in response.content.decode()
    assert AuthEvent.objects.filter(kind=AuthEvent.Kind.LOGIN_FAILED, username="inv_a").exists()
    assert not EligibilitySignature.objects.exists()


def test_five_wrong_passwords_at_signing_lock_the_account(candidate, client_of, investigator_a):
    client = client_of(investigator_a)
    url = reverse("signoff_sign", args=[candidate.pk])
    sha256 = shown(client, candidate)
    for _ in range(5):
        client.post(url, {"printed_name": "Inv_A Tester", "password": "wrong password 999", "otp_token": "1",
                          "shown_sha256": sha256})
    response = client.post(url, {"printed_name": "Inv_A Tester", "password": factories.PASSWORD,
                                 "otp_token": code_for(investigator_a), "shown_sha256": sha256})
    assert response.status_code == 429
    assert not EligibilitySignature.objects.exists()


def test_a_printed_name_other_than_the_account_name_is_refused(candidate, client_of, investigator_a):
    client = client_of(investigator_a)
    response = client.post(reverse("signoff_sign", args=[candidate.pk]), {
        "printed_name": "Someone Else", "password": factories.PASSWORD, "otp_token": code_for(investigator_a),
        "shown_sha256": shown(client, candidate),
    })
    assert response.status_code == 400
    assert "Type your name as on your account: Inv_A Tester" in response.content.decode()


def test_an_incomplete_candidate_shows_what_is_missing_and_no_sign_form(protocol_version, patient_a, client_of,
                                                                         investigator_a, coordinator_a):
    page = client_of(investigator_a).get(reverse("signoff_sign", args=[patient_a.pk]))
    body = page.content.decode()
    assert "Cannot be signed yet" in body and "still missing" in body
    assert 'data-testid="sign-form"' not in body


def test_a_decision_form_error_is_shown_not_a_500(protocol_version, patient_a, coordinator_a, investigator_a,
                                                  client_of):
    enter_eligible(patient_a, coordinator_a, investigator_a, skip_attestation="apheresis_suitable")
    client = client_of(investigator_a)
    response = client.post(reverse("signoff_decision", args=[patient_a.pk]),
                           {"criterion_code": "I08", "verdict": "met", "comment": ""})
    assert response.status_code == 400
    page = client.get(reverse("signoff_sign", args=[patient_a.pk]))
    code = next(r.code for r in page.context["rows"] if r.form is not None)
    ok = client.post(reverse("signoff_decision", args=[patient_a.pk]),
                     {"criterion_code": code, "verdict": "met", "comment": "venous access fine"})
    assert ok.status_code == 302
    page = client.get(reverse("signoff_sign", args=[patient_a.pk]))
    assert page.context["assessment"].decided.overall == "eligible"
    assert f'data-testid="decision-{code}"' in page.content.decode()


def test_a_void_signature_shows_on_the_candidate_page_and_the_dashboard(candidate, client_of, coordinator_a,
                                                                          investigator_a):
    sign(candidate, investigator_a)
    correct_lab(candidate.records["creatinine"], coordinator_a, "400")
    detail = client_of(coordinator_a).get(reverse("patient_detail", args=[candidate.pk])).content.decode()
    assert 'data-status="void"' in detail
    assert "signature void: data changed after signing" in detail
    assert f"creatinine of {candidate.records['creatinine'].collected_on}: 70 → 400 umol/L" in detail
    assert "labs[0]" not in detail
    dashboard = client_of(investigator_a).get(reverse("dashboard_investigator")).content.decode()
    assert f'data-testid="void-alert-{candidate.pk}"' in dashboard
    # The times as the site lives them, the zone named (not UTC).
    signature = EligibilitySignature.objects.get(patient=candidate)
    zone = ZoneInfo(candidate.site.time_zone)
    alert = dashboard.split(f'data-testid="void-alert-{candidate.pk}"')[1].split("</div>")[0]
    assert f"{signature.signed_at.astimezone(zone):%Y-%m-%d %H:%M} CST" in alert and "UTC" not in alert
    assert f"{signature.voided_at.astimezone(zone):%Y-%m-%d %H:%M} CST" in detail


def test_the_sign_page_query_count_is_pinned(candidate, client_of, investigator_a, django_assert_max_num_queries):
    client = client_of(investigator_a)
    url = reverse("signoff_sign", args=[candidate.pk])
    client.get(url)
    with django_assert_max_num_queries(60):
        assert client.get(url).status_code == 200
