"""What consent tells the areas built on it, without importing them (follow-up builds on screening).

``candidate_withdrawn``: a withdrawal was recorded, inside the writing transaction; the follow-up cancels the
candidate's open reminders in that transaction (``followup.apps``). Arguments: ``patient``, ``acting_user``,
``reason``.
"""

from django.dispatch import Signal

candidate_withdrawn = Signal()
