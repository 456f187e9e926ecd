"""Settings for the MC-1-50 screening portal: every value from the environment, nothing started on import.

With DATABASE_URL / REDIS_URL unset, the URLs of the embedded servers under ``.data/`` are used; the
processes that need them (manage.py, the test suite, ``make run``) start them through ``trial.embedded``.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from django.utils.translation import gettext_lazy as _

from trial import embedded
from trial.env import (
    ConfigError,
    database_from_url,
    env_bool,
    env_int,
    env_list,
    env_str,
    redis_broker_url,
)

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = embedded.DATA_DIR

DEBUG = env_bool("DEBUG", False)

# The development secret is only ever acceptable with DEBUG on; production must set its own.
DEV_SECRET_KEY = "dev-only-insecure-secret-key-for-mc-1-50-portal"
_secret_file = DATA_DIR / "secret_key"
SECRET_KEY = env_str(
    "SECRET_KEY",
    _secret_file.read_text().strip() if _secret_file.exists() else DEV_SECRET_KEY,
)
if not DEBUG and SECRET_KEY == DEV_SECRET_KEY:
    raise ConfigError("SECRET_KEY is the development secret; set SECRET_KEY (or DEBUG=1 for development)")
# The same bar as Django's deployment check (security.W009): session and signing keys derive from it.
if not DEBUG and (len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5 or SECRET_KEY.startswith("django-insecure-")):
    raise ConfigError("SECRET_KEY is too weak for production: use at least 50 random characters "
                      "(python -c 'import secrets; print(secrets.token_urlsafe(50))')")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    "template_partials",  # named partials: one template of a page's pieces instead of a file per piece
    "pgtrigger",
    "pghistory",
    "pghistory.admin",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "trial",
    "patients",
    "screening",
    "followup",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "trial.selectors.RoleCacheMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "trial.two_factor.RequireTwoFactorMiddleware",
    "trial.language.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "trial.session_limits.SessionLifetimeMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "trial.no_store.NoStoreMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "trial.audit.AuditContextMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes requires: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "trial.urls"
WSGI_APPLICATION = "trial.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "trial.context_processors.portal",
                "trial.context_processors.roles",
            ],
        },
    },
]

# DATABASE_URL: the runtime role the web app, worker and beat use. DATABASE_OWNER_URL (optional): the role
# that owns the schema; ``manage.py migrate`` runs as it and grants the runtime role (trial.db_roles). The
# embedded default sets up both.
DATABASES = {
    "default": database_from_url(
        env_str("DATABASE_URL", embedded.runtime_url()), conn_max_age=env_int("CONN_MAX_AGE", 60)
    )
}
# TEST_DATABASE_NAME: the test database's name when it must not be the default test_<name>; ``manage.py validate``
# sets it so that its run never drops a database that a developer's test run on the same server is using.
if _test_database := env_str("TEST_DATABASE_NAME", ""):
    DATABASES["default"]["TEST"] = {"NAME": _test_database}
# The runtime role as configured, kept apart from DATABASES (whose credentials migrate swaps for the owner's).
DATABASE_RUNTIME_ROLE = {key: DATABASES["default"][key] for key in ("USER", "PASSWORD")}
_OWNER_URL = env_str("DATABASE_OWNER_URL", "" if "DATABASE_URL" in os.environ else embedded.postgres_url())
if _OWNER_URL:
    # The same database as the default (in tests too: a mirror), with the owner's credentials.
    DATABASES["owner"] = {
        **database_from_url(_OWNER_URL, name="DATABASE_OWNER_URL", conn_max_age=0),
        "NAME": DATABASES["default"]["NAME"],
        "TEST": {"MIRROR": "default"},
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env_str("REDIS_URL", embedded.redis_url())
CELERY_BROKER_URL = redis_broker_url(REDIS_URL)
CELERY_TASK_IGNORE_RESULT = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A web request that queues work must never hang on a Redis that is down.
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 2, "socket_timeout": 5}
CELERY_BEAT_SCHEDULE_FILENAME = str(DATA_DIR / "celerybeat-schedule")
# The follow-up sweep: announces due reminders and urgent alerts (followup.tasks). A message that waited
# longer than one interval is dropped: the next one does the same work.
FOLLOWUP_SWEEP_SECONDS = env_int("FOLLOWUP_SWEEP_SECONDS", 300)
# The audit chain's signed checkpoints (trial.audit.checkpoints): the Ed25519 signing key, a file the database never
# holds (generated on first use when missing), and the directory the checkpoints are written to, outside the
# data folder; a sponsor keeps copies out of the site's reach (mailed to AUDIT_CHECKPOINT_EMAILS), and
# AUDIT_ALERT_EMAILS hears of a failed verification.
AUDIT_CHECKPOINT_KEY = Path(env_str("AUDIT_CHECKPOINT_KEY", str(DATA_DIR / "audit-checkpoint-key.pem")))
AUDIT_CHECKPOINT_DIR = Path(env_str("AUDIT_CHECKPOINT_DIR", str(BASE_DIR / "audit-checkpoints")))
AUDIT_CHECKPOINT_EMAILS = env_list("AUDIT_CHECKPOINT_EMAILS", [])
AUDIT_ALERT_EMAILS = env_list("AUDIT_ALERT_EMAILS", [])
AUDIT_CHECKPOINT_SECONDS = env_int("AUDIT_CHECKPOINT_SECONDS", 3600)
PORTAL_NAME = env_str("PORTAL_NAME", "Trial screening portal")

CELERY_BEAT_SCHEDULE = {
    "followup-sweep": {
        "task": "followup.sweep_reminders",
        "schedule": FOLLOWUP_SWEEP_SECONDS,
        "options": {"expires": FOLLOWUP_SWEEP_SECONDS},
    },
    # A signed checkpoint of the audit chain's head, and the nightly check against every checkpoint.
    "audit-checkpoint": {
        "task": "trial.write_audit_checkpoint",
        "schedule": AUDIT_CHECKPOINT_SECONDS,
        "options": {"expires": AUDIT_CHECKPOINT_SECONDS},
    },
    "audit-verify": {
        "task": "trial.verify_audit",
        "schedule": 86400,
        "options": {"expires": 86400},
    },
    # A protocol version that takes effect on a later day re-checks the signatures on that day.
    "signature-recheck": {
        "task": "screening.recheck_signatures",
        "schedule": 86400,
        "options": {"expires": 86400},
    },
    # The worklists' summaries of a new day at a site, or of a version that took effect (writes refresh theirs).
    "evaluation-summaries": {
        "task": "screening.refresh_evaluation_summaries",
        "schedule": 3600,
        "options": {"expires": 3600},
    },
}
# Test only (default 0): a pause per announced reminder, standing in for a slow mail server.
FOLLOWUP_DELIVERY_DELAY_MS = env_int("FOLLOWUP_DELIVERY_DELAY_MS", 0)

# The admin shows no TOTP key, QR code or recovery code (django-otp).
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses locked-out users and addresses
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("zh-hans", _("Simplified Chinese"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# The checklist PDF in Chinese needs a CJK TrueType font (Debian: fonts-wqy-microhei, installed by `make`).
PDF_CJK_FONT = env_str("PDF_CJK_FONT", "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(DATA_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if env_bool("STATIC_MANIFEST", not DEBUG)
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH", str(DATA_DIR / "mail"))
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "mc-1-50-portal@localhost")

# pghistory: every event table refuses UPDATE and DELETE; trial.audit adds TRUNCATE.
PGHISTORY_APPEND_ONLY = True

# --- Security (OWASP ASVS L2 for authentication and sessions) ---------------------------------------
# Lockout: 5 failures per username, and separately per client address, lock for 15 minutes.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = dt.timedelta(minutes=15)
# Username and address together: a hospital's NAT is one address for all its staff, and failures of one
# name from it must not lock the others out.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False

# Idle timeout: the cookie lives 30 minutes and activity renews it (at most once a minute); the 12-hour
# absolute limit is enforced by trial.session_limits.
SESSION_COOKIE_AGE = env_int("SESSION_IDLE_SECONDS", 30 * 60)
SESSION_SAVE_EVERY_REQUEST = False  # trial.session_limits renews an active session once a minute
SESSION_ABSOLUTE_SECONDS = env_int("SESSION_ABSOLUTE_SECONDS", 12 * 60 * 60)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# Cookies travel over HTTPS only in production; `make run` on http://127.0.0.1 is a secure context for
# browsers, so secure cookies work there too.
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 365 * 24 * 60 * 60)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if env_bool("BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# CSP: scripts, styles and everything else from this origin only; no inline script anywhere.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

OTP_TOTP_ISSUER = PORTAL_NAME  # what the authenticator app shows: the portal, not one trial

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # pgserver reports each process detaching from the embedded server at INFO, and fontTools each font it
    # subsets for a PDF in Chinese: noise.
    "loggers": {"pgserver": {"level": "WARNING"}, "fontTools": {"level": "WARNING"}},
}
