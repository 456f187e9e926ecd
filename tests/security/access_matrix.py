"""Who gets what from every URL of the portal: the data ``test_access_matrix`` checks.

ADDING A URL? Add one ``MATRIX`` entry under its name: the expected outcome of GET and of POST for the five
viewers, in the order of ``VIEWERS``: anonymous, coordinator of site A, investigator of site A, monitor of
site A, coordinator of site B. Objects are site A's (see ``World`` in ``conftest.py``); name the object a
``pk`` stands for with ``pk="patient"`` etc. The usual shapes have names below (``ENTRY``, ``READ`` ...).

Outcomes:
- ``OK`` 200; ``REDIRECT`` a 302 elsewhere than the login page; ``LOGIN`` a 302 to the login page;
- ``FORBIDDEN`` 403 (wrong role); ``NOT_FOUND`` 404 (another site's object: indistinguishable from none);
- ``NOT_ALLOWED`` 405 (the view refuses the method);
- ``PROCESSED`` (POST only): the view took the submission: 200/400 (the form with its errors) or a 302 on
  success. The POST body is empty; ``test_fuzzing`` posts real input to these.

The rules every entry keeps (the test also checks them): monitors never POST to data entry (403), staff of
another site get 404 for a site-A object, anonymous users are sent to log in.
"""

from __future__ import annotations

from dataclasses import dataclass

OK = "200"
REDIRECT = "302 elsewhere"
LOGIN = "302 to login"
FORBIDDEN = "403"
NOT_FOUND = "404"
NOT_ALLOWED = "405"
PROCESSED = "processed"

VIEWERS = ("anonymous", "coordinator_a", "investigator_a", "monitor_a", "coordinator_b")

Row = tuple[str, str, str, str, str]


def row(anonymous: str, coordinator_a: str, investigator_a: str, monitor_a: str, coordinator_b: str) -> Row:
    return (anonymous, coordinator_a, investigator_a, monitor_a, coordinator_b)


def everyone(outcome: str) -> Row:
    return (outcome,) * 5


# The usual shapes.
REFUSED = everyone(NOT_ALLOWED)
# A page about one site-A candidate (or their record) that all site-A staff may read.
READ = row(LOGIN, OK, OK, OK, NOT_FOUND)
# Coordinator data entry on a site-A object: other roles 403, other site 404.
ENTRY_GET = row(LOGIN, OK, FORBIDDEN, FORBIDDEN, NOT_FOUND)
ENTRY_POST = row(LOGIN, PROCESSED, FORBIDDEN, FORBIDDEN, NOT_FOUND)
# Coordinator pages not about one object (each coordinator works on their own sites).
COORDINATOR_GET = row(LOGIN, OK, FORBIDDEN, FORBIDDEN, OK)
COORDINATOR_POST = row(LOGIN, PROCESSED, FORBIDDEN, FORBIDDEN, PROCESSED)
# Pages for anyone holding a role at any site.
STAFF_GET = row(LOGIN, OK, OK, OK, OK)
# Monitor review (audit log): monitors only.
MONITOR_GET = row(LOGIN, FORBIDDEN, FORBIDDEN, OK, FORBIDDEN)
# Monitor actions on a site-A candidate.
MONITOR_POST = row(LOGIN, FORBIDDEN, FORBIDDEN, PROCESSED, NOT_FOUND)


@dataclass(frozen=True)
class Access:
    get: Row
    post: Row
    # The ``World`` attribute whose primary key fills ``<int:pk>``.
    pk: str | None = None
    slug: str = "labs"


