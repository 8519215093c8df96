"""HTTP endpoints of the storefront theme: the Tema page's JSON calls and Shopify's download.

The install endpoint reads nothing from the request but the session token and whether the
merchant confirmed installing a second copy (``{"again": true}``): the theme's source is the
server's configuration, so a URL (or any other parameter) sent by a browser is ignored.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from django.conf import settings
from django.core.files.storage import default_storage
from django.http import FileResponse, HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from connector.embedded import EmbeddedHttpRequest, embedded_context, embedded_view, read_json
from connector.errors import ApplicationError
from connector.selectors import shopify_session_has_scope
from connector.shopify.themes import ShopifyTheme
from shops.services import shop_time_zone_get
from themes import downloads, selectors, services, sources
from themes.models import ThemeArchive, ThemeInstall

logger = logging.getLogger(__name__)

State = ThemeInstall.State
Error = ThemeInstall.Error
STEPS = (State.QUEUED, State.DOWNLOADING, State.CREATING, State.PROCESSING, State.READY)

STATE_MESSAGES: dict[str, Promise] = {
    State.QUEUED: gettext_lazy("Waiting to start…"),
    State.DOWNLOADING: gettext_lazy("Preparing the theme files…"),
    State.CREATING: gettext_lazy("Sending the theme to Shopify…"),
    State.PROCESSING: gettext_lazy("Shopify is processing the theme. This usually takes less than a minute…"),
    State.READY: gettext_lazy(
        "“%(name)s” is in your theme library, unpublished. Your live theme has not changed: customise and "
        "preview it, then publish it from Online Store › Themes when you are ready."
    ),
}

ERROR_MESSAGES: dict[str, Promise] = {
    Error.SOURCE_NOT_CONFIGURED: gettext_lazy(
        "The theme is not available yet: its source has not been configured. Contact Ecomdrop support."
    ),
    Error.SOURCE_AUTH: gettext_lazy(
        "The app could not read the theme's repository: the access token was refused. Contact Ecomdrop support."
    ),
    Error.SOURCE_NOT_FOUND: gettext_lazy("The theme's repository or version was not found. Contact Ecomdrop support."),
    Error.SOURCE_UNAVAILABLE: gettext_lazy(
        "The server that hosts the theme did not answer. Try again in a few minutes."
    ),
    Error.ARCHIVE_TOO_LARGE: gettext_lazy(
        "The theme archive is larger than the allowed size (%(limit)s). Contact Ecomdrop support."
    ),
    Error.ARCHIVE_INVALID: gettext_lazy(
        "The theme archive is not a valid Shopify theme (it needs layout/, templates/ and config/). "
        "Contact Ecomdrop support."
    ),
    Error.MISSING_PERMISSION: gettext_lazy(
        "The app is not allowed to install themes (read_themes and write_themes permissions). Open the app "
        "again from your Shopify admin and accept the updated permissions."
    ),
    Error.THEME_LIMIT: gettext_lazy(
        "Your theme library is full. Delete a theme you no longer use in Online Store › Themes, then try again."
    ),
    Error.PLAN_NOT_ALLOWED: gettext_lazy("Your Shopify plan does not allow adding themes."),
    Error.SHOPIFY_REJECTED: gettext_lazy("Shopify rejected the theme: %(detail)s"),
    Error.SHOPIFY_AUTH: gettext_lazy("Shopify did not authorise the app. Open it again from your Shopify admin."),
    Error.SHOPIFY_UNAVAILABLE: gettext_lazy(
        "Shopify did not answer. Check Online Store › Themes before trying again: the theme may have been added."
    ),
    Error.PROCESSING_FAILED: gettext_lazy(
        "Shopify could not process the theme. Delete the failed copy in Online Store › Themes and try again, "
        "or contact Ecomdrop support."
    ),
    Error.PROCESSING_TIMEOUT: gettext_lazy(
        "Shopify is taking too long to process the theme. Check Online Store › Themes in a few minutes."
    ),
    Error.THEME_DELETED: gettext_lazy(
        "The theme was deleted from your theme library before Shopify finished processing it."
    ),
    Error.ABANDONED: gettext_lazy("The installation stopped before finishing. Try again."),
    Error.UNCONFIRMED: gettext_lazy(
        "The installation stopped before Shopify confirmed the theme. Check Online Store › Themes before "
        "trying again: the theme may have been added."
    ),
    Error.INTERNAL: gettext_lazy(
        "Something went wrong on our side. Try again; contact Ecomdrop support if it happens again."
    ),
}

ROLE_LABELS = {
    "MAIN": gettext_lazy("Live"),
    "UNPUBLISHED": gettext_lazy("Unpublished"),
    "DEVELOPMENT": gettext_lazy("Development"),
    "DEMO": gettext_lazy("Demo"),
    "ARCHIVED": gettext_lazy("Archived"),
    "LOCKED": gettext_lazy("Locked"),
}

# Shopify's limit of themes in a theme library (Help Center › Themes › "up to 20 themes").
THEME_LIBRARY_LIMIT = 20


def editor_url(shop: str, numeric_id: str) -> str:
    return f"https://{shop}/admin/themes/{numeric_id}/editor" if numeric_id else ""


def preview_url(shop: str, numeric_id: str) -> str:
    return f"https://{shop}/?preview_theme_id={numeric_id}" if numeric_id else ""


def shown_state(install: ThemeInstall) -> tuple[str, str]:
    """State and error code the merchant sees. A running install that stopped moving (its worker
    vanished) is shown as failed, so the button works again; the maintenance sweep or the next
    click records it."""
    if services.theme_install_is_stale(install=install):
        return State.FAILED, install.stalled_error_code
    return install.state, install.error_code


def install_message(install: ThemeInstall) -> str:
    """What the merchant reads about ``install`` (in the active language)."""
    state, error_code = shown_state(install)
    if state == State.FAILED:
        template = ERROR_MESSAGES.get(error_code, ERROR_MESSAGES[Error.INTERNAL])
        if error_code == Error.SHOPIFY_REJECTED:
            return str(template) % {"detail": install.error_detail or _("no reason given")}
        if error_code == Error.ARCHIVE_TOO_LARGE:
            return str(template) % {"limit": filesizeformat(settings.THEME_MAX_ARCHIVE_BYTES)}
        return str(template)
    if state == State.READY:
        return str(STATE_MESSAGES[State.READY]) % {"name": install.theme_name}
    return str(STATE_MESSAGES[state])


def install_json(install: ThemeInstall | None) -> dict[str, Any] | None:
    """The install as the Tema page's script reads it (no source URL, no token, no file name)."""
    if install is None:
        return None
    state, error_code = shown_state(install)
    numeric_id = install.theme_numeric_id
    finished = state in (State.READY, State.FAILED)
    return {
        "id": install.pk,
        "state": state,
        "state_label": str(State(state).label),
        "active": state in ThemeInstall.ACTIVE_STATES,
        "step": STEPS.index(state) if state in STEPS else 0,
        "steps": len(STEPS) - 1,
        "message": install_message(install),
        "error_code": error_code,
        "theme_name": install.theme_name,
        "theme_id": install.theme_id,
        "version": install.version.strip('"')[:12],
        "editor_url": editor_url(install.shop, numeric_id) if state == State.READY else "",
        "preview_url": preview_url(install.shop, numeric_id) if state == State.READY else "",
        "created_at": install.created_at.isoformat(),
        "finished_at": install.finished_at.isoformat() if finished and install.finished_at else None,
    }


