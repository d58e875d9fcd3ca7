from celery import shared_task

from . import services


@shared_task(name="accounts.tasks.password_reset_email", ignore_result=True)
def password_reset_email(*, email: str, site_url: str) -> None:
    """Send the reset e-mail that services.password_reset_request scheduled (the request never sends it itself)."""
    services.password_reset_email_send(email=email, site_url=site_url)
