from django.urls import path

from trial.validation import views

urlpatterns = [
    path("validation/", views.report_list, name="validation_reports"),
    # language: en | zh-hans, kind: html | pdf (any other is a 404: no such file is stored)
    path("validation/<int:pk>/report-<slug:language>.<slug:kind>", views.report_file, name="validation_report_file"),
]
