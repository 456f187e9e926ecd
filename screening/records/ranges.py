"""Reads of the hospitals' default reference ranges (a hospital's ranges serve its site in every trial)."""

from __future__ import annotations

from django.db.models import QuerySet

from patients.models import Patient
from screening.models import ReferenceRange
from trial.models import Site


def reference_ranges_of(sites) -> QuerySet[ReferenceRange]:
    """The ranges of the hospitals of ``sites``."""
    return (ReferenceRange.objects.filter(hospital__sites__in=sites).distinct().select_related("hospital")
            .order_by("hospital__name", "test", "sex"))


def reference_ranges_for(patient: Patient) -> dict[str, ReferenceRange]:
    """The hospital's default range of every test for the candidate's sex, by test code."""
    return {r.test: r for r in ReferenceRange.objects.filter(hospital_id=patient.site.hospital_id, sex=patient.sex)}


def reference_range_of(site: Site, test: str, sex: str) -> ReferenceRange | None:
    return ReferenceRange.objects.filter(hospital_id=site.hospital_id, test=test, sex=sex).first()
