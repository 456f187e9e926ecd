from django.apps import AppConfig


class TrialConfig(AppConfig):
    name = "trial"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from trial import (
            auth_audit,  # noqa: F401  (connects the login/logout signal receivers)
            date_range,
        )
        from trial.audit.ledger import install_ledger_after_migrate

        date_range.install()
        # Event tables created by any app's migrations get the audit-ledger trigger.
        post_migrate.connect(install_ledger_after_migrate, sender=self, dispatch_uid="trial_install_ledger")
