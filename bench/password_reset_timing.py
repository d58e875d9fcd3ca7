"""Time password-reset requests for an address that has an account against one that has none (a timing leak tells
who has an account).

    DATABASE_URL=... REDIS_URL=... SECRET_KEY=dev DEBUG=1 .venv/bin/python bench/password_reset_timing.py [--runs N]

Uses the configured (migrated) database with the real password hasher and the local-memory e-mail backend: creates
one account (bench-reset@bench.invalid) if missing, then sends --runs requests for each address, alternating, to the
API (`POST /api/v1/auth/password-reset/`) and to the page (accounts:password_reset), after two warm-up requests each,
and prints the median and max per address and the difference of the medians. The rate limit and the API's throttles
are lifted for the run. With REDIS_URL set the reset e-mail tasks go to the broker and are purged at the end: run it
against a Redis no worker consumes. It reports; it does not assert.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "socialnet.settings")
# The API's per-client throttles (anonymous requests count under both) would refuse a long run from one address.
os.environ.setdefault("THROTTLE_ANON", "1000000/min")
os.environ.setdefault("THROTTLE_USER", "1000000/min")

import django  # noqa: E402

django.setup()

from django.core import mail  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import override_settings, setup_test_environment  # noqa: E402
from django.urls import reverse  # noqa: E402

from accounts.models import User  # noqa: E402
from socialnet.celery import app as celery_app  # noqa: E402

KNOWN = "bench-reset@bench.invalid"
UNKNOWN = "nobody-reset@bench.invalid"


def time_requests(client: Client, url: str, runs: int, content_type: str | None) -> dict[str, list[float]]:
    def ask(email: str) -> float:
        start = time.perf_counter()
        if content_type:
            response = client.post(url, {"email": email}, content_type=content_type)
        else:
            response = client.post(url, {"email": email})
        elapsed = time.perf_counter() - start
        assert response.status_code in (204, 302), (response.status_code, response.content[:300])
        return elapsed * 1000

    for _ in range(2):
        ask(KNOWN), ask(UNKNOWN)
    times: dict[str, list[float]] = {KNOWN: [], UNKNOWN: []}
    for _ in range(runs):
        for email in (KNOWN, UNKNOWN):
            times[email].append(ask(email))
    return times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()

    setup_test_environment()  # the test client, and mail.outbox for the local-memory backend
    if not User.objects.filter(email=KNOWN).exists():
        User.objects.create_user(username="bench-reset", email=KNOWN, password="bench-reset-password-1")
    pages = [
        ("API", "/api/v1/auth/password-reset/", "application/json"),
        ("page", reverse("accounts:password_reset"), None),
    ]
    with override_settings(
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend", RATE_LIMIT_PASSWORD_RESETS_PER_MINUTE=10**9
    ):
        for name, url, content_type in pages:
            mail.outbox = []
            times = time_requests(Client(), url, args.runs, content_type)
            medians = {email: statistics.median(values) for email, values in times.items()}
            for email, values in times.items():
                label = "known  " if email == KNOWN else "unknown"
                print(f"{name:4} {label} median {medians[email]:7.2f} ms  max {max(values):7.2f} ms  (n={len(values)})")
            print(f"{name:4} known - unknown: {medians[KNOWN] - medians[UNKNOWN]:+.2f} ms; "
                  f"e-mails sent in the request: {len(mail.outbox)}")
    if not celery_app.conf.task_always_eager:
        print(f"purged {celery_app.control.purge()} queued task(s)")


if __name__ == "__main__":
    main()
