from django.urls import path

from patients import views

urlpatterns = [
    path("<int:pk>/", views.patient_detail, name="patient_detail"),
]
