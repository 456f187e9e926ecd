"""What trial set-up tells the areas built on it, without importing them.

``protocol_version_in_effect``: a protocol version already in effect was stored (an amendment may change a
verdict); screening re-checks every valid signature of the trial (``screening.apps``). Arguments:
``version``. A version effective later is re-checked by the daily ``recheck_signatures`` on its day.
"""

from django.dispatch import Signal

protocol_version_in_effect = Signal()
