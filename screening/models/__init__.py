"""Screening records, one module per topic. Import models from here (``from screening.models import Consent``)."""

from screening.models.consent import Consent, ICFVersion, Signer, Withdrawal

__all__ = ["Consent", "ICFVersion", "Signer", "Withdrawal"]