def theme_json(theme: ShopifyTheme, *, shop: str, installed_ids: set[str]) -> dict[str, Any]:
    return {
        "id": theme.id,
        "name": theme.name,
        "role": theme.role,
        "role_label": str(ROLE_LABELS.get(theme.role, theme.role.title())),
        "processing": theme.processing,
        "processing_failed": theme.processing_failed,
        "installed_by_app": theme.id in installed_ids,
        "editor_url": editor_url(shop, theme.numeric_id),
        "preview_url": preview_url(shop, theme.numeric_id),
        "updated_at": theme.updated_at,
    }


def page_text() -> dict[str, str]:
    """The strings the page's script shows, in the active language."""
    return {
        "install": _("Install theme"),
        "installAgain": _("Install again"),
        "installCopy": _("Install another copy"),
        "confirmInstall": _("Install"),
        "installedOn": _("Installed on %(date)s"),
        "againNote": _(
            "You installed “%(name)s” on %(date)s. Installing it again adds another copy to your theme library; "
            "the one you have does not change."
        ),
        "installing": _("Installing…"),
        "installed": _("Theme installed"),
        "retry": _("Try again"),
        "customise": _("Customise"),
        "preview": _("Preview"),
        "installedByApp": _("Installed by the app"),
        "processing": _("Processing"),
        "processingFailed": _("Processing failed"),
        "noThemes": _("Your shop has no themes yet."),
        "themesError": _("Your themes could not be loaded."),
        "networkError": _("The app could not reach the server. Check your connection; the page keeps trying."),
        "libraryFull": _(
            "Your theme library has %(count)s of %(limit)s themes. Delete a theme in Online Store › Themes "
            "before installing."
        ),
        "slowStart": _("This is taking longer than usual. If it does not start in a few minutes, contact support."),
    }


