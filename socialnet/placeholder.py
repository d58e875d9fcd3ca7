# PLACEHOLDER: temporary page used while the app that owns a URL name is being built. Delete when unused.
from django.http import HttpResponse


def placeholder(request, *args, **kwargs):
    return HttpResponse("PLACEHOLDER")
