"""ASGI entry (the portal is served by gunicorn over WSGI; this exists for completeness)."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "trial.settings")
application = get_asgi_application()
