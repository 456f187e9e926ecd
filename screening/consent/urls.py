from django.urls import path

from screening.consent import views

urlpatterns = [
    path("patients/<int:pk>/consents/new/", views.consent_record, name="consent_record"),
    path("consents/<int:pk>/edit/", views.consent_edit, name="consent_edit"),
    path("patients/<int:pk>/withdraw/", views.withdrawal_record, name="withdrawal_record"),
    path("icf/", views.icf_versions, name="icf_versions"),
    path("icf/new/", views.icf_version_add, name="icf_version_add"),
    path("icf/<int:pk>/pdf/", views.icf_version_pdf, name="icf_version_pdf"),
    path("reconsent/", views.reconsent, name="reconsent"),
]
