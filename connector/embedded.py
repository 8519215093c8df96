"""Authentication of the embedded app's requests (pages inside Shopify Admin and their fetches).

Owns: reading the session token (``id_token`` in the query only on a document load, a GET of a
page; ``Authorization: Bearer`` on everything else), verifying it, making sure the shop has an
offline token (token exchange), the language, the bounce page for expired tokens (document
loads only: a fetch, with or without its token, gets 401 and the retry header) and the
per-shop ``frame-ancestors`` policy.
No cookies and no Django session are used here.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Concatenate, ParamSpec, cast

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import csrf_exempt

from connector.errors import ApplicationError
from connector.sessions import shopify_session_for_request
from connector.shopify.errors import ShopifyAuthError, ShopifyError
from connector.shopify.session_tokens import InvalidSessionToken, SessionToken, decode_session_token
from connector.validators import is_valid_shop_domain, parse_ascii_int, parse_json

logger = logging.getLogger(__name__)

RETRY_HEADER = "X-Shopify-Retry-Invalid-Session-Request"
SUPPORTED_LANGUAGES = ("es", "en")


@dataclass(frozen=True)
class EmbeddedRequest:
    """What an embedded view knows about its caller."""

    shop: str
    session_token: SessionToken
    host: str
    is_document: bool
    language: str


class EmbeddedHttpRequest(HttpRequest):
    """The request an embedded view receives: ``embedded_view`` has set these two attributes.

    A type for annotations; the object is Django's own request.
    """

    shop: str
    embedded: EmbeddedRequest


_ViewArgs = ParamSpec("_ViewArgs")


def frame_ancestors(shop: str | None) -> str:
    """The CSP that lets only the shop's admin frame a page (``'none'`` without a shop)."""
    if shop and is_valid_shop_domain(shop):
        return f"frame-ancestors https://{shop} https://admin.shopify.com;"
    return "frame-ancestors 'none';"


def choose_language(raw: str | None) -> str:
    """Spanish unless Shopify's ``locale`` (or the page's header) asks for English."""
    value = (raw or "").strip().lower().replace("_", "-")
    primary = value.split(",")[0].split(";")[0].split("-")[0]
    return primary if primary in SUPPORTED_LANGUAGES else "es"


def _bearer_token(request: HttpRequest) -> str | None:
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        return header[len("Bearer ") :].strip()
    return None


# The embedded JSON endpoints; a browser never loads them as a page inside Shopify Admin.
API_PATH_PREFIX = "/app/api/"
# Sec-Fetch-Dest values of a navigation (top level or frame); fetch() and XHR send "empty".
DOCUMENT_DESTINATIONS = frozenset({"document", "iframe", "frame", "embed", "object"})


def _is_fetch(request: HttpRequest, *, bearer: str | None) -> bool:
    """Whether the request comes from fetch/XHR rather than a page load. Only a page can run the
    bounce page; a fetch needs 401 with the retry header, even when it lost its bearer token."""
    if bearer is not None or request.path.startswith(API_PATH_PREFIX):
        return True
    destination = request.headers.get("Sec-Fetch-Dest", "").strip().lower()
    if destination == "empty":
        return True
    if destination in DOCUMENT_DESTINATIONS:
        return False
    if request.headers.get("X-Requested-With"):
        return True
    accept = request.headers.get("Accept", "").lower()
    return "application/json" in accept and "text/html" not in accept


def _with_frame_policy(response: HttpResponse, shop: str | None) -> HttpResponse:
    response["Content-Security-Policy"] = frame_ancestors(shop)
    return response


def _fetch_unauthorized(message: str, *, retry: bool) -> JsonResponse:
    response = JsonResponse({"error": message}, status=401)
    if retry:
        response[RETRY_HEADER] = "1"
    return response


