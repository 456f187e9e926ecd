"""What is left to verify, as a monitor sees it: counts per site on the dashboard, the candidates behind them,
a whole panel verified at once, and a record that changed after the page was shown never verified unseen."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from patients.clock import site_today
from tests import factories
from tests.screening.records_setup import consent, reference_ranges
from tests.screening.signoff_setup import correct_lab, lab
from trial.audit.monitoring import Verification

pytestmark = pytest.mark.requirement("AUD-03")


@pytest.fixture
def labs(consented, coordinator_a):
    """Two lab results of candidate A, entered by the site's coordinator."""
    drawn = site_today(consented.site) - dt.timedelta(days=3)
    return [lab(consented, coordinator_a, "alt", "30", "U/L", drawn),
            lab(consented, coordinator_a, "ast", "25", "U/L", drawn)]


def _site_counts(client, site) -> tuple[str, str, str]:
    html = client.get(reverse("dashboard_monitor")).content.decode()
    row = html.split(f'data-testid="to-verify-site-{site.pk}"')[1].split("</tr>")[0]

    def cell(testid: str) -> str:
        return row.split(f'data-testid="{testid}-{site.pk}"')[1].split(">", 1)[1].split("<", 1)[0]

    return cell("to-verify-count"), cell("changed-count"), cell("unresolved-count")


def _verify(client, patient, record, version=None):
    return client.post(reverse("record_verify", args=[patient.pk]), {
        "record_type": "screening.LabResult", "object_id": str(record.pk),
        "version": str(version if version is not None else record.version)})


def test_the_dashboard_counts_what_is_left_to_verify_at_each_site(client_of, monitor_a, coordinator_a, consented,
                                                                   labs, site_a, site_b, patient_b, coordinator_b):
    consent(patient_b, coordinator_b, site_today(site_b) - dt.timedelta(days=2))
    reference_ranges(site_b)
    lab(patient_b, coordinator_b, "alt", "40", "U/L", site_today(site_b))  # another site: not monitor A's
    monitor = client_of(monitor_a)
    assert _site_counts(monitor, site_a) == ("2", "0", "0")
    assert f'data-testid="to-verify-site-{site_b.pk}"' not in monitor.get(reverse("dashboard_monitor")).content.decode()

    _verify(monitor, consented, labs[0])
    assert _site_counts(monitor, site_a) == ("1", "0", "0")
    correct_lab(labs[0], coordinator_a, "31")
    assert _site_counts(monitor, site_a) == ("2", "1", "0")  # one new, one changed since verified

    monitor.post(reverse("query_raise", args=[consented.pk]), {
        "record_type": "screening.LabResult", "object_id": str(labs[1].pk), "field": "value", "text": "Source?"})
    assert _site_counts(monitor, site_a)[2] == "1"


def test_the_count_links_to_the_candidates_with_records_left(client_of, monitor_a, consented, labs, site_a):
    monitor = client_of(monitor_a)
    listing = monitor.get(reverse("records_to_verify"), {"site": site_a.pk}).content.decode()
    row = listing.split(f'data-testid="to-verify-row-{consented.pk}"')[1].split("</tr>")[0]
    assert consented.screening_number in row and reverse("patient_detail", args=[consented.pk]) in row
    assert '<td class="text-end">2</td>' in row

    monitor.post(reverse("panel_verify", args=[consented.pk]), {
        "record_type": "screening.LabResult", "record": [f"{record.pk}:{record.version}" for record in labs]})
    listing = monitor.get(reverse("records_to_verify")).content.decode()
    assert 'data-testid="nothing-to-verify"' in listing


def test_a_site_not_the_monitors_is_named_not_obeyed(client_of, monitor_a, consented, labs, site_b):
    response = client_of(monitor_a).get(reverse("records_to_verify"), {"site": str(site_b.pk)})
    html = response.content.decode()
    assert response.status_code == 200 and "not one of your sites" in html
    assert f'data-testid="to-verify-row-{consented.pk}"' in html  # their own sites, all of them


def test_a_monitor_verifies_a_whole_panel_from_the_candidate_page(client_of, monitor_a, consented, labs):
    page_url = reverse("patient_detail", args=[consented.pk])
    monitor = client_of(monitor_a)
    html = monitor.get(page_url).content.decode()
    assert 'data-testid="verify-panel-labs"' in html and "Verify all 2 shown" in html

    response = monitor.post(reverse("panel_verify", args=[consented.pk]), {
        "record_type": "screening.LabResult", "record": [f"{record.pk}:{record.version}" for record in labs],
        "next": f"{page_url}#panel-labs"})
    assert response.status_code == 302 and response.url == f"{page_url}#panel-labs"
    assert Verification.objects.filter(patient=consented, verified_by=monitor_a).count() == 2
    html = monitor.get(page_url).content.decode()
    assert 'data-testid="verify-panel-labs"' not in html
    assert all(f'data-testid="verify-labs-{record.pk}"' not in html for record in labs)


def test_a_panel_with_a_record_changed_since_shown_is_not_verified_at_all(client_of, monitor_a, coordinator_a,
                                                                          consented, labs):
    shown = [f"{record.pk}:{record.version}" for record in labs]
    correct_lab(labs[1], coordinator_a, "26")  # while the monitor looks at the page
    monitor = client_of(monitor_a)
    response = monitor.post(reverse("panel_verify", args=[consented.pk]), {
        "record_type": "screening.LabResult", "record": shown}, follow=True)
    assert "changed after the page was shown" in response.content.decode()
    assert not Verification.objects.filter(patient=consented).exists()


def test_a_record_changed_since_shown_is_not_verified(client_of, monitor_a, coordinator_a, consented, labs):
    seen = labs[0].version
    correct_lab(labs[0], coordinator_a, "33")
    response = _verify(client_of(monitor_a), consented, labs[0], version=seen)
    assert response.status_code == 302
    assert not Verification.objects.filter(patient=consented).exists()


def test_a_record_another_monitor_verified_is_verified_for_every_monitor(client_of, monitor_a, consented, labs,
                                                                           site_a):
    colleague = factories.create_staff("monitor_a2", "monitor", site_a)
    _verify(client_of(colleague), consented, labs[0])
    html = client_of(monitor_a).get(reverse("patient_detail", args=[consented.pk])).content.decode()
    row = html.split(f'data-testid="record-labs-{labs[0].pk}"')[1].split("</tr>")[0]
    assert ">verified<" in row and f'data-testid="verify-labs-{labs[0].pk}"' not in row
    assert _site_counts(client_of(monitor_a), site_a)[0] == "1"


def test_garbled_panel_input_gets_a_message(client_of, monitor_a, consented, labs):
    response = client_of(monitor_a).post(reverse("panel_verify", args=[consented.pk]), {
        "record_type": "screening.LabResult", "record": ["x:y"]}, follow=True)
    assert response.status_code == 200 and "Name the records to verify" in response.content.decode()
    assert not Verification.objects.exists()
