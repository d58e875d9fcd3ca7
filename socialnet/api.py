"""Shared API plumbing: the exception handler that turns service errors into HTTP answers."""

from django.core.exceptions import PermissionDenied, ValidationError
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from .errors import Conflict


def exception_handler(exc, context):
    """Services raise Django's ValidationError/PermissionDenied and socialnet's Conflict; map them to 400/403/409."""
    if isinstance(exc, ValidationError):
        if hasattr(exc, "error_dict"):
            detail = {field: [m for e in errs for m in e.messages] for field, errs in exc.error_dict.items()}
        else:
            detail = {"detail": exc.messages}
        exc = exceptions.ValidationError(detail)
    elif isinstance(exc, Conflict):
        return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    return drf_exception_handler(exc, context)
