"""docker-compose.yml cannot run here (no Docker engine): check its shape and its variables instead."""

from __future__ import annotations

from pathlib import Path

import yaml

BASE_DIR = Path(__file__).resolve().parents[2]


def load_compose() -> dict:
    return yaml.safe_load((BASE_DIR / "docker-compose.yml").read_text())


def test_compose_has_its_services_with_healthchecks():
    services = load_compose()["services"]
    assert set(services) == {"web", "worker", "beat", "postgres", "redis", "migrate", "proxy"}
    assert services["postgres"]["image"].startswith("postgres:16")
    assert services["redis"]["image"].startswith("redis:7")
    for name in ("web", "postgres", "redis"):
        assert "healthcheck" in services[name], name


def test_app_services_are_configured_through_the_settings_variables():
    services = load_compose()["services"]
    settings_source = (BASE_DIR / "trial" / "settings.py").read_text()
    for name in ("web", "worker", "beat"):
        environment = services[name]["environment"]
        for variable in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY", "ALLOWED_HOSTS"):
            assert variable in environment, (name, variable)
        for variable in environment:
            assert f'"{variable}"' in settings_source, f"{name} sets {variable}, which settings never read"
    assert "gunicorn" in " ".join(services["web"]["command"])
    assert "worker" in services["worker"]["command"]
    assert "beat" in services["beat"]["command"]


def test_only_the_tls_proxy_publishes_a_port():
    services = load_compose()["services"]
    published = {name for name, service in services.items() if service.get("ports")}
    assert published == {"proxy"}
    assert services["proxy"]["image"].startswith("caddy:")
    caddyfile = (BASE_DIR / "deploy" / "Caddyfile").read_text()
    assert "{$SITE_ADDRESS}" in caddyfile and "reverse_proxy web:8000" in caddyfile


def test_two_database_roles_the_owner_only_in_the_one_shot_migration():
    services = load_compose()["services"]
    assert services["postgres"]["environment"]["POSTGRES_USER"] == "owner"
    migrate = services["migrate"]
    assert migrate["environment"]["DATABASE_OWNER_URL"].startswith("postgresql://owner:")
    assert "migrate" in " ".join(migrate["command"]) and migrate["restart"] == "no"
    for name in ("web", "worker", "beat"):
        environment = services[name]["environment"]
        assert "DATABASE_OWNER_URL" not in environment, name
        assert environment["DATABASE_URL"].startswith("postgresql://portal:"), name
        assert services[name]["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}
    assert "migrate" not in " ".join(services["web"]["command"])


def test_every_security_variable_is_passed_and_redis_has_a_password():
    services = load_compose()["services"]
    environment = services["web"]["environment"]
    for variable in ("BEHIND_TLS_PROXY", "SECURE_SSL_REDIRECT", "SECURE_COOKIES", "SECURE_HSTS_SECONDS",
                     "SECURE_HSTS_PRELOAD", "SESSION_IDLE_SECONDS", "SESSION_ABSOLUTE_SECONDS",
                     "AUDIT_CHECKPOINT_KEY", "AUDIT_CHECKPOINT_DIR"):
        assert variable in environment, variable
    assert environment["REDIS_URL"].startswith("redis://:${REDIS_PASSWORD")
    assert "--requirepass" in " ".join(services["redis"]["command"])


def test_the_healthcheck_asks_as_an_allowed_host_and_the_volumes_are_writable():
    services = load_compose()["services"]
    check = " ".join(services["web"]["healthcheck"]["test"])
    assert "ALLOWED_HOSTS" in check and "X-Forwarded-Proto" in check
    dockerfile = (BASE_DIR / "Dockerfile").read_text()
    assert "chown nobody /data/media" in dockerfile and "USER nobody" in dockerfile
    assert "backups/" in (BASE_DIR / ".dockerignore").read_text().split()
    worker_volumes = " ".join(services["worker"]["volumes"])
    assert "audit-key:/data/audit-key" in worker_volumes and "audit-checkpoints:" in worker_volumes
