"""WSGI application for bench/webhook_ingest.py only: the production app (connector.wsgi) plus
one bench-only URL, ``POST /bench/bare``, that answers 200 and does nothing else. It is the
yardstick the webhook intake is measured against, on the same server, through the whole
middleware stack as any ordinary view (the intake itself is answered after the security
middleware only: webhooks/middleware.py). Production URLs (connector/urls.py) are untouched.
"""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.utils.module_loading import import_string
from django.views.decorators.csrf import csrf_exempt

from connector.wsgi import application  # sets Django up (apps ready before the URLs import views)


@csrf_exempt
def bare(request: HttpRequest) -> HttpResponse:
    return HttpResponse(status=200)


urlpatterns = [path("bench/bare", bare), *import_string("connector.urls.urlpatterns")]
settings.ROOT_URLCONF = __name__

__all__ = ["application"]
