from django.urls import include, path

# Each area of screening holds its own views, forms and services.
urlpatterns = [
    # ICF versions, consent, re-consent and withdrawal.
    path("", include("screening.consent.urls")),
    # Labs, assessments, treatments, attestations, reference ranges and the eligibility checklist.
    path("", include("screening.records.urls")),
    # Eligibility sign-off (decisions, signature, checklist PDF) and the screening log.
    path("", include("screening.signoff.urls")),
]
