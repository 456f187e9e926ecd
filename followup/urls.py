from django.urls import path

from followup import views

urlpatterns = [
    path("patients/<int:patient_pk>/", views.patient_followup, name="followup_patient"),
    path("patients/<int:patient_pk>/enrollment/", views.enrollment_edit, name="followup_enrollment"),
    path("patients/<int:patient_pk>/discontinue/", views.enrollment_discontinue, name="followup_discontinue"),
    path("reminders/<int:pk>/complete/", views.reminder_complete, name="followup_reminder_complete"),
    path("alerts/<int:pk>/acknowledge/", views.alert_acknowledge, name="followup_alert_acknowledge"),
    path("calendar/", views.calendar_settings, name="followup_calendar"),
    path("calendar/issue/", views.calendar_token_issue, name="followup_calendar_issue"),
    path("calendar/revoke/", views.calendar_token_revoke, name="followup_calendar_revoke"),
    path("calendar/<str:token>.ics", views.calendar_feed, name="followup_calendar_feed"),
]
