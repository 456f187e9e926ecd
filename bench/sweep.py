"""One reminder sweep, as the Celery worker runs it, for ``run.py`` (which sets DATABASE_URL, the e-mail
backend and BENCH_MAIL_KEYS): ``python -m bench.sweep``."""

from __future__ import annotations

import os

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "trial.settings")
    import django

    django.setup()
    from followup.tasks import sweep_reminders

    sweep_reminders()  # the task body, called directly: no broker in between
