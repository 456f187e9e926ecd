"""URLs of the monitor review. ``patient_history`` is linked from the candidate pages: keep its name."""

from django.urls import path

from trial.audit import views

urlpatterns = [
    path("audit/", views.audit_log, name="audit_log"),
    path("audit/export.csv", views.audit_export, name="audit_export"),
    path("audit/<int:pk>/", views.audit_entry, name="audit_entry"),
    path("patients/<int:pk>/history/", views.patient_history, name="patient_history"),
    path("patients/<int:pk>/history/verify/", views.record_verify, name="record_verify"),
    path("patients/<int:pk>/history/verify-panel/", views.panel_verify, name="panel_verify"),
    path("patients/<int:pk>/history/queries/", views.query_raise, name="query_raise"),
    path("queries/<int:pk>/answer/", views.query_answer, name="query_answer"),
    path("queries/<int:pk>/close/", views.query_close, name="query_close"),
    path("queries/<int:pk>/reopen/", views.query_reopen, name="query_reopen"),
]
