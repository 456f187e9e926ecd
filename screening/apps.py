from django.apps import AppConfig


class ScreeningConfig(AppConfig):
    name = "screening"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The areas screening builds on (patients, trial set-up) tell it of changes through signals instead of
        # importing it: a candidate's own data changed, a protocol version took effect.
        from patients.signals import facts_changed
        from screening.signoff import receivers
        from trial.signals import protocol_version_in_effect

        facts_changed.connect(receivers.void_signature_on_facts_change, dispatch_uid="screening_facts_changed")
        protocol_version_in_effect.connect(receivers.recheck_signatures_on_amendment,
                                           dispatch_uid="screening_protocol_in_effect")
