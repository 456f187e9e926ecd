"""Reads about consent that other features rely on.

For the next features:
- ``current_consent(patient) -> Consent | None``: the latest consent, or None if none or withdrawn.
- ``first_consent(patient)``: the earliest consent; screening records must not be dated before it.
- ``needs_reconsent(patient) -> bool``: the latest consent no longer holds (its ICF was superseded, or a
  guardian signed and the candidate has since turned 18). Eligibility sign-off must refuse while True.
- ``reconsent_worklist(sites)`` / ``reconsent_counts(sites)``: the candidates to consent again.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.urls import reverse
from django.utils.translation import gettext as _

from patients.clock import site_today
from patients.models import Patient, PatientStatus
from patients.timeline import TimelineEntry
from screening.consent import rules
from screening.models import Consent, ICFVersion, Withdrawal
from trial.models import Site

# Candidates a new ICF version concerns: everyone not withdrawn and not screen-failed.
ACTIVE_STATUSES = [PatientStatus.SCREENING, PatientStatus.ELIGIBLE, PatientStatus.ENROLLED]


def version_dates(version: ICFVersion) -> rules.VersionDates:
    return rules.VersionDates(version.label, version.ethics_approved_on, version.effective_on, version.superseded_on)


def signed_consent(consent: Consent) -> rules.SignedConsent:
    return rules.SignedConsent(consent.signer, consent.signed_on, version_dates(consent.icf_version))


def latest_icf_version(site: Site, language: str) -> ICFVersion | None:
    """The site's current (latest, not superseded) version in a language, possibly not yet in effect."""
    return ICFVersion.objects.filter(site=site, language=language, superseded_on__isnull=True).first()


def icf_versions_in_effect(site: Site, on: date) -> QuerySet[ICFVersion]:
    """The versions (one per language) a consent signed at ``site`` on ``on`` may use."""
    return ICFVersion.objects.filter(site=site, effective_on__lte=on).exclude(superseded_on__lte=on)


def withdrawal_of(patient: Patient) -> Withdrawal | None:
    return Withdrawal.objects.filter(patient=patient).first()


def current_consent(patient: Patient) -> Consent | None:
    """The candidate's latest consent (by signing time), or None if there is none or consent was withdrawn."""
    if patient.status == PatientStatus.WITHDRAWN or Withdrawal.objects.filter(patient=patient).exists():
        return None
    return patient.consents.select_related("icf_version").order_by("-signed_at", "-pk").first()


def first_consent(patient: Patient) -> Consent | None:
    """The candidate's earliest consent: screening records must not be dated before its signing date."""
    return patient.consents.select_related("icf_version").order_by("signed_at", "pk").first()


def reconsent_reasons(patient: Patient, today: date | None = None) -> list[str]:
    consent = current_consent(patient)
    if consent is None or patient.status not in ACTIVE_STATUSES:
        return []
    return rules.reconsent_reasons(
        latest=signed_consent(consent), date_of_birth=patient.date_of_birth, today=today or site_today(patient.site)
    )


def needs_reconsent(patient: Patient, today: date | None = None) -> bool:
    """True when the candidate must sign again before anything is signed off. A candidate who never
    consented is not "re"-consent: False (criterion I01 reports the missing consent)."""
    return bool(reconsent_reasons(patient, today))


@dataclass(frozen=True)
class ReconsentItem:
    patient: Patient
    consent: Consent
    reasons: list[str]


def reconsent_worklist(sites: Iterable[Site] | QuerySet[Site]) -> list[ReconsentItem]:
    """Active candidates of ``sites`` whose latest consent no longer holds, by screening number. Two queries.

    The database narrows the candidates to those with a consent that could need renewing (its ICF has a
    superseded date, or a guardian signed); ``rules.reconsent_reasons`` decides on their latest consent.
    Loading every active candidate instead took 120 ms of the coordinator dashboard at 500 candidates a site."""
    renewable = Consent.objects.filter(patient=OuterRef("pk")).filter(
        Q(icf_version__superseded_on__isnull=False) | Q(signer="guardian")
    )
    latest = Consent.objects.filter(patient=OuterRef("pk")).order_by("-signed_at", "-pk").values("pk")[:1]
    patients = list(
        Patient.objects.filter(site__in=sites, status__in=ACTIVE_STATUSES, withdrawal__isnull=True)
        .filter(Exists(renewable))
        .annotate(latest_consent_id=Subquery(latest))
        .select_related("site__trial", "site__hospital")
        .order_by("site__number", "sequence")
    )
    consents = Consent.objects.select_related("icf_version").in_bulk([p.latest_consent_id for p in patients])
    items = []
    today_at: dict[int, date] = {}
    for patient in patients:
        consent = consents[patient.latest_consent_id]
        today = today_at.setdefault(patient.site_id, site_today(patient.site))
        reasons = rules.reconsent_reasons(
            latest=signed_consent(consent), date_of_birth=patient.date_of_birth, today=today
        )
        if reasons:
            items.append(ReconsentItem(patient, consent, reasons))
    return items


def reconsent_counts(sites: Iterable[Site] | QuerySet[Site]) -> dict[Site, int]:
    """Candidates to re-consent per site (every site listed, zero included)."""
    counts = {site: 0 for site in sites}
    by_id = {site.pk: site for site in counts}
    for item in reconsent_worklist(counts.keys()):
        counts[by_id[item.patient.site_id]] += 1
    return counts


def timeline_entries(patient: Patient) -> Iterable[TimelineEntry]:
    """Consents and the withdrawal, for the candidate's timeline."""
    for consent in patient.consents.select_related("icf_version", "obtained_by"):
        # No names here: the timeline is shown to monitors as well.
        if consent.signer == "patient":
            signer = _("the candidate")
        else:
            signer = _("a guardian (%(relationship)s)") % {"relationship": consent.guardian_relationship}
        yield TimelineEntry(
            consent.signed_on,
            "consent",
            _("Consent on ICF %(label)s (%(language)s) signed by %(signer)s") % {
                "label": consent.icf_version.label, "language": consent.icf_version.language, "signer": signer,
            },
            reverse("consent_edit", args=[consent.pk]),
        )
    withdrawal = Withdrawal.objects.filter(patient=patient).first()
    if withdrawal is not None:
        yield TimelineEntry(
            withdrawal.withdrawn_on, "withdrawal", _("Withdrawn: %(reason)s") % {"reason": withdrawal.reason}, None,
        )
