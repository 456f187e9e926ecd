"""Calendar feed tokens: issued once, stored as a digest, revoked.
"""

from __future__ import annotations

import hashlib
import logging
import secrets

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from followup.models import (
    CalendarFeedToken,
)
from trial.audit import with_reason

logger = logging.getLogger(__name__)


# -- calendar feed tokens ------------------------------------------------------------------------------------------


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def calendar_token_issue(*, acting_user: AbstractBaseUser) -> str:
    """A new secret for the user's calendar feed; the previous one stops working. Returns the secret,
    which is not stored (only its hash)."""
    token = secrets.token_urlsafe(32)
    with transaction.atomic(), with_reason("calendar feed address issued"):
        _revoke_tokens(acting_user)
        CalendarFeedToken.objects.create(user=acting_user, token_sha256=token_digest(token))
    return token


def calendar_token_revoke(*, acting_user: AbstractBaseUser) -> int:
    with transaction.atomic(), with_reason("calendar feed address revoked"):
        return _revoke_tokens(acting_user)


def _revoke_tokens(user: AbstractBaseUser) -> int:
    return CalendarFeedToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())
