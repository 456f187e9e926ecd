from django.urls import include, path

from screening import views_consent

urlpatterns = [
    path("patients/<int:pk>/consents/new/", views_consent.consent_record, name="consent_record"),
    path("consents/<int:pk>/edit/", views_consent.consent_edit, name="consent_edit"),
    path("patients/<int:pk>/withdraw/", views_consent.withdrawal_record, name="withdrawal_record"),
    path("icf/", views_consent.icf_versions, name="icf_versions"),
    path("icf/new/", views_consent.icf_version_add, name="icf_version_add"),
    path("icf/<int:pk>/pdf/", views_consent.icf_version_pdf, name="icf_version_pdf"),
    path("reconsent/", views_consent.reconsent, name="reconsent"),
    # Labs, assessments, treatments, attestations, reference ranges and the eligibility checklist.
    path("", include("screening.records.urls")),
    # Eligibility sign-off (decisions, signature, checklist PDF) and the screening log.
    path("", include("screening.signoff.urls")),
]
