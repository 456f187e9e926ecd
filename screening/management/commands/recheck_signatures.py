"""``manage.py recheck_signatures``: apply each trial's protocol version in force to the signatures signed
under an earlier one (beat runs it daily; the loader runs it for a version effective at once)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from screening.signoff.recheck import recheck_all


class Command(BaseCommand):
    help = "Supersede every signature whose result or data would differ under the protocol version in force."

    def handle(self, *args, **options) -> None:
        superseded = recheck_all()
        for signature in superseded:
            self.stdout.write(f"superseded: {signature.patient.screening_number} ({signature.outcome}, signed "
                              f"{signature.signed_at:%Y-%m-%d}) by version {signature.superseded_by.label}")
        self.stdout.write(f"{len(superseded)} signature(s) superseded.")
