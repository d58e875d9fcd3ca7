"""Shared API plumbing: the exception handler that turns service errors into HTTP answers."""

from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig, ValidationError
from drf_spectacular.openapi import AutoSchema
from rest_framework import exceptions, permissions, status
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


ERROR_DETAIL = {"$ref": "#/components/schemas/ErrorDetail"}
VALIDATION_ERROR = {"$ref": "#/components/schemas/ValidationError"}  # both in SPECTACULAR_SETTINGS
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


class ApiAutoSchema(AutoSchema):
    """The project's schema: besides what each view declares, the errors any endpoint may answer, in the shapes of
    exception_handler. A view's own description of a status code is kept (its body schema is filled in)."""

    def get_summary(self):
        """A view's `summaries` name each of its operations by action (viewsets) or HTTP method, in a few words."""
        summaries = getattr(self.view, "summaries", {})
        return summaries.get(getattr(self.view, "action", None)) or summaries.get(self.method.lower())

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for code, description in self._common_errors().items():
            responses.setdefault(code, {"description": description})
        for code, documented in responses.items():
            if code >= "400" and "content" not in documented:
                schema = VALIDATION_ERROR if code == "400" else ERROR_DETAIL
                documented["content"] = {"application/json": {"schema": schema}}
        return responses

    def _requires_login(self) -> bool:
        for permission in self.view.get_permissions():
            if isinstance(permission, (permissions.IsAuthenticated, permissions.IsAdminUser)):
                return True
            if isinstance(permission, permissions.IsAuthenticatedOrReadOnly) and self.method in UNSAFE_METHODS:
                return True
        return False

    def _common_errors(self) -> dict[str, str]:
        errors = {}
        takes_input = self._get_request_body() is not None or any(
            hasattr(parameter, "fields") for parameter in self.get_override_parameters()
        )
        if takes_input:
            errors["400"] = "Bad input: messages under each field's name."
        if self._requires_login():
            errors["401"] = "Not signed in, or an invalid token."
        else:
            errors["401"] = "An invalid token (send none to read as a visitor)."
        admin_only = any(isinstance(p, permissions.IsAdminUser) for p in self.view.get_permissions())
        if admin_only:
            errors["403"] = "Staff only."
        elif self.method in UNSAFE_METHODS:
            errors["403"] = "Not allowed on this object, or a session without its CSRF token."
        if "{" in self.path:
            errors["404"] = "No such object, or one hidden from you (the same answer)."
        errors["429"] = "Too many requests; retry after the `Retry-After` header's seconds."
        return errors


class DeleteWithBodySchema(ApiAutoSchema):
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
