"""Faults of the services socialnet depends on: Redis or PostgreSQL gone, and the production configuration."""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.core.cache import caches
from django.test import override_settings

BASE_DIR = Path(__file__).resolve().parent.parent
CLOSED_REDIS = "redis://127.0.0.1:1/0"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_cache_degrades_to_misses_when_redis_is_down():
    from socialnet.cache import ResilientRedisCache

    cache = ResilientRedisCache(CLOSED_REDIS, {"OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2}})
    assert cache.get("k", "fallback") == "fallback"
    cache.set("k", 1)  # no exception
    assert cache.add("lock", 1) is False  # a lock is never granted without Redis
    assert cache.get_many(["a", "b"]) == {}


def test_enqueue_logs_instead_of_raising_when_broker_is_down(caplog):
    from celery import Celery

    from socialnet.tasks import enqueue

    app = Celery("down", broker=CLOSED_REDIS, set_as_current=False)
    app.conf.broker_connection_timeout = 0.2
    app.conf.task_publish_retry_policy = {"max_retries": 0}

    @app.task(name="down.noop")
    def noop():
        return None

    assert enqueue(noop) is False
    assert "could not schedule down.noop" in caplog.text


@pytest.mark.django_db
def test_pages_and_api_serve_with_redis_down(client):
    down = {
        "default": {
            "BACKEND": "socialnet.cache.ResilientRedisCache",
            "LOCATION": CLOSED_REDIS,
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        }
    }
    with override_settings(CACHES=down):  # Django rebuilds the cache handler on this setting change
        assert caches["default"].get("anything") is None
        assert client.get("/healthz").status_code == 200
        assert client.get("/api/schema/").status_code == 200
        assert client.get("/api/v1/posts/").status_code == 200


@pytest.mark.django_db
def test_readyz_reports_database_and_redis(client):
    response = client.get("/readyz")
    body = response.json()
    assert body["checks"]["database"] == "ok"
    assert response.status_code == (200 if body["checks"]["redis"] in ("ok", "not configured") else 503)


def _serve(env: dict) -> tuple[subprocess.Popen, int]:
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "socialnet.wsgi:application", "--bind", f"127.0.0.1:{port}", "-w", "1"],
        cwd=BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    for _ in range(300):  # the first request loads Django, pandas and LightGBM: seconds on this machine
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=10)
            return proc, port
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise AssertionError("gunicorn did not start: " + proc.stderr.read().decode()[-2000:])


def _get(url: str, accept: str = "text/html") -> tuple[int, str]:
    request = urllib.request.Request(url, headers={"Accept": accept})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def test_database_down_gives_clear_503_without_stack_traces():
    env = dict(os.environ)
    env.update(
        DATABASE_URL="postgres://postgres@127.0.0.1:1/socialnet",
        DEBUG="0",
        SECRET_KEY="x" * 60,
        SECURE_SSL_REDIRECT="0",
        STATIC_MANIFEST="0",
    )
    proc, port = _serve(env)
    try:
        status, body = _get(f"http://127.0.0.1:{port}/")
        assert status == 503
        assert "temporarily unavailable" in body and "Traceback" not in body
        status, body = _get(f"http://127.0.0.1:{port}/api/v1/posts/", accept="application/json")
        assert status == 503 and "temporarily unavailable" in json.loads(body)["detail"]
        status, body = _get(f"http://127.0.0.1:{port}/readyz")
        assert status == 503 and json.loads(body)["checks"]["database"].startswith("error")
        assert _get(f"http://127.0.0.1:{port}/healthz")[0] == 200
    finally:
        proc.terminate()
        proc.wait(10)


def test_production_settings_pass_check_deploy():
    env = dict(os.environ)
    env.update(DEBUG="0", SECRET_KEY="k" * 32 + "-production-like-secret-12345", ALLOWED_HOSTS="socialnet.example")
    test_only = ("SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "STATIC_MANIFEST")
    for name in (*test_only, "DJANGO_ALLOW_ASYNC_UNSAFE"):
        env.pop(name, None)
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_secret_key():
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    env["DEBUG"] = "0"
    command = [sys.executable, "manage.py", "check"]
    result = subprocess.run(command, cwd=BASE_DIR, env=env, capture_output=True, text=True)
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


class RealRedis:
    """A private redis-server on a free port that a test can stop and start again."""

    def __init__(self):
        self.port = _free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
        )
        import redis

        for _ in range(100):
            try:
                redis.Redis.from_url(self.url, socket_connect_timeout=0.2).ping()
                return
            except redis.exceptions.ConnectionError:
                time.sleep(0.05)
        raise AssertionError("redis-server did not start")

    def stop(self):
        self.process.terminate()
        self.process.wait(10)


@pytest.mark.django_db
def test_service_resumes_when_redis_comes_back(client, caplog):
    from celery import Celery

    from socialnet.tasks import enqueue

    server = RealRedis()
    server.start()
    caches_config = {
        "default": {
            "BACKEND": "socialnet.cache.ResilientRedisCache",
            "LOCATION": server.url,
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        }
    }
    broker = Celery("resume", broker=server.url, set_as_current=False)
    broker.conf.broker_connection_timeout = 0.2
    broker.conf.task_publish_retry_policy = {"max_retries": 0}

    @broker.task(name="resume.noop")
    def noop():
        return None

    try:
        with override_settings(CACHES=caches_config):
            cache = caches["default"]
            cache.set("before", 1)
            assert cache.get("before") == 1
            server.stop()
            assert cache.get("before") is None  # a miss, not an exception
            assert client.get("/api/v1/posts/").status_code == 200
            assert enqueue(noop) is False
            server.start()
            cache.set("after", 2)
            assert cache.get("after") == 2  # the pool reconnects by itself
            assert enqueue(noop) is True
    finally:
        server.stop()