MATRIX: dict[str, Access] = {
    # -- trial: login, dashboards, two-factor, health --------------------------------------------------------
    "home": Access(get=row(LOGIN, REDIRECT, REDIRECT, REDIRECT, REDIRECT), post=REFUSED),
    "login": Access(get=everyone(OK), post=everyone(PROCESSED)),
    "logout": Access(get=REFUSED, post=everyone(LOGIN)),
    "dashboard_coordinator": Access(get=COORDINATOR_GET, post=REFUSED),
    "dashboard_investigator": Access(get=row(LOGIN, FORBIDDEN, OK, FORBIDDEN, FORBIDDEN), post=REFUSED),
    "dashboard_monitor": Access(get=MONITOR_GET, post=REFUSED),
    "two_factor_setup": Access(get=STAFF_GET, post=row(LOGIN, PROCESSED, PROCESSED, PROCESSED, PROCESSED)),
    # Coordinators without an authenticator are sent to set one up.
    "two_factor_verify": Access(get=row(LOGIN, REDIRECT, OK, OK, REDIRECT),
                                post=row(LOGIN, REDIRECT, PROCESSED, PROCESSED, REDIRECT)),
    "healthz": Access(get=everyone(OK), post=REFUSED),
    "favicon": Access(get=everyone(REDIRECT), post=REFUSED),  # to the static icon, signed in or not
    # The language switcher: a cookie for everyone, remembered on the account when signed in.
    "language_switch": Access(get=REFUSED, post=row(REDIRECT, PROCESSED, PROCESSED, PROCESSED, PROCESSED)),
    # -- monitor review: audit log, history, verification, data queries -------------------------------------
    "audit_log": Access(get=MONITOR_GET, post=REFUSED),
    "audit_export": Access(get=MONITOR_GET, post=REFUSED),
    "audit_entry": Access(get=MONITOR_GET, post=REFUSED, pk="audit_entry"),
    "patient_history": Access(get=READ, post=REFUSED, pk="patient"),
    "record_verify": Access(get=REFUSED, post=MONITOR_POST, pk="patient"),
    "panel_verify": Access(get=REFUSED, post=MONITOR_POST, pk="patient"),
    "query_raise": Access(get=REFUSED, post=MONITOR_POST, pk="patient"),
    "query_answer": Access(get=REFUSED, post=row(LOGIN, PROCESSED, PROCESSED, FORBIDDEN, NOT_FOUND),
                           pk="data_query"),
    "query_close": Access(get=REFUSED, post=MONITOR_POST, pk="data_query"),
    "query_reopen": Access(get=REFUSED, post=MONITOR_POST, pk="data_query"),
    # -- validation reports: monitors and sponsor admins ----------------------------------------------------
    "validation_reports": Access(get=MONITOR_GET, post=REFUSED),
    "validation_report_file": Access(get=MONITOR_GET, post=REFUSED, pk="validation_report"),
    # -- candidates ------------------------------------------------------------------------------------------
    "patient_register": Access(get=COORDINATOR_GET, post=COORDINATOR_POST),
    "patient_detail": Access(get=READ, post=REFUSED, pk="patient"),
    "patient_edit": Access(get=ENTRY_GET, post=ENTRY_POST, pk="patient"),
    # -- consent ---------------------------------------------------------------------------------------------
    "consent_record": Access(get=ENTRY_GET, post=ENTRY_POST, pk="patient"),
    "consent_edit": Access(get=ENTRY_GET, post=ENTRY_POST, pk="consent"),
    "withdrawal_record": Access(get=ENTRY_GET, post=ENTRY_POST, pk="patient"),
    "icf_versions": Access(get=STAFF_GET, post=REFUSED),
    "icf_version_add": Access(get=COORDINATOR_GET, post=COORDINATOR_POST),
    "icf_version_pdf": Access(get=READ, post=REFUSED, pk="icf_version"),
    "reconsent": Access(get=STAFF_GET, post=REFUSED),
    # -- screening records, attestations, reference ranges, checklist ----------------------------------------
    "screening_record_new": Access(get=ENTRY_GET, post=ENTRY_POST, pk="patient"),
    "lab_draw_new": Access(get=ENTRY_GET, post=ENTRY_POST, pk="patient"),
    "screening_record_panel": Access(get=READ, post=REFUSED, pk="patient"),
    "screening_record_preview": Access(get=REFUSED, post=row(LOGIN, PROCESSED, PROCESSED, PROCESSED, NOT_FOUND),
                                       pk="patient"),
    "screening_record_edit": Access(get=ENTRY_GET, post=ENTRY_POST, pk="lab"),
    "screening_record_mark_in_error": Access(get=ENTRY_GET, post=ENTRY_POST, pk="lab"),
    "attestation_new": Access(get=row(LOGIN, FORBIDDEN, OK, FORBIDDEN, NOT_FOUND),
                              post=row(LOGIN, FORBIDDEN, PROCESSED, FORBIDDEN, NOT_FOUND), pk="patient"),
    "attestations_new": Access(get=REFUSED, post=row(LOGIN, FORBIDDEN, PROCESSED, FORBIDDEN, NOT_FOUND),
                               pk="patient"),
    "eligibility_checklist": Access(get=READ, post=REFUSED, pk="patient"),
    "records_to_verify": Access(get=MONITOR_GET, post=REFUSED),
    "reference_ranges": Access(get=COORDINATOR_GET, post=COORDINATOR_POST),
    "reference_range_edit": Access(get=ENTRY_GET, post=ENTRY_POST, pk="reference_range"),
    # -- eligibility sign-off and the screening log ---------------------------------------------------------
    # Investigators of the candidate's site only; coordinator_b holds no investigator role anywhere: 403.
    "signoff_sign": Access(get=row(LOGIN, FORBIDDEN, OK, FORBIDDEN, FORBIDDEN),
                           post=row(LOGIN, FORBIDDEN, PROCESSED, FORBIDDEN, FORBIDDEN), pk="patient"),
    "signoff_decision": Access(get=REFUSED, post=row(LOGIN, FORBIDDEN, PROCESSED, FORBIDDEN, FORBIDDEN),
                               pk="patient"),
    "signoff_checklist_pdf": Access(get=READ, post=REFUSED, pk="patient"),
    "screening_log": Access(get=STAFF_GET, post=REFUSED),
    "screening_log_export": Access(get=STAFF_GET, post=REFUSED),
    # -- follow-up -------------------------------------------------------------------------------------------
    "followup_patient": Access(get=READ, post=REFUSED),
    "followup_enrollment": Access(get=ENTRY_GET, post=ENTRY_POST),
    "followup_discontinue": Access(get=REFUSED, post=row(LOGIN, PROCESSED, PROCESSED, FORBIDDEN, NOT_FOUND)),
    "followup_reminder_complete": Access(get=ENTRY_GET, post=ENTRY_POST, pk="reminder"),
    # Investigators of the alert's site; a coordinator of another site holds no investigator role: 403.
    "followup_alert_acknowledge": Access(get=REFUSED, post=row(LOGIN, FORBIDDEN, PROCESSED, FORBIDDEN, FORBIDDEN),
                                         pk="alert"),
    "followup_calendar": Access(get=row(LOGIN, OK, OK, FORBIDDEN, OK), post=REFUSED),
    "followup_calendar_issue": Access(get=REFUSED, post=row(LOGIN, PROCESSED, PROCESSED, FORBIDDEN, PROCESSED)),
    "followup_calendar_revoke": Access(get=REFUSED, post=row(LOGIN, PROCESSED, PROCESSED, FORBIDDEN, PROCESSED)),
    # The secret token in the address is the credential (calendar apps cannot log in).
    "followup_calendar_feed": Access(get=everyone(OK), post=REFUSED),
}

# Entries whose POST changes trial data (fuzzed by test_fuzzing, refused to monitors). Derived, not listed:
# every entry a coordinator or investigator of site A may POST to, except the login machinery.
NOT_DATA_ENTRY = {"login", "logout", "two_factor_setup", "two_factor_verify", "screening_record_preview",
                  "followup_calendar_issue", "followup_calendar_revoke", "language_switch"}


def data_entry_urls() -> list[str]:
    return [
        name for name, access in MATRIX.items()
        if name not in NOT_DATA_ENTRY
        and PROCESSED in (access.post[VIEWERS.index("coordinator_a")], access.post[VIEWERS.index("investigator_a")])
    ]
