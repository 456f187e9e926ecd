"""Protocol set-up without a shell: upload in the admin, errors by key path, the difference against the
version in force, activation with a reason (audited), and the amendment rules on activation."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from screening.eligibility.protocol_diff import protocol_diff
from tests import factories
from trial.audit.ledger import AuditEntry
from trial.models import ProtocolVersion

BASE_DIR = Path(__file__).resolve().parents[2]
DEMO = (BASE_DIR / "trial" / "protocols" / "mc-1-50.toml").read_text(encoding="utf-8")
SECOND_TRIAL = (BASE_DIR / "trial" / "protocols" / "nct07233642-cd19-car-t-sle.toml").read_text(encoding="utf-8")
UPLOAD = "admin:trial_protocolversion_upload"

LVEF_50 = 'item = "lvef"\nmin = 50'
LVEF_55, LVEF_65 = LVEF_50.replace("50", "55"), LVEF_50.replace("50", "65")


def amended(text: str = DEMO) -> str:
    return text.replace('version = "1"', 'version = "2"', 1).replace(LVEF_50, LVEF_55, 1)


# -- the difference, as data -------------------------------------------------------------------------------


def test_comments_and_layout_make_no_difference():
    assert protocol_diff(DEMO, "# a new comment\n" + DEMO.replace(" = ", "  =  ")).empty


def test_a_changed_limit_is_a_rule_change_of_its_criterion():
    diff = protocol_diff(DEMO, amended())
    [criterion] = diff.of("criteria")
    assert (criterion.subject, criterion.state, criterion.wording_only) == ("inclusion I06a", "changed", False)
    assert [(c.path, c.old, c.new) for c in criterion.changes] == [("min", "50", "55")]
    assert [(s.subject, s.changes[0].old, s.changes[0].new) for s in diff.of("settings")] == [
        ("version", '"1"', '"2"')]
    assert diff.rules_changed


def test_new_wording_alone_is_told_apart_from_a_rule_change():
    reworded = DEMO.replace('"LVEF of 50% or more on echocardiography"', '"LVEF at least 50% (echocardiogram)"')
    diff = protocol_diff(DEMO, reworded)
    [criterion] = diff.of("criteria")
    assert criterion.wording_only and criterion.changes[0].path == "name.en"
    assert not diff.rules_changed


def test_a_wording_changed_in_one_language_only_is_pointed_out(admin_client, protocol_version):
    reworded = DEMO.replace('"LVEF of 50% or more on echocardiography"', '"LVEF of 55% or more on echocardiography"')
    [criterion] = protocol_diff(DEMO, reworded).of("criteria")
    assert criterion.one_sided == (("name", ("en",), ("zh-hans",)),)
    page = upload(admin_client, reworded.replace('version = "1"', 'version = "2"', 1)).content.decode()
    assert "inclusion I06a: the wording (name) changed in en but not in zh-hans" in page


def test_added_criteria_removed_data_items_and_changed_settings_are_named():
    changed = (DEMO.replace("[dose_levels]", '[exclusion.E01]\nname = { en = "Active infection" }\nkind = "question"\n'
                                            'item = "no_serious_mental_disorder"\nexpect = false\n\n[dose_levels]', 1)
               .replace('loinc = "2160-0"', 'loinc = "38483-4"', 1))
    diff = protocol_diff(DEMO, changed)
    assert [(s.subject, s.state) for s in diff.of("criteria")] == [("exclusion E01", "added")]
    [lab] = diff.of("data items")
    assert (lab.subject, lab.changes[0].path, lab.changes[0].new) == ("labs creatinine", "loinc", '"38483-4"')


def test_a_first_version_is_all_added():
    diff = protocol_diff(None, SECOND_TRIAL)
    assert diff.of("criteria") and {s.state for s in diff.subjects} == {"added"}


# -- the admin -----------------------------------------------------------------------------------------------


@pytest.fixture
def admin_client(client_of, sponsor_admin):
    return client_of(sponsor_admin)


def upload(client, text: str, name: str = "protocol.toml"):
    return client.post(reverse(UPLOAD), {"file": SimpleUploadedFile(name, text.encode("utf-8"))})


def activate(client, preview_response, reason: str = "amendment 2 approved by the ethics committee", **changed):
    form = preview_response.context["activate"]
    data = {name: form[name].value() for name in ("content", "sha256", "filename")}
    return client.post(reverse(UPLOAD), {**data, "reason": reason, **changed})


def test_an_invalid_file_is_refused_naming_the_key_path_and_nothing_is_stored(admin_client, protocol_version):
    response = upload(admin_client, DEMO.replace("min_years = 18", 'min_years = "eighteen"'), "bad.toml")
    page = response.content.decode()
    assert response.status_code == 400
    assert "inclusion.I02.min_years" in page and "bad.toml" in page
    assert ProtocolVersion.objects.count() == 1


@pytest.mark.parametrize("content, message", [
    (b"\xff\xfe not utf-8", "not UTF-8"),
    (b"format = 2\nid = ", "invalid TOML"),
])
def test_an_unreadable_file_gets_a_clear_message(admin_client, protocol_version, content, message):
    response = admin_client.post(reverse(UPLOAD), {"file": SimpleUploadedFile("x.toml", content)})
    assert response.status_code == 400 and message in response.content.decode()


def test_the_preview_shows_the_difference_and_stores_nothing(admin_client, protocol_version):
    response = upload(admin_client, amended(), "mc-1-50-v2.toml")
    page = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="diff-inclusion-i06a"' in page and "<del>50</del>" in page and "<ins>55</ins>" in page
    assert "already loaded with other content" not in page  # a new version label
    assert ProtocolVersion.objects.count() == 1


def test_activation_needs_a_reason_and_is_stored_with_who_and_why_in_the_audit_trail(
        admin_client, sponsor_admin, protocol_version):
    preview = upload(admin_client, amended(), "mc-1-50-v2.toml")
    refused = activate(admin_client, preview, reason="")
    assert refused.status_code == 400 and ProtocolVersion.objects.count() == 1
    response = activate(admin_client, preview)
    assert response.status_code == 302
    version = ProtocolVersion.objects.get(number=2)
    assert (version.label, version.loaded_by, version.reason) == (
        "2", sponsor_admin, "amendment 2 approved by the ethics committee")
    entry = AuditEntry.objects.get(record_type="trial.ProtocolVersion", object_id=str(version.pk))
    assert entry.user_id == sponsor_admin.pk and "amendment 2 approved by the ethics committee" in entry.reason
    assert "mc-1-50-v2.toml" in entry.reason and "content" not in entry.changes


def test_content_changed_after_the_preview_is_not_activated(admin_client, protocol_version):
    preview = upload(admin_client, amended())
    response = activate(admin_client, preview, content=amended().replace(LVEF_55, 'item = "lvef"\nmin = 40'))
    assert response.status_code == 400 and "changed after the preview" in response.content.decode()
    assert ProtocolVersion.objects.count() == 1


def test_the_same_content_again_offers_nothing_to_activate(admin_client, protocol_version):
    page = upload(admin_client, DEMO).content.decode()
    assert 'data-testid="protocol-unchanged"' in page and "Activate this version" not in page


def test_a_changed_file_under_the_same_version_label_is_warned_about(admin_client, protocol_version):
    page = upload(admin_client, DEMO.replace(LVEF_50, LVEF_55, 1)).content.decode()
    assert "already loaded with other content" in page


def test_activation_in_effect_rechecks_the_signatures_and_supersedes_a_changed_verdict(
        admin_client, protocol_version, patient_a, coordinator_a, investigator_a):
    """The amendment rules: the signed-eligible candidate (LVEF 62) is no longer eligible under LVEF >= 65."""
    from tests.screening.signoff_setup import enter_eligible, sign

    enter_eligible(patient_a, coordinator_a, investigator_a)
    signature = sign(patient_a, investigator_a)
    preview = upload(admin_client, DEMO.replace('version = "1"', 'version = "2"', 1).replace(LVEF_50, LVEF_65, 1))
    assert "the 1 valid eligibility signatures of MC-1-50 are re-checked" in preview.content.decode()
    activate(admin_client, preview)
    signature.refresh_from_db()
    assert signature.status == "superseded" and signature.superseded_by.label == "2"


def test_a_new_trial_is_created_by_its_first_protocol(admin_client):
    preview = upload(admin_client, SECOND_TRIAL, "nct07233642.toml")
    assert "A trial new to the portal" in preview.content.decode()
    activate(admin_client, preview, reason="second trial set up")
    version = ProtocolVersion.objects.get()
    assert version.trial.code != "MC-1-50" and version.source == "admin upload of nct07233642.toml"


def test_only_the_sponsor_admin_uploads(client_of, site_a):
    staff = factories.create_user("staffer", is_staff=True)
    response = client_of(staff).get(reverse(UPLOAD))
    assert response.status_code in (302, 403)
