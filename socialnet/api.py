"""Shared API plumbing: the exception handler that turns service errors into HTTP answers."""

from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig, ValidationError
from drf_spectacular.openapi import AutoSchema
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

from .errors import Conflict, RateLimited


def exception_handler(exc, context):
    """Map errors to HTTP: ValidationError 400, PermissionDenied 403, Conflict 409, too large 413, RateLimited 429.

    Every 400 body maps fields to lists of messages, errors of no one field under `non_field_errors` as DRF's own
    serializers put them; every other error body is `{"detail": "message"}`."""
    if isinstance(exc, ValidationError):
        if hasattr(exc, "error_dict"):
            detail = {field: [m for e in errs for m in e.messages] for field, errs in exc.error_dict.items()}
        else:
            detail = {api_settings.NON_FIELD_ERRORS_KEY: exc.messages}
        exc = exceptions.ValidationError(detail)
    elif isinstance(exc, RequestDataTooBig):
        limit_kib = settings.DATA_UPLOAD_MAX_MEMORY_SIZE // 1024
        detail = f"The request body is too large (at most {limit_kib} KiB)."
        return Response({"detail": detail}, status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
    elif isinstance(exc, RateLimited):
        headers = {"Retry-After": str(exc.retry_after)}
        return Response({"detail": str(exc)}, status=status.HTTP_429_TOO_MANY_REQUESTS, headers=headers)
    elif isinstance(exc, Conflict):
        return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    return drf_exception_handler(exc, context)


class DeleteWithBodySchema(AutoSchema):
    """drf-spectacular documents request bodies only for POST, PUT and PATCH. DELETE /api/v1/me/ takes the password
    in its body (OpenAPI allows a DELETE body, as re-authentication for a destructive call), so it is documented too."""

    def _get_request_body(self, direction="request"):
        if self.method != "DELETE":
            return super()._get_request_body(direction)
        self.method = "POST"  # the library's check is on the method name only
        try:
            return super()._get_request_body(direction)
        finally:
            self.method = "DELETE"
