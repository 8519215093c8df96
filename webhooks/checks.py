"""System checks of the webhooks app: the functions settings name for it exist.

Owns: checking, at every `manage.py check` (and start of runserver, migrate…), that every
handler of settings.WEBHOOK_HANDLERS, every confirmation of settings.WEBHOOK_CONFIRMATIONS
(for a topic that has a handler), every reducer of settings.WEBHOOK_PAYLOAD_REDUCERS and every
function of settings.PERSONAL_DATA imports, and that the models the shop erasers cover exist.
Must not write anything.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.conf import settings
from django.core import checks

from connector.checks import dotted_path_errors
from webhooks.privacy import personal_data_paths


@checks.register()
def check_webhook_handlers(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    return dotted_path_errors("WEBHOOK_HANDLERS", settings.WEBHOOK_HANDLERS.values(), check_id="webhooks.E001")


@checks.register()
def check_webhook_confirmations(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    messages = dotted_path_errors(
        "WEBHOOK_CONFIRMATIONS", settings.WEBHOOK_CONFIRMATIONS.values(), check_id="webhooks.E004"
    )
    for topic in sorted(set(settings.WEBHOOK_CONFIRMATIONS) - set(settings.WEBHOOK_HANDLERS)):
        messages.append(
            checks.Error(
                f"WEBHOOK_CONFIRMATIONS confirms {topic!r}, which has no handler in WEBHOOK_HANDLERS.",
                hint="A confirmation only decides whether a handler runs: add the handler or remove the entry.",
                id="webhooks.E005",
            )
        )
    return messages


@checks.register()
def check_webhook_payload_reducers(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    return dotted_path_errors(
        "WEBHOOK_PAYLOAD_REDUCERS", settings.WEBHOOK_PAYLOAD_REDUCERS.values(), check_id="webhooks.E006"
    )


@checks.register()
def check_personal_data(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    messages = dotted_path_errors("PERSONAL_DATA", personal_data_paths(), check_id="webhooks.E002")
    for path, labels in settings.PERSONAL_DATA["shop_erasers"].items():
        for label in labels:
            try:
                apps.get_model(label)
            except (LookupError, ValueError):
                messages.append(
                    checks.Error(
                        f"PERSONAL_DATA says {path!r} erases {label!r}, which is not an installed model.",
                        hint="Name models as app_label.ModelName in connector/settings.py › PERSONAL_DATA.",
                        id="webhooks.E003",
                    )
                )
    return messages
