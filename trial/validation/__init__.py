"""The validation pack: the portal's requirements (docs/requirements.toml), the installation qualification of
the configured system, the operational tests tagged with the requirements they verify, and the report that
traces each requirement to its results (``manage.py validate``, ``make validate``)."""
