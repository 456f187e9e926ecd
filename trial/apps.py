from django.apps import AppConfig


class TrialConfig(AppConfig):
    name = "trial"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from trial import auth_audit  # noqa: F401  (connects the login/logout signal receivers)
