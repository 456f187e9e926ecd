from django.apps import AppConfig


class FollowupConfig(AppConfig):
    name = "followup"
    verbose_name = "Follow-up after eligibility"
    default_auto_field = "django.db.models.BigAutoField"
