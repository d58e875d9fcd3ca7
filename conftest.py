"""Fixtures shared by every app's tests. Tests run against the real PostgreSQL and Redis (see .ci/run)."""

import os

import pytest
from django.conf import settings
from rest_framework.test import APIClient

from tests.factories import PASSWORD, UserFactory


def _require_services():
    """With CI=true a missing PostgreSQL or Redis fails the run instead of silently testing SQLite/locmem."""
    if os.environ.get("CI", "").lower() != "true":
        return
    if not settings.IS_POSTGRES:
        raise pytest.UsageError("CI=true but DATABASE_URL does not point at PostgreSQL")
    if not settings.REDIS_URL:
        raise pytest.UsageError("CI=true but REDIS_URL is not set")
    import redis

    redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2).ping()


def pytest_configure(config):
    _require_services()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """The real hasher costs ~0.5 s per user; tests of password checks do not need its strength."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _clear_cache():
    """Tests share one Redis: start each from an empty cache (and empty throttle counters)."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture
def celery_eager():
    """Celery tasks run in the process that schedules them, as without Redis, for tests that read what a task did (the
    password reset e-mail); accounts/tests/test_tasks.py shows a real worker doing the same."""
    from socialnet.celery import app

    was = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = was


@pytest.fixture
def media_root(settings, tmp_path):
    """A MEDIA_ROOT of the test's own, so stored files (profile pictures) can be counted and are cleaned up."""
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def password():
    return PASSWORD


@pytest.fixture
def user(db):
    return UserFactory()


@pytest.fixture
def other_user(db):
    return UserFactory()


@pytest.fixture
def staff_user(db):
    return UserFactory(is_staff=True, is_superuser=True)


@pytest.fixture
def api_client():
    return APIClient()


@pytest.fixture
def auth_api_client(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def auth_client(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def browser(monkeypatch):
    """A headless Debian Chromium driven by Playwright (no downloaded browser)."""
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop here.
    from playwright.sync_api import sync_playwright

    executable = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
    if not os.path.exists(executable):
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"Chromium not found at {executable}")
        pytest.skip(f"Chromium not found at {executable}")
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=executable,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture
def logged_in_page(browser, live_server):
    """Opens a browser page (own context, own cookies) already logged in as the given user."""
    from django.test import Client

    contexts = []

    def open_page(user):
        client = Client()
        client.force_login(user)
        context = browser.new_context(base_url=live_server.url)
        contexts.append(context)
        cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
        context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}])
        page = context.new_page()
        page.set_default_timeout(10_000)
        return page

    yield open_page
    for context in contexts:
        context.close()
