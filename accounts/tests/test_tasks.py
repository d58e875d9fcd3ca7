"""The password reset e-mail goes out from a Celery task: the request only throttles and schedules it."""

import email
import re

import pytest
from celery.signals import after_task_publish
from django.core import mail
from django.db import transaction
from django.urls import reverse

from accounts.services import password_reset_request
from socialnet.celery import app as celery_app
from tests.celery_worker import celery_worker, wait_for
from tests.factories import UserFactory


@pytest.fixture
def published():
    """The tasks sent to the real broker during the test, as (name, kwargs); the queue is emptied afterwards."""
    sent = []

    def record(sender=None, body=None, **_):
        sent.append((sender, body[1]))

    after_task_publish.connect(record, weak=False)
    yield sent
    after_task_publish.disconnect(record)
    celery_app.control.purge()


def test_the_request_sends_no_mail_and_schedules_one_task_whether_or_not_the_address_has_an_account(
    api_client, client, user, published, settings, django_capture_on_commit_callbacks
):
    assert not celery_app.conf.task_always_eager  # tests run with REDIS_URL: a real broker
    settings.RATE_LIMIT_PASSWORD_RESETS_PER_MINUTE = 6  # one client asks six times
    inactive = UserFactory(is_active=False)
    addresses = ["nobody@mail.example", inactive.email, user.email]
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        for address in addresses:
            assert api_client.post("/api/v1/auth/password-reset/", {"email": address}).status_code == 204
            assert client.post(reverse("accounts:password_reset"), {"email": address}).status_code == 302
    assert len(callbacks) == 2 * len(addresses)  # one after-commit scheduling per request, nothing else
    assert mail.outbox == []
    assert published == [
        ("accounts.tasks.password_reset_email", {"email": address, "site_url": "http://testserver/"})
        for address in addresses
        for _ in ("api", "page")
    ]


def test_nothing_is_scheduled_when_the_request_is_rolled_back(user, published, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic():
            password_reset_request(email=user.email, ip_address="10.0.0.1", site_url="http://testserver/")
            raise RuntimeError
    assert published == []


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_sends_the_reset_email_whose_link_works(api_client, client, tmp_path):
    user = UserFactory()
    outbox = tmp_path / "mail"
    log = tmp_path / "worker.log"
    with celery_worker(
        queue=celery_app.conf.task_default_queue, log_path=log,
        EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend", EMAIL_FILE_PATH=str(outbox),
    ):
        for address in ("nobody@mail.example", user.email):
            assert api_client.post("/api/v1/auth/password-reset/", {"email": address}).status_code == 204
        assert mail.outbox == []  # not sent by the request
        assert wait_for(lambda: log.read_text().count("succeeded") == 2, 60), "the worker did not run both tasks"

    [sent] = [email.message_from_bytes(path.read_bytes()) for path in outbox.iterdir()]
    assert sent["To"] == user.email and sent["Subject"] == "Reset your socialnet password"
    path = re.search(r"https?://testserver(/\S+)", sent.get_payload(decode=True).decode()).group(1)
    form_page = client.get(path, follow=True)  # the site's reset page takes the worker's link
    assert form_page.context["validlink"]
