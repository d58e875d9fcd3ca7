"""Loaded first by pytest (-p tests.environment): test defaults for settings that production must set."""

import os

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-production-0123456789abcdef")
os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("SESSION_COOKIE_SECURE", "0")
os.environ.setdefault("CSRF_COOKIE_SECURE", "0")
os.environ.setdefault("THROTTLE_ANON", "10000/min")
os.environ.setdefault("THROTTLE_USER", "10000/min")
os.environ.setdefault("MEDIA_ROOT", "/tmp/socialnet-test-media")
os.environ.setdefault("STATIC_MANIFEST", "0")

# Parallel workers (pytest-xdist) each get their own Redis database: tests clear the cache, which flushes a whole db.
_worker = os.environ.get("PYTEST_XDIST_WORKER", "")
if _worker.startswith("gw") and os.environ.get("REDIS_URL"):
    _base, _, _db = os.environ["REDIS_URL"].rpartition("/")
    if _db.isdigit():
        os.environ["REDIS_URL"] = f"{_base}/{(int(_db) - int(_worker[2:])) % 16}"