@embedded_view
@require_GET
def page(request: EmbeddedHttpRequest) -> HttpResponse:
    """Tema: the theme, its install button and progress, and the shop's themes.

    Renders from the database and settings only (but for the shop's time zone, read from
    Shopify once when it is not known yet); the theme list is fetched by the page after it
    rendered.
    """
    context = {
        **embedded_context(request, time_zone=shop_time_zone_get(shop=request.shop)),
        "active": "theme",
        "theme_name": settings.THEME_NAME,
        "source_configured": sources.theme_source_get() is not None,
        "can_write_themes": shopify_session_has_scope(shop=request.shop, scope="write_themes"),
        "theme_page": {
            "install": install_json(selectors.theme_install_latest(shop=request.shop)),
            "installed": install_json(selectors.theme_install_latest_ready(shop=request.shop)),
            "urls": {
                "install": reverse("app_theme_install"),
                "status": reverse("app_theme_status"),
                "themes": reverse("app_theme_themes"),
            },
            "text": page_text(),
            "pollMilliseconds": 2000,
        },
    }
    return render(request, "themes/page.html", context)


def _confirmed_again(request: EmbeddedHttpRequest) -> bool:
    """Whether the merchant confirmed installing a second copy: ``{"again": true}`` in a JSON
    body; any other body (a form, no body, something else) confirms nothing."""
    if request.content_type != "application/json":
        return False
    try:
        return read_json(request).get("again") is True
    except ApplicationError:
        return False


@csrf_exempt  # authenticated by the bearer session token, not by a cookie
@embedded_view
@require_POST
def install(request: EmbeddedHttpRequest) -> JsonResponse:
    """Start installing the theme for the session's shop (202), or say why not (``embedded_view``
    accepts a POST's session token only in its header; a theme installed before is installed
    again only with ``{"again": true}``)."""
    try:
        started = services.theme_install_start(
            shop=request.shop, user_id=request.embedded.session_token.user_id, again=_confirmed_again(request)
        )
    except ApplicationError as error:
        body = error.as_dict()
        body["install"] = install_json(selectors.theme_install_latest(shop=request.shop))
        body["installed"] = install_json(selectors.theme_install_latest_ready(shop=request.shop))
        return JsonResponse(body, status=error.status)
    started.refresh_from_db()
    return JsonResponse({"install": install_json(started)}, status=202)


@embedded_view
@require_GET
def status(request: EmbeddedHttpRequest) -> JsonResponse:
    """The shop's latest install, read from the database (never from Shopify)."""
    return JsonResponse({"install": install_json(selectors.theme_install_latest(shop=request.shop))})


@embedded_view
@require_GET
def shop_themes(request: EmbeddedHttpRequest) -> JsonResponse:
    """The shop's themes with their roles, from Shopify (called by the page after it rendered)."""
    try:
        themes = services.shopify_themes_of(shop=request.shop)
    except ApplicationError as error:
        return JsonResponse(error.as_dict(), status=error.status)
    installed_ids = selectors.theme_installed_ids(shop=request.shop)
    return JsonResponse(
        {
            "themes": [theme_json(theme, shop=request.shop, installed_ids=installed_ids) for theme in themes],
            "count": len(themes),
            "limit": THEME_LIBRARY_LIMIT,
        }
    )


def download_filename(archive: ThemeArchive) -> str:
    """``ecomdrop-theme-<version>.zip`` with letters, digits, dots and dashes only: a version may be
    an ETag such as ``W/"5f3a…"`` (quotes, slashes and semicolons do not belong in a file name)."""
    version = archive.version.removeprefix("W/").removeprefix("sha256:")
    version = re.sub(r"[^0-9A-Za-z.-]", "", version)[:12].strip(".")
    return f"ecomdrop-theme-{version or 'latest'}.zip"


@never_cache
@require_http_methods(["GET", "HEAD"])
def download(request: HttpRequest, token: str) -> HttpResponseBase:
    """Serve an install's archive to Shopify while its signed token is valid (no CORS: Shopify
    fetches it server to server). 410 once expired or finished; 404 for anything not ours."""
    try:
        install_row, archive = downloads.theme_download_resolve(token=token)
    except ApplicationError as error:
        return HttpResponse(error.message, status=error.status, content_type="text/plain; charset=utf-8")
    filename = download_filename(archive)
    response: HttpResponseBase
    if request.method == "HEAD":
        response = HttpResponse(content_type="application/zip")
        response["Content-Length"] = str(archive.size)
        response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    else:
        response = FileResponse(
            default_storage.open(archive.file, "rb"),
            content_type="application/zip",
            as_attachment=True,
            filename=filename,
        )
        response["Content-Length"] = str(archive.size)
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"
    logger.info(
        "Served the theme archive (%s)",
        request.method,
        extra={"shop": install_row.shop, "install_id": install_row.pk, "archive_id": archive.pk},
    )
    return response
