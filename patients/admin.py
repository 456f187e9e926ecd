"""Candidates are registered and corrected in the portal (screening numbers, reasons); the admin shows them."""

from __future__ import annotations

from django.contrib import admin

from patients.models import Patient
from trial.admin import ReadOnlyAdmin


@admin.register(Patient)
class PatientAdmin(ReadOnlyAdmin):
    list_display = ["screening_number", "initials", "site", "status", "registered_at"]
    list_filter = ["site", "status"]
    exclude = ["full_name", "hospital_record_number"]  # direct identifiers stay in the site's portal pages
