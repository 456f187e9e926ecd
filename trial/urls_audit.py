"""URLs of the monitor review. ``patient_history`` is linked from the candidate pages: keep its name."""

from django.urls import path

from trial import views_audit

urlpatterns = [
    path("audit/", views_audit.audit_log, name="audit_log"),
    path("audit/export.csv", views_audit.audit_export, name="audit_export"),
    path("audit/<int:pk>/", views_audit.audit_entry, name="audit_entry"),
    path("patients/<int:pk>/history/", views_audit.patient_history, name="patient_history"),
    path("patients/<int:pk>/history/verify/", views_audit.record_verify, name="record_verify"),
    path("patients/<int:pk>/history/queries/", views_audit.query_raise, name="query_raise"),
    path("queries/<int:pk>/answer/", views_audit.query_answer, name="query_answer"),
    path("queries/<int:pk>/close/", views_audit.query_close, name="query_close"),
]
