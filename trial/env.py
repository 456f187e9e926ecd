"""Typed readers of environment variables that fail loudly on bad values.

Every setting comes from the environment; a value that cannot be read raises ``ConfigError`` naming the
variable, which ``manage.py`` and the WSGI entry turn into one clear line instead of a traceback.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from urllib.parse import parse_qs, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured


class ConfigError(ImproperlyConfigured):
    """A configuration variable is missing or malformed."""


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str | None = None, environ: Mapping[str, str] = os.environ) -> str:
    value = environ.get(name, default)
    if value is None:
        raise ConfigError(f"{name} is not set")
    return value


def env_bool(name: str, default: bool = False, environ: Mapping[str, str] = os.environ) -> bool:
    raw = environ.get(name)
    if raw is None:
        return default
    lowered = raw.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ConfigError(f"{name} must be one of 1/0, true/false, yes/no, on/off; got {raw!r}")


def env_int(name: str, default: int, environ: Mapping[str, str] = os.environ) -> int:
    raw = environ.get(name)
    if raw is None:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number; got {raw!r}") from None


def env_list(name: str, default: list[str], environ: Mapping[str, str] = os.environ) -> list[str]:
    raw = environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def database_from_url(url: str, name: str = "DATABASE_URL", conn_max_age: int = 60) -> dict:
    """Django DATABASES entry from ``postgresql://user:password@host:port/dbname?host=/socket/dir``."""
    if not url.strip():
        raise ConfigError(f"{name} is empty; unset it to use the embedded PostgreSQL")
    parts = urlsplit(url)
    if parts.scheme not in {"postgres", "postgresql"}:
        raise ConfigError(f"{name} must start with postgresql://; got {parts.scheme or 'no scheme'!r}")
    query = parse_qs(parts.query)
    dbname = unquote(parts.path.lstrip("/"))
    if not dbname:
        raise ConfigError(f"{name} names no database (expected postgresql://user@host:5432/dbname)")
    try:
        port = parts.port
    except ValueError:
        raise ConfigError(f"{name} has a port that is not a number") from None
    host = query.get("host", [parts.hostname or ""])[0]
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": dbname,
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": host,
        "PORT": str(port or ""),
        # Reused connections are checked before use, so a restarted PostgreSQL costs no failed request.
        "CONN_MAX_AGE": conn_max_age,
        "CONN_HEALTH_CHECKS": True,
    }


def redis_broker_url(url: str, name: str = "REDIS_URL") -> str:
    """Celery's broker URL for a Redis URL (kombu spells Unix sockets redis+socket://)."""
    scheme = urlsplit(url).scheme
    if scheme == "unix":
        return "redis+socket://" + url[len("unix://"):]
    if scheme in {"redis", "rediss"}:
        return url
    raise ConfigError(f"{name} must start with redis://, rediss:// or unix://; got {url!r}")