def bounce(request: HttpRequest, *, reason: str) -> HttpResponse:
    """A page that asks App Bridge for a fresh session token and reloads with it.

    A second failure after a bounce shows an explanation instead of looping.
    """
    shop = request.GET.get("shop", "")
    shop = shop if is_valid_shop_domain(shop) else ""
    language = choose_language(request.GET.get("locale"))
    translation.activate(language)
    already_bounced = request.GET.get("bounced") == "1"
    context = {
        "shop": shop,
        "shopify_api_key": settings.SHOPIFY_API_KEY,
        "already_bounced": already_bounced,
        "admin_url": f"https://{shop}/admin/apps/{settings.SHOPIFY_API_KEY}" if shop else "",
        "reason": reason,
        "LANGUAGE_CODE": language,
    }
    status = 401 if already_bounced else 200
    response = render(request, "embedded/bounce.html", context, status=status)
    return _with_frame_policy(response, shop)


def _error_page(request: HttpRequest, *, shop: str, title: str, message: str, status: int) -> HttpResponse:
    response = render(
        request,
        "embedded/error.html",
        {"shop": shop, "title": title, "message": message, "shopify_api_key": settings.SHOPIFY_API_KEY},
        status=status,
    )
    return _with_frame_policy(response, shop)


def _session_token(request: HttpRequest, *, bearer: str | None, is_document: bool) -> SessionToken | HttpResponse:
    """The caller's verified session token, or the answer that refuses the request.

    The query's ``id_token`` counts only on a document load (Shopify's first load of a page,
    the bounce page's reload): a token in a URL ends up in logs and Referer headers, and a
    cross-site form could post one that leaked. Everything else sends the header.
    """
    raw_token = bearer if bearer is not None else (request.GET.get("id_token", "") if is_document else "")
    if not raw_token:
        if is_document:
            return bounce(request, reason="missing")
        if "id_token" in request.GET:
            return _fetch_unauthorized(_("Send the session token in the Authorization header."), retry=True)
        return _fetch_unauthorized(_("Missing session token."), retry=True)
    try:
        session_token = decode_session_token(
            raw_token, api_key=settings.SHOPIFY_API_KEY, secret=settings.SHOPIFY_API_SECRET
        )
    except InvalidSessionToken as error:
        # Expired tokens are routine (App Bridge hands out fresh ones); anything else is a
        # forged, foreign or misconfigured token. The reason never contains the token.
        logger.log(
            logging.INFO if error.expired else logging.WARNING,
            "Rejected a session token: %s",
            error.reason,
            extra={"path": request.path},
        )
        if is_document:
            return bounce(request, reason="expired" if error.expired else "invalid")
        return _fetch_unauthorized(_("Invalid or expired session token."), retry=True)
    claimed_shop = request.GET.get("shop")
    if claimed_shop and claimed_shop != session_token.shop:
        logger.warning("Session token shop differs from the shop parameter", extra={"shop": session_token.shop})
        if is_document:
            return _error_page(
                request,
                shop=session_token.shop,
                title=_("This link belongs to another shop"),
                message=_("Open the app again from your Shopify admin."),
                status=403,
            )
        return JsonResponse({"error": _("This request belongs to another shop.")}, status=403)
    return session_token


def _offline_session_refusal(
    request: HttpRequest, *, session_token: SessionToken, is_document: bool
) -> HttpResponse | None:
    """Make sure the shop has an offline token (token exchange); the refusal when Shopify says no."""
    try:
        shopify_session_for_request(session_token=session_token, is_document=is_document)
    except ShopifyAuthError:
        logger.warning("Shopify refused the token exchange", extra={"shop": session_token.shop})
        message = _("Shopify did not authorise the app for this shop. Open it again from your Shopify admin.")
        if is_document:
            return _error_page(
                request, shop=session_token.shop, title=_("Authorisation needed"), message=message, status=401
            )
        return _fetch_unauthorized(message, retry=False)
    except ShopifyError:
        message = _("Shopify is not answering right now. Try again in a minute.")
        if is_document:
            return _error_page(
                request, shop=session_token.shop, title=_("Shopify is not available"), message=message, status=503
            )
        return JsonResponse({"error": message}, status=503)
    return None


