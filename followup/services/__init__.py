"""Every write of the follow-up, by topic: enrollment and its reminder schedule (``enrollment``), completing
reminders and urgent alerts (``reminders``), calendar tokens (``calendar_tokens``) and the sweep that
announces what fell due (``sweep``). The services are named here for their callers.
"""

from followup.services.calendar_tokens import (
    calendar_token_issue,
    calendar_token_revoke,
    token_digest,
)
from followup.services.enrollment import (
    enrollment_discontinue,
    enrollment_record,
    enrollment_update,
    reminders_cancel_for_patient,
)
from followup.services.reminders import (
    alert_acknowledge,
    reminder_complete_contraception_checkin,
    reminder_complete_notice,
    reminder_complete_pregnancy_test,
)
from followup.services.sweep import SweepResult, reminders_sweep

__all__ = [
    "SweepResult", "alert_acknowledge", "calendar_token_issue", "calendar_token_revoke", "enrollment_discontinue",
    "enrollment_record", "enrollment_update", "reminder_complete_contraception_checkin", "reminder_complete_notice",
    "reminder_complete_pregnancy_test", "reminders_cancel_for_patient", "reminders_sweep", "token_digest",
]
