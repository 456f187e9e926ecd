from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FollowupConfig(AppConfig):
    name = "followup"
    verbose_name = _("Follow-up after eligibility")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Screening tells the follow-up of a withdrawal through a signal instead of importing it.
        from followup.services.enrollment import cancel_reminders_on_withdrawal
        from screening.consent.signals import candidate_withdrawn

        candidate_withdrawn.connect(cancel_reminders_on_withdrawal, dispatch_uid="followup_candidate_withdrawn")
