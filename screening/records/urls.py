from django.urls import path

from screening import checklist
from screening.records import verification_views, views

urlpatterns = [
    path("patients/<int:pk>/records/labs/draw/", views.lab_draw_new, name="lab_draw_new"),
    path("patients/<int:pk>/records/<slug:slug>/new/", views.screening_record_new, name="screening_record_new"),
    path("patients/<int:pk>/records/<slug:slug>/panel/", views.screening_record_panel, name="screening_record_panel"),
    path("patients/<int:pk>/records/<slug:slug>/preview/", views.screening_record_preview,
         name="screening_record_preview"),
    path("records/<slug:slug>/<int:pk>/edit/", views.screening_record_edit, name="screening_record_edit"),
    path("records/<slug:slug>/<int:pk>/entered-in-error/", views.screening_record_mark_in_error,
         name="screening_record_mark_in_error"),
    path("patients/<int:pk>/attestations/new/", views.attestation_new, name="attestation_new"),
    path("patients/<int:pk>/attestations/together/", views.attestations_new, name="attestations_new"),
    path("patients/<int:pk>/checklist/", checklist.eligibility_checklist, name="eligibility_checklist"),
    path("records/to-verify/", verification_views.records_to_verify, name="records_to_verify"),
    path("reference-ranges/", views.reference_ranges, name="reference_ranges"),
    path("reference-ranges/<int:pk>/edit/", views.reference_range_edit, name="reference_range_edit"),
]
