"""Screening data entry: laboratory results, serology, echocardiography, SpO2, pregnancy tests, SLEDAI-2K and
2019 EULAR/ACR assessments, treatment history, investigator attestations and site reference ranges.

- ``rules``: pure checks and conversions (units, H/L flags, plausibility, doses), thresholds from the protocol.
- ``kinds``: the record kinds the generic entry pages handle (form, model, date field).
- ``services``: every write (create, correct with a reason and a version check, mark entered in error).
- ``selectors``: reads scoped to the candidate.
- ``forms`` / ``views`` / ``urls``: the entry pages and their htmx fragments.
"""
