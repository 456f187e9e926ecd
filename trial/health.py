"""Health of the portal's two dependencies, for /healthz and the load balancer."""

from __future__ import annotations

import redis
from django.conf import settings
from django.db import connection
from django.db.utils import DatabaseError


def database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return True
    except DatabaseError:
        return False


def redis_ok() -> bool:
    try:
        client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1)
        return bool(client.ping())
    except (redis.RedisError, OSError):
        return False
