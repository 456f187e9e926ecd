"""Screening data entry: laboratory results, serology, echocardiography, SpO2, pregnancy tests, SLEDAI-2K and
2019 EULAR/ACR assessments, other classification criteria and measurements, treatment history,
investigator attestations and site reference ranges.

- ``kinds``: one module per kind of record holding all of it (model, fields, entry form, the validation the
  service runs, live preview, facts for the engine, whether a protocol needs it); its template holds its
  partials (``templates/screening/records/kinds/<slug>.html``).
- ``rules``: pure checks and conversions (units, H/L flags, plausibility, doses), thresholds from the protocol.
- ``services``: every write (create, correct with a reason and a version check, mark entered in error).
- ``selectors`` / ``ranges``: reads scoped to the candidate; the hospitals' reference ranges.
- ``forms`` (the forms' base and the non-kind forms) / ``views`` / ``urls``: the entry pages and their htmx
  fragments; ``lab_draw``: a whole draw in one form.
"""
