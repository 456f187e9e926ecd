"""Consent rules as pure functions over dates and bytes; the evaluation day is always passed in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext as _

from screening.eligibility.calculators import age_in_years

# Age of legal capacity to consent in the trial's jurisdiction (PRC Civil Code, art. 17): a legal matter,
# not a protocol threshold, hence a constant.
ADULT_AGE_YEARS = 18
PDF_MAGIC = b"%PDF-"
MAX_ICF_BYTES = 20 * 1024 * 1024


@dataclass(frozen=True)
class VersionDates:
    label: str
    ethics_approved_on: date
    effective_on: date
    superseded_on: date | None


@dataclass(frozen=True)
class SignedConsent:
    signer: str  # "patient" or "guardian"
    signed_on: date
    version: VersionDates


def icf_file_problem(head: bytes, size: int) -> str | None:
    """An ICF upload must be a PDF (by its first bytes, not its name) of at most 20 MB."""
    if size > MAX_ICF_BYTES:
        return _("The file is %(size)s MB; an ICF PDF may be at most %(max)s MB.") % {
            "size": f"{size / 1024 / 1024:.1f}", "max": MAX_ICF_BYTES // 1024 // 1024,
        }
    if not head.startswith(PDF_MAGIC):
        return _("The file is not a PDF (it does not start with %(magic)s).") % {"magic": "%PDF-"}
    return None


def new_version_problems(
    *, ethics_approved_on: date, effective_on: date, current: VersionDates | None, today: date
) -> dict[str, str]:
    """Errors by field for a new ICF version added after ``current`` (the site's latest in that language)."""
    problems: dict[str, str] = {}
    if ethics_approved_on > today:
        problems["ethics_approved_on"] = _("The ethics approval date %(date)s is in the future.") % {
            "date": ethics_approved_on.isoformat(),
        }
    elif ethics_approved_on > effective_on:
        problems["ethics_approved_on"] = _(
            "The ethics approval (%(approved)s) must not be after the effective date (%(effective)s)."
        ) % {"approved": ethics_approved_on.isoformat(), "effective": effective_on.isoformat()}
    if current is not None and effective_on <= current.effective_on:
        problems["effective_on"] = _(
            "Version %(label)s is current from %(date)s: a second current version is not possible; a new version "
            "must take effect after %(date)s."
        ) % {"label": current.label, "date": current.effective_on.isoformat()}
    return problems


def signing_problem(*, signed_on: date, version: VersionDates, today: date) -> str | None:
    """Why a consent on ``version`` cannot have been signed on ``signed_on``, or None."""
    if signed_on > today:
        return _("The signing date %(date)s is in the future.") % {"date": signed_on.isoformat()}
    if version.ethics_approved_on > signed_on:
        return _(
            "ICF %(label)s was approved by the ethics committee on %(approved)s, after the signing date %(signed)s."
        ) % {
            "label": version.label, "approved": version.ethics_approved_on.isoformat(),
            "signed": signed_on.isoformat(),
        }
    if signed_on < version.effective_on:
        return _("ICF %(label)s takes effect on %(date)s, after the signing date.") % {
            "label": version.label, "date": version.effective_on.isoformat(),
        }
    if version.superseded_on is not None and signed_on >= version.superseded_on:
        return _("ICF %(label)s was superseded on %(date)s; use the version current on the signing date.") % {
            "label": version.label, "date": version.superseded_on.isoformat(),
        }
    return None


def dated_before_consent_problem(on_date: date, consent_signed_on: date) -> str | None:
    """Screening procedures must follow consent: the message names the consent date."""
    if on_date < consent_signed_on:
        return _("%(date)s is before consent signed on %(consent)s.") % {
            "date": on_date.isoformat(), "consent": consent_signed_on.isoformat(),
        }
    return None


def reconsent_reasons(*, latest: SignedConsent, date_of_birth: date, today: date) -> list[str]:
    """Why the candidate must consent again (empty: the latest consent still holds)."""
    reasons = []
    superseded = latest.version.superseded_on
    if superseded is not None and superseded <= today:
        reasons.append(_("ICF %(label)s was superseded on %(date)s") % {
            "label": latest.version.label, "date": superseded.isoformat(),
        })
    if (
        latest.signer == "guardian"
        and age_in_years(date_of_birth, latest.signed_on) < ADULT_AGE_YEARS <= age_in_years(date_of_birth, today)
    ):
        reasons.append(_("a guardian signed; the candidate has turned %(age)s and must consent personally") % {
            "age": ADULT_AGE_YEARS,
        })
    return reasons
