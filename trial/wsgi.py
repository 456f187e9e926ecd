"""WSGI entry for gunicorn. A configuration error stops start-up with one line, not a traceback."""

import os
import sys

from django.core.wsgi import get_wsgi_application

from trial.env import ConfigError

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "trial.settings")

try:
    application = get_wsgi_application()
except ConfigError as error:
    sys.exit(f"configuration error: {error}")
