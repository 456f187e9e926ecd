from django.apps import AppConfig

from trial import date_range

# Before any app's models, admin or forms are imported (the registry reads this module first): a form class
# takes its fields' validators when it is defined, and the admin's autodiscovery imports entry forms before
# any ``ready`` of the project's apps runs.
date_range.install()


class TrialConfig(AppConfig):
    name = "trial"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from trial import auth_audit  # noqa: F401  (connects the login/logout signal receivers)
        from trial.audit.ledger import install_ledger_after_migrate

        # Event tables created by any app's migrations get the audit-ledger trigger.
        post_migrate.connect(install_ledger_after_migrate, sender=self, dispatch_uid="trial_install_ledger")
