"""Informed consent: ICF versions, consents, re-consent and withdrawal.

- ``rules``: pure date and file rules.
- ``selectors``: ``current_consent(patient)``, ``needs_reconsent(patient)``, the re-consent worklist.
- ``guards``: ``ensure_open_for_entry(patient)`` and ``ensure_dated_on_or_after_consent(patient, on_date,
  field_name)`` for every service that writes a screening record.
- ``services``: ``icf_version_add``, ``consent_record``, ``consent_update``, ``patient_withdraw``.
"""
