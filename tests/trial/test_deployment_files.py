"""docker-compose.yml cannot run here (no Docker engine): check its shape and its variables instead."""

from __future__ import annotations

from pathlib import Path

import yaml

BASE_DIR = Path(__file__).resolve().parents[2]


def load_compose() -> dict:
    return yaml.safe_load((BASE_DIR / "docker-compose.yml").read_text())


def test_compose_has_the_five_services_with_healthchecks():
    services = load_compose()["services"]
    assert set(services) == {"web", "worker", "beat", "postgres", "redis"}
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
