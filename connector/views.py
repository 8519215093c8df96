"""HTTP endpoints of the connector app: health probes, metrics, landing, the favicon and the OAuth fallback."""

from __future__ import annotations

import hmac
import logging
from dataclasses import dataclass

from django.conf import settings
from django.contrib.staticfiles import finders
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_GET, require_http_methods

from connector import oauth_states, sessions
from connector.client_address import client_address_key
from connector.health import readiness
from connector.limits import rate_limit_hit
from connector.metrics import CONTENT_TYPE, metrics_text
from connector.shopify.errors import ShopifyError
from connector.shopify.oauth import ShopifyOAuthClient, callback_timestamp_is_fresh, verify_query_hmac
from connector.validators import is_valid_shop_domain, normalise_shop_domain

logger = logging.getLogger(__name__)

OAUTH_STATE_COOKIE = "connector_oauth_state"


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """The process is alive (no dependencies checked)."""
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    """The process can serve: database and cache reachable, migrations applied, secrets
    readable; and which cache holds the limits every process shares."""
    state = readiness()
    body: dict[str, object] = {"status": "ok" if state.ready else "unavailable", "checks": state.checks}
    if state.cache:
        body["cache"] = state.cache
    if not state.ready:
        body["reason"] = state.reason
    return JsonResponse(body, status=200 if state.ready else 503)


@never_cache
@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    """``/metrics`` (Prometheus): queue depths and ages. Off (404) without METRICS_TOKEN; with
    it, only for ``Authorization: Bearer <METRICS_TOKEN>`` (401 otherwise)."""
    token = settings.METRICS_TOKEN
    if not token:
        raise Http404
    scheme, _, sent = request.headers.get("Authorization", "").partition(" ")
    if scheme != "Bearer" or not hmac.compare_digest(sent.strip().encode(), token.encode()):
        return HttpResponse("Unauthorized", status=401, content_type="text/plain; charset=utf-8")
    return HttpResponse(metrics_text(), content_type=CONTENT_TYPE)


FAVICON = "connector/favicon.ico"


@cache_control(public=True, max_age=7 * 24 * 3600)
@require_GET
def favicon(request: HttpRequest) -> FileResponse:
    """``/favicon.ico``: browsers ask for it on every page that names no icon (admin included)."""
    path = finders.find(FAVICON)
    if not isinstance(path, str):
        raise Http404
    return FileResponse(open(path, "rb"), content_type="image/x-icon")  # FileResponse closes the file


@require_GET
def landing(request: HttpRequest) -> HttpResponse:
    """Shopify opens the app URL with ``?shop=…``: go to the embedded app; else explain."""
    if request.GET.get("shop"):
        return redirect(f"/app/?{request.GET.urlencode()}")
    return render(request, "auth/landing.html")


@never_cache
@require_http_methods(["GET", "POST"])
def auth_login(request: HttpRequest) -> HttpResponse:
    """Fallback entry outside Shopify Admin: ask for the shop domain and start OAuth. Each
    client address may start AUTH_LOGIN_RATE_PER_MINUTE log-ins a minute (429 above)."""
    if request.method == "GET" and not request.GET.get("shop"):
        return render(request, "auth/login.html", {"shop": ""})
    raw = request.POST.get("shop", "") if request.method == "POST" else request.GET.get("shop", "")
    if not raw.strip():
        return render(
            request, "auth/login.html", {"shop": raw, "error": _("Please enter your shop domain to log in")}, status=400
        )
    shop = normalise_shop_domain(raw)
    if "." not in shop:
        shop = f"{shop}.myshopify.com"
    if not is_valid_shop_domain(shop):
        return render(
            request,
            "auth/login.html",
            {"shop": raw, "error": _("Please enter a valid shop domain to log in")},
            status=400,
        )
    address = client_address_key(request)
    window = rate_limit_hit(scope="auth-login", key=address, limit=settings.AUTH_LOGIN_RATE_PER_MINUTE)
    if window.exceeded:
        message = _("Too many log-in attempts from your network. Wait a minute and try again.")
        response = render(request, "auth/login.html", {"shop": raw, "error": message}, status=429)
        response["Retry-After"] = str(window.retry_after)
        return response
    state = oauth_states.oauth_state_create(shop=shop, client_address=address)
    url = ShopifyOAuthClient().authorize_url(
        shop=shop,
        scopes=settings.SHOPIFY_SCOPES,
        redirect_uri=f"{settings.SHOPIFY_APP_URL}/auth/callback",
        state=state,
    )
    response = HttpResponseRedirect(url)
    response.set_cookie(
        OAUTH_STATE_COOKIE,
        state,
        max_age=int(oauth_states.OAUTH_STATE_LIFETIME.total_seconds()),
        secure=not settings.DEBUG,
        httponly=True,
        samesite="Lax",
    )
    return response


