"""The screening app's Celery tasks, for Celery's autodiscovery (it looks for ``<app>.tasks``)."""

from screening.signoff.tasks import recheck_signatures, refresh_evaluation_summaries

__all__ = ["recheck_signatures", "refresh_evaluation_summaries"]
