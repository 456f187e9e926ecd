"""The Celery application: Redis broker, tasks discovered from the apps, schedules from settings."""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "trial.settings")

app = Celery("trial")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
