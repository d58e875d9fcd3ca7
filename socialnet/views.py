from django.http import JsonResponse


def healthz(request):
    """Liveness: the process answers."""
    return JsonResponse({"status": "ok"})


def readyz(request):
    """Readiness: database, Redis and the active model (filled in by the reliability work)."""
    return JsonResponse({"status": "ok"})