def _login_error(request: HttpRequest, message: str, *, status: int) -> HttpResponse:
    response = render(request, "auth/login.html", {"shop": "", "error": message}, status=status)
    response.delete_cookie(OAUTH_STATE_COOKIE)
    return response


def _callback_refused(request: HttpRequest, *, reason: str, message: str, status: int, shop: str = "") -> HttpResponse:
    """Log why an OAuth callback was refused (never its code, hmac or state) and say so."""
    extra = {"shop": shop} if is_valid_shop_domain(shop) else {}
    logger.warning("Refused an OAuth callback: %s", reason, extra=extra)
    return _login_error(request, message, status=status)


@dataclass(frozen=True)
class _Refusal:
    """Why an OAuth callback is refused: the log's reason and what the person is told."""

    reason: str
    message: str
    status: int = 400
    shop: str = ""


def _callback_refusal(request: HttpRequest, params: dict[str, str]) -> _Refusal | None:
    """The first check the callback fails, in order; None when it may exchange its code.

    The state nonce is spent last, so that any other refusal leaves it unspent.
    """
    shop = params.get("shop", "")
    if not verify_query_hmac(params, secret=settings.SHOPIFY_API_SECRET):
        return _Refusal("bad or missing hmac", _("This request did not come from Shopify. Log in again."))
    if not is_valid_shop_domain(shop):
        return _Refusal("shop is not a *.myshopify.com domain", _("Please enter a valid shop domain to log in"))
    if not callback_timestamp_is_fresh(params.get("timestamp", "")):
        return _Refusal(
            "timestamp missing or older than 24 hours", _("This login link has expired. Log in again."), shop=shop
        )
    if not params.get("code", ""):
        return _Refusal(
            "no authorisation code", _("Shopify did not send an authorisation code. Log in again."), shop=shop
        )
    state = params.get("state", "")
    cookie_state = request.COOKIES.get(OAUTH_STATE_COOKIE, "")
    if not state or state != cookie_state or not oauth_states.oauth_state_consume(shop=shop, state=state):
        return _Refusal(
            "state missing, not started in this browser, expired or already used",
            _("This login was already used or was not started here. Log in again."),
            status=403,
            shop=shop,
        )
    return None


@never_cache
@require_GET
def auth_callback(request: HttpRequest) -> HttpResponse:
    """Shopify's OAuth redirect: verify it, store the token, open the embedded app.

    Every refusal is logged with its reason and changes nothing (a missing code leaves the
    state nonce unspent).
    """
    params = {key: request.GET.get(key, "") for key in request.GET}
    refusal = _callback_refusal(request, params)
    if refusal is not None:
        return _callback_refused(
            request, reason=refusal.reason, message=refusal.message, status=refusal.status, shop=refusal.shop
        )
    shop = params["shop"]
    try:
        sessions.shopify_session_from_code(shop=shop, code=params["code"])
    except ShopifyError as error:
        return _callback_refused(
            request,
            reason=f"Shopify refused the code exchange ({type(error).__name__})",
            message=_("Shopify did not accept the login. Try again."),
            status=502,
            shop=shop,
        )
    response = HttpResponseRedirect(f"https://{shop}/admin/apps/{settings.SHOPIFY_API_KEY}")
    response.delete_cookie(OAUTH_STATE_COOKIE)
    return response
