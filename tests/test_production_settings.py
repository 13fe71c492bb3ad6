"""Production settings keep database connections and share a cache; the API's throttles fail open
when that cache is down (a Redis outage is no 500)."""

import logging
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.cache import caches
from rest_framework.test import APIClient

from config.settings.base import cache_from_url

ROOT = Path(__file__).resolve().parent.parent


def production_setting(expr: str, **env: str) -> str:
    """Evaluate ``expr`` in a fresh interpreter with the production settings loaded."""
    code = f"import config.settings.production as s; print(repr(({expr})))"
    environment = {**os.environ, "DJANGO_SECRET_KEY": "x" * 50, **env}
    environment.pop("TOLKDESK_DATABASE_CONN_MAX_AGE", None)
    environment.update(env)
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=environment, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


def test_production_keeps_connections_for_a_minute_and_health_checks_them():
    assert (
        production_setting('s.DATABASES["default"]["CONN_MAX_AGE"], s.DATABASES["default"]["CONN_HEALTH_CHECKS"]')
        == "(60, True)"
    )
    assert production_setting('s.DATABASES["default"]["CONN_MAX_AGE"]', TOLKDESK_DATABASE_CONN_MAX_AGE="0") == "0"


def test_the_cache_comes_from_cache_url_with_local_memory_by_default():
    assert production_setting('s.CACHES["default"]["BACKEND"]') == "'django.core.cache.backends.locmem.LocMemCache'"
    shared = production_setting(
        's.CACHES["default"]["BACKEND"], s.CACHES["default"]["LOCATION"]',
        TOLKDESK_CACHE_URL="redis://127.0.0.1:6379/11",
    )
    assert shared == "('django.core.cache.backends.redis.RedisCache', 'redis://127.0.0.1:6379/11')"
    with pytest.raises(ValueError):
        cache_from_url("memcached://127.0.0.1")


def unused_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def unreachable_cache(settings):
    """The default cache points at a Redis port where nothing listens."""
    settings.CACHES = {"default": cache_from_url(f"redis://127.0.0.1:{unused_port()}/0")}
    with pytest.raises(Exception):  # noqa: B017, PT011 - whatever redis raises: the cache is really down
        caches["default"].get("probe")


def test_a_check_in_goes_through_and_is_logged_when_the_throttle_cache_is_down(
    receptionist, office, authority, unreachable_cache, caplog
):
    reception_api = APIClient()
    reception_api.force_login(receptionist)
    with caplog.at_level(logging.WARNING, logger="visits.throttling"):
        response = reception_api.post(
            "/api/v1/visits/", {"office": office.pk, "authority": authority.code}, format="json"
        )
    assert response.status_code == 201, response.content
    assert "cache unavailable" in caplog.text
