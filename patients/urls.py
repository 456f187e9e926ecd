from django.urls import path

from patients import views

urlpatterns = [
    path("new/", views.patient_register, name="patient_register"),
    path("<int:pk>/", views.patient_detail, name="patient_detail"),
    path("<int:pk>/edit/", views.patient_edit, name="patient_edit"),
]
