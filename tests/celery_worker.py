"""A real Celery worker process (solo pool) against the real Redis and the test database, for tests that prove a task
runs in the worker."""

import os
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection


def database_url() -> str:
    db = connection.settings_dict
    credentials = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@contextmanager
def celery_worker(*, queue: str, log_path: Path, **env: str):
    """Run a worker consuming `queue` (environment variables in `env` configure it) while inside; its log goes to
    `log_path` and its tail is printed at the end (pytest shows it when the test fails). Needs the test to commit its
    data (django_db(transaction=True)): the worker has its own connection."""
    if not settings.REDIS_URL or not settings.IS_POSTGRES:
        pytest.skip("needs the real Redis and PostgreSQL")
    log = open(log_path, "w+")
    env = {**os.environ, "DATABASE_URL": database_url(), "CELERY_TASK_ALWAYS_EAGER": "0", **env}
    process = subprocess.Popen(
        [Path(sys.executable).with_name("celery"), "-A", "socialnet", "worker", "--pool=solo", "-Q", queue,
         "--without-heartbeat", "--without-gossip", "--without-mingle", "-l", "info"],
        cwd=settings.BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    try:
        yield
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.seek(0)
        print(log.read()[-3000:])
        log.close()


def wait_for(condition, timeout: float):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False
