"""Django's auth fires user_logged_in for every log-in path (form, admin, API token view): record it once here."""

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from .services import user_login_record


@receiver(user_logged_in, dispatch_uid="accounts.record_login")
def record_login(sender, request, user, **kwargs):
    ip_address = request.META.get("REMOTE_ADDR", "") if request is not None else ""
    user_login_record(user=user, ip_address=ip_address)