def embedded_view(
    view: Callable[Concatenate[EmbeddedHttpRequest, _ViewArgs], HttpResponse],
) -> Callable[Concatenate[HttpRequest, _ViewArgs], HttpResponse]:
    """Require a valid Shopify session token; set ``request.shop`` and ``request.embedded``."""

    @functools.wraps(view)
    @xframe_options_exempt
    def wrapper(request: HttpRequest, /, *args: _ViewArgs.args, **kwargs: _ViewArgs.kwargs) -> HttpResponse:
        bearer = _bearer_token(request)
        # Only a GET (or HEAD) loads a page; a POST is never a document load, whatever its headers.
        is_document = request.method in ("GET", "HEAD") and not _is_fetch(request, bearer=bearer)
        session_token = _session_token(request, bearer=bearer, is_document=is_document)
        if isinstance(session_token, HttpResponse):
            return session_token
        language = choose_language(request.GET.get("locale") if is_document else request.headers.get("Accept-Language"))
        translation.activate(language)
        request.LANGUAGE_CODE = language
        refusal = _offline_session_refusal(request, session_token=session_token, is_document=is_document)
        if refusal is not None:
            return refusal

        # From here on the request carries what EmbeddedHttpRequest promises.
        embedded_request = cast(EmbeddedHttpRequest, request)
        embedded_request.shop = session_token.shop
        embedded_request.embedded = EmbeddedRequest(
            shop=session_token.shop,
            session_token=session_token,
            host=request.GET.get("host", ""),
            is_document=is_document,
            language=language,
        )
        response = view(embedded_request, *args, **kwargs)
        response.setdefault("Cache-Control", "no-store")
        if "Vary" not in response:
            response["Vary"] = "Authorization, Accept-Language"
        return _with_frame_policy(response, session_token.shop)

    # Embedded requests carry no cookies: they authenticate with a Shopify-signed token that a
    # third-party site cannot obtain, so CSRF tokens have nothing to protect here.
    return csrf_exempt(wrapper)


def embedded_context(request: EmbeddedHttpRequest, *, time_zone: str = "") -> dict[str, Any]:
    """Template context every embedded page needs (shell, navigation, client-side bootstrap).

    ``time_zone`` is the shop's IANA zone (the server's TIME_ZONE when empty): the page renders
    its dates in it and gives it to its scripts (``Connector.context.timeZone``).
    """
    embedded = request.embedded
    zone = time_zone or settings.TIME_ZONE
    return {
        "shop": embedded.shop,
        "host": embedded.host,
        "shopify_api_key": settings.SHOPIFY_API_KEY,
        "LANGUAGE_CODE": embedded.language,
        "time_zone": zone,
        "app_context": {
            "shop": embedded.shop,
            "host": embedded.host,
            "language": embedded.language,
            "timeZone": zone,
            "idToken": embedded.session_token.raw,
            "apiKey": settings.SHOPIFY_API_KEY,
        },
    }


JSON_BODY_LIMIT = 64 * 1024


def read_json(request: HttpRequest, *, limit: int = JSON_BODY_LIMIT) -> dict[str, Any]:
    """The request's JSON object; ApplicationError (400/413) for anything else."""
    length = parse_ascii_int(request.headers.get("Content-Length"), maximum=2**63)
    if length is not None and length > limit:
        raise ApplicationError(_("The request is too large."), code="too_large", status=413)
    raw = request.body
    if len(raw) > limit:
        raise ApplicationError(_("The request is too large."), code="too_large", status=413)
    if not raw:
        return {}
    try:
        body = parse_json(raw)
    except ValueError as error:
        raise ApplicationError(_("The request is not valid JSON."), code="invalid_json") from error
    if not isinstance(body, dict):
        raise ApplicationError(_("The request must be a JSON object."), code="invalid_json")
    return body


def api_error(error: ApplicationError) -> JsonResponse:
    """JSON answer for an ApplicationError."""
    return JsonResponse(error.as_dict(), status=error.status)
