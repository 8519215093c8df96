"""JSON endpoints of the Asistente IA tab (the tab itself is part of the Configuración page).

Views parse, call a service and answer; the sync to Ecomdrop runs in the background, never
while a request waits (except with the ``immediate`` task backend used by tests).
"""

from __future__ import annotations

from typing import Any

from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from assistant import selectors, services
from connector.embedded import EmbeddedHttpRequest, api_error, embedded_view, read_json
from connector.errors import ApplicationError
from connector.validators import parse_ascii_int

# A whole profile within PROFILE_TEXT_MAX_LENGTH characters (up to 4 bytes each in UTF-8).
PROFILE_BODY_LIMIT = 512 * 1024
# The revision column is a 32-bit positive integer.
MAX_REVISION = 2**31 - 1


def _base_revision(raw: Any) -> int | None:
    if raw in (None, ""):
        return None
    revision = (
        None
        if isinstance(raw, bool) or not isinstance(raw, (int, str))
        else parse_ascii_int(str(raw), maximum=MAX_REVISION)
    )
    if revision is None:
        raise ApplicationError(_("The revision must be a number."), field="revision")
    return revision


@embedded_view
@require_http_methods(["GET", "POST"])
def api_profile(request: EmbeddedHttpRequest) -> JsonResponse:
    """GET: the profile, its revision and sync state. POST ``{profile, revision}``: save it whole."""
    if request.method == "GET":
        return JsonResponse(selectors.ai_profile_page_state(shop=request.shop))
    try:
        body = read_json(request, limit=PROFILE_BODY_LIMIT)
        result = services.ai_profile_save(
            shop=request.shop, data=body.get("profile"), base_revision=_base_revision(body.get("revision"))
        )
    except ApplicationError as error:
        return api_error(error)
    return JsonResponse(
        {
            "message": _("AI assistant configuration saved."),
            "replaced_newer": result.replaced_newer,
            **selectors.ai_profile_page_state(shop=request.shop),
        }
    )


@embedded_view
@require_POST
def api_sync(request: EmbeddedHttpRequest) -> JsonResponse:
    """Sync the saved profile to Ecomdrop now ("Sincronizar ahora")."""
    configuration = selectors.ai_configuration_get(shop=request.shop)
    if configuration is None:
        return JsonResponse({"error": _("Save the assistant's profile first."), "code": "no_profile"}, status=400)
    try:
        services.ai_profile_sync_request(configuration=configuration)
    except ApplicationError as error:
        return api_error(error)
    return JsonResponse({"message": _("Sync requested."), **selectors.ai_profile_page_state(shop=request.shop)})
