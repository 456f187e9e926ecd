from django.urls import path

from screening.signoff import views, views_log

urlpatterns = [
    path("patients/<int:pk>/signoff/", views.signoff_sign, name="signoff_sign"),
    path("patients/<int:pk>/signoff/decision/", views.signoff_decision, name="signoff_decision"),
    path("patients/<int:pk>/checklist.pdf", views.signoff_checklist_pdf, name="signoff_checklist_pdf"),
    path("log/", views_log.screening_log, name="screening_log"),
    path("log/export.csv", views_log.screening_log_export, name="screening_log_export"),
]
