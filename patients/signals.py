"""What the patients area tells the areas built on it, without importing them (screening builds on patients).

``facts_changed``: a candidate's own data (weight, sex, date of birth ...) changed, inside the writing
transaction; screening voids a signature whose evaluation used the old value (``screening.apps``).
Arguments: ``patient``, ``acting_user``.
"""

from django.dispatch import Signal

facts_changed = Signal()
