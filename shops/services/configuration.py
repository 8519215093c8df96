"""Use cases for a shop's configuration.

Owns: creating the configuration row (with its callback secret), rotating that secret,
connecting Ecomdrop (key verified before it is saved; a key of another account resets what
belonged to the old one), choosing flows (only flows that exist in the account), the status of the contact custom
fields the deliveries write, and the Dropi settings (token checked with Dropi, pushed to the
country's Ecomdrop bot field).
Vendor calls go through connector/ecomdrop and connector/dropi; none runs inside a transaction.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from connector import crypto
from connector.ecomdrop.client import Account, EcomdropClient, Flow
from connector.ecomdrop.errors import EcomdropAuthError, EcomdropError
from connector.errors import ApplicationError
from connector.validators import is_credential_text, validate_shop_domain
from shops.countries import COUNTRIES_BY_CODE
from shops.models import EcomdropBotField, ShopConfiguration
from shops.services.dropi_account import dropi_token_check
from shops.services.ecomdrop_contacts import (
    ecomdrop_account_cache_key,
    ecomdrop_contact_field_names_in_use,
    ecomdrop_custom_field_ids,
)
from shops.signals import ecomdrop_connected

logger = logging.getLogger(__name__)

FLOWS_CACHE_SECONDS = 60

CALLBACK_SECRET_BYTES = 32  # 43 url-safe characters
CALLBACK_HASH_PURPOSE = "shops.callback-secret"


def callback_secret_hash(secret: str) -> str:
    """The keyed hash stored next to the encrypted secret for look-ups."""
    return crypto.keyed_hashes(secret, purpose=CALLBACK_HASH_PURPOSE)[0]


def callback_secret_hash_candidates(secret: str) -> list[str]:
    """Every hash ``secret`` may be stored under (current and fallback SECRET_KEYs)."""
    return crypto.keyed_hashes(secret, purpose=CALLBACK_HASH_PURPOSE)


def _assign_new_callback_secret(configuration: ShopConfiguration) -> None:
    secret = secrets.token_urlsafe(CALLBACK_SECRET_BYTES)
    configuration.callback_secret = secret
    configuration.callback_secret_hash = callback_secret_hash(secret)


def shop_configuration_get_or_create(*, shop: str) -> tuple[ShopConfiguration, bool]:
    """Return the shop's configuration, creating it (with a fresh callback secret) if missing.

    Idempotent and safe under concurrency: a racing insert is answered with the existing row.
    Raises ValidationError for an invalid shop domain.
    """
    validate_shop_domain(shop)
    existing = ShopConfiguration.objects.filter(shop=shop).first()
    if existing is not None:
        return existing, False
    configuration = ShopConfiguration(shop=shop)
    _assign_new_callback_secret(configuration)
    try:
        with transaction.atomic():
            configuration.save(force_insert=True)
    except IntegrityError:
        return ShopConfiguration.objects.get(shop=shop), False
    return configuration, True


def shop_configuration_ensure_callback_secret(*, configuration: ShopConfiguration) -> None:
    """Give ``configuration`` a callback secret if it has none (unsaved; the caller saves)."""
    if not configuration.callback_secret:
        _assign_new_callback_secret(configuration)


def shop_configuration_rotate_callback_secret(*, configuration: ShopConfiguration) -> None:
    """Replace the shop's callback secret; the old one stops working at once."""
    _assign_new_callback_secret(configuration)
    configuration.save(update_fields=["callback_secret", "callback_secret_hash", "updated_at"])


def _configuration(shop: str) -> ShopConfiguration:
    return shop_configuration_get_or_create(shop=shop)[0]


def _forget_cached_account_data(api_key: str) -> None:
    """Drop what the pages and the deliveries keep about the account of ``api_key``."""
    cache.delete_many([ecomdrop_account_cache_key(kind, api_key) for kind in ("flows", "flow-ids", "custom-fields")])


def _ecomdrop_error_message(error: EcomdropError) -> str:
    if isinstance(error, EcomdropAuthError):
        return _("Ecomdrop did not accept this API key. Copy it again from your Ecomdrop account.")
    if error.retryable:
        return _("Ecomdrop is not answering right now. Try again in a minute.")
    return _("Ecomdrop refused the request.")


FLOW_FIELDS = ("nuevo_pedido_flow_id", "carrito_abandonado_flow_id")


def _ecomdrop_account_switch(*, configuration: ShopConfiguration, api_key: str, account: Account) -> list[str]:
    """Prepare ``configuration`` (unsaved) for the account of the key being connected; return
    the fields it changed.

    The same account as before (a new key of it): only the id is recorded. Another account: the
    chosen flows are cleared (``ecomdrop_flows_cleared`` tells the page to ask for new ones).
    An account that cannot be told apart (no key before, a row saved before account ids were
    stored, an answer without an id): the flows stay only if the new account has them all.
    In both cases the stored Dropi token is pushed to the new account's bot field (a harmless
    repeat when it was the same account). The key's cached flows and contact fields are
    forgotten either way. Raises ApplicationError when the push fails.
    """
    previous_id = configuration.ecomdrop_account_id
    new_id = account.id[:64]
    told_apart = bool(configuration.ecomdrop_api_key and previous_id and new_id)
    configuration.ecomdrop_account_id = new_id
    changed = ["ecomdrop_account_id"]
    _forget_cached_account_data(api_key)
    if told_apart and previous_id == new_id:
        return changed
    chosen = [getattr(configuration, field) for field in FLOW_FIELDS if getattr(configuration, field)]
    if chosen and (told_apart or not _flows_exist(api_key, chosen)):
        for field in FLOW_FIELDS:
            setattr(configuration, field, None)
        configuration.ecomdrop_flows_cleared = True
        changed += [*FLOW_FIELDS, "ecomdrop_flows_cleared"]
    if configuration.dropi_token and configuration.dropi_country:
        try:
            _dropi_token_push(
                api_key=api_key, country=configuration.dropi_country, token=configuration.dropi_token.reveal()
            )
        except ApplicationError as error:
            raise ApplicationError(
                _("Your Dropi token could not be sent to this Ecomdrop account, so nothing was saved: %(reason)s")
                % {"reason": error.message},
                field="api_key",
                code=error.code,
                status=error.status,
            ) from error
    return changed


def _flows_exist(api_key: str, flow_ids: list[str]) -> bool:
    """Whether every flow id exists in the account of ``api_key``. When Ecomdrop cannot say, the
    merchant's choice is kept: each delivery checks its flow before sending anyway."""
    try:
        known = {flow.id for flow in EcomdropClient(api_key=api_key).flows()}
    except EcomdropError:
        logger.warning("Could not list the Ecomdrop flows while connecting; the chosen flows are kept")
        return True
    return all(flow_id in known for flow_id in flow_ids)


def ecomdrop_connect(*, shop: str, api_key: str) -> ShopConfiguration:
    """Verify ``api_key`` against Ecomdrop and save it (encrypted) with the account name, then
    send ``shops.signals.ecomdrop_connected`` (the assistant queues its profile's sync).

    Nothing is saved when Ecomdrop refuses the key or cannot be reached (ApplicationError).

    A key of another account (see ``_ecomdrop_account_switch``) clears the flows chosen in the
    old one and pushes the stored Dropi token to the new one; nothing is saved when that push
    fails. A new key of the same account keeps everything.
    """
    api_key = (api_key or "").strip()
    if not api_key:
        raise ApplicationError(_("Enter your Ecomdrop API key."), field="api_key", code="required")
    if len(api_key) > 512:
        raise ApplicationError(_("This does not look like an Ecomdrop API key."), field="api_key", code="too_long")
    if not is_credential_text(api_key):
        raise ApplicationError(_("This does not look like an Ecomdrop API key."), field="api_key", code="invalid")
    try:
        account = EcomdropClient(api_key=api_key).account()
    except EcomdropError as error:
        raise ApplicationError(_ecomdrop_error_message(error), field="api_key", code="ecomdrop") from error
    configuration = _configuration(shop)
    switched_fields = _ecomdrop_account_switch(configuration=configuration, api_key=api_key, account=account)
    configuration.ecomdrop_api_key = api_key
    configuration.ecomdrop_account_name = account.name[:255]
    configuration.save(update_fields=["ecomdrop_api_key", "ecomdrop_account_name", "updated_at", *switched_fields])
    logger.info("Ecomdrop connected", extra={"shop": shop})
    # The key is saved: a failing receiver is logged, never turned into an error answer.
    for _receiver, result in ecomdrop_connected.send_robust(sender=ShopConfiguration, shop=shop):
        if isinstance(result, Exception):
            logger.error("A receiver of ecomdrop_connected failed: %s", type(result).__name__, extra={"shop": shop})
    return configuration


def ecomdrop_disconnect(*, shop: str) -> ShopConfiguration:
    """Forget the shop's Ecomdrop key and flows (automation stops: deliveries are skipped)."""
    configuration = _configuration(shop)
    configuration.ecomdrop_api_key = None
    configuration.ecomdrop_account_name = ""
    configuration.ecomdrop_account_id = ""
    configuration.nuevo_pedido_flow_id = None
    configuration.carrito_abandonado_flow_id = None
    configuration.ecomdrop_flows_cleared = False
    configuration.save(
        update_fields=[
            "ecomdrop_api_key",
            "ecomdrop_account_name",
            "ecomdrop_account_id",
            "nuevo_pedido_flow_id",
            "carrito_abandonado_flow_id",
            "ecomdrop_flows_cleared",
            "updated_at",
        ]
    )
    return configuration


def ecomdrop_flows_list(*, configuration: ShopConfiguration, refresh: bool = False) -> list[Flow]:
    """The account's flows, cached per key for 60 s (``refresh`` asks Ecomdrop again).

    Raises ApplicationError when the shop has no key or Ecomdrop fails.
    """
    if not configuration.ecomdrop_api_key:
        raise ApplicationError(_("Connect Ecomdrop first."), code="no_api_key")
    api_key = configuration.ecomdrop_api_key.reveal()
    key = ecomdrop_account_cache_key("flows", api_key)
    cached = None if refresh else cache.get(key)
    if cached is not None:
        return [Flow(id=flow_id, name=name) for flow_id, name in cached]
    try:
        flows = EcomdropClient(api_key=api_key).flows()
    except EcomdropError as error:
        raise ApplicationError(_ecomdrop_error_message(error), code="ecomdrop", status=502) from error
    cache.set(key, [(flow.id, flow.name) for flow in flows], FLOWS_CACHE_SECONDS)
    cache.delete(ecomdrop_account_cache_key("flow-ids", api_key))  # deliveries read the fresh list too
    return flows


def ecomdrop_flows_save(
    *,
    shop: str,
    nuevo_pedido_flow_id: str | None,
    carrito_abandonado_flow_id: str | None,
    abandoned_cart_delay_minutes: int | None = None,
) -> ShopConfiguration:
    """Choose the flows of both events (empty disables one); only flows of the account are accepted."""
    configuration = _configuration(shop)
    wanted = {
        "nuevo_pedido_flow_id": nuevo_pedido_flow_id or None,
        "carrito_abandonado_flow_id": carrito_abandonado_flow_id or None,
    }
    if any(wanted.values()):
        known = {flow.id for flow in ecomdrop_flows_list(configuration=configuration)}
        if not all(value in known for value in wanted.values() if value):
            known = {flow.id for flow in ecomdrop_flows_list(configuration=configuration, refresh=True)}
        for field, value in wanted.items():
            if value and value not in known:
                raise ApplicationError(
                    _("This flow does not exist in your Ecomdrop account. Refresh the flows and choose again."),
                    field=field,
                    code="unknown_flow",
                )
    update_fields = [*wanted, "ecomdrop_flows_cleared", "updated_at"]
    for field, value in wanted.items():
        setattr(configuration, field, value)
    configuration.ecomdrop_flows_cleared = False
    if abandoned_cart_delay_minutes is not None:
        if not 5 <= abandoned_cart_delay_minutes <= 7 * 24 * 60:
            raise ApplicationError(
                _("The delay must be between 5 minutes and 7 days."),
                field="abandoned_cart_delay_minutes",
                code="out_of_range",
            )
        configuration.abandoned_cart_delay_minutes = abandoned_cart_delay_minutes
        update_fields.append("abandoned_cart_delay_minutes")
    configuration.save(update_fields=update_fields)
    return configuration


@dataclass(frozen=True)
class ContactField:
    """A contact custom field the deliveries write: what it holds (``key``, see
    DEFAULT_FIELD_NAMES), its name in Ecomdrop and whether the account has it."""

    key: str
    name: str
    exists: bool


def ecomdrop_contact_fields_status(*, configuration: ShopConfiguration, refresh: bool = False) -> list[ContactField]:
    """Which of the contact custom fields the deliveries write exist in the shop's account.

    Reads the account's fields through the cache the deliveries use (5 minutes per key;
    ``refresh`` asks Ecomdrop again, so a field the merchant has just created is also used by
    the next delivery). Raises ApplicationError when the shop has no key or Ecomdrop fails.
    """
    if not configuration.ecomdrop_api_key:
        raise ApplicationError(_("Connect Ecomdrop first."), code="no_api_key")
    api_key = configuration.ecomdrop_api_key.reveal()
    try:
        existing = ecomdrop_custom_field_ids(EcomdropClient(api_key=api_key), api_key, fresh=refresh)
    except EcomdropError as error:
        raise ApplicationError(_ecomdrop_error_message(error), code="ecomdrop", status=502) from error
    names = ecomdrop_contact_field_names_in_use(configuration=configuration)
    return [ContactField(key=field_key, name=name, exists=name in existing) for field_key, name in names.items()]


# Used only when staff have not set the field in admin (EcomdropBotField rows seeded by
# shops/migrations/0003 with these values from the old app; reference/platforms.md).
DEFAULT_DROPI_TOKEN_FIELDS = {
    "CO": "640597",
    "EC": "805359",
    "CL": "665134",
    "GT": "747995",
    "MX": "641097",
    "PA": "742965",
    "PE": "142979",
    "PY": "240677",
}


def dropi_token_bot_field_id(country: str) -> str:
    """The Ecomdrop bot field that receives the Dropi token of ``country``: the admin's
    EcomdropBotField row ``dropi_token:<country>``, else the known default."""
    bot_field = EcomdropBotField.objects.filter(key=f"dropi_token:{country}").first()
    if bot_field is not None and bot_field.field_id:
        return bot_field.field_id
    if bot_field is None and country in DEFAULT_DROPI_TOKEN_FIELDS:
        return DEFAULT_DROPI_TOKEN_FIELDS[country]
    raise ApplicationError(
        _("No Ecomdrop field is configured for Dropi in %(country)s. Contact support.") % {"country": country},
        field="country",
        code="no_bot_field",
    )


def _dropi_token_push(*, api_key: str, country: str, token: str) -> None:
    """Write the Dropi token to the bot field of ``country`` in the account of ``api_key``.

    Raises ApplicationError when no field is configured for the country or Ecomdrop fails (502).
    """
    field_id = dropi_token_bot_field_id(country)
    try:
        EcomdropClient(api_key=api_key).set_bot_field(field_id=field_id, value=token)
    except EcomdropError as error:
        raise ApplicationError(_ecomdrop_error_message(error), code="ecomdrop", status=502) from error


def dropi_settings_save(*, shop: str, store_name: str, country: str, token: str | None = None) -> ShopConfiguration:
    """Save the Dropi store, country and token; push the token to the country's Ecomdrop bot field.

    A new token is first checked with Dropi (refused → field error; Dropi unreachable → saved
    unverified), then pushed to the chosen country's field; changing only the country pushes
    the stored token to the new country's field. Needs the Ecomdrop key. Nothing is saved when
    the check or the push fails (ApplicationError).
    """
    configuration = _configuration(shop)
    store_name = (store_name or "").strip()
    country = (country or "").strip().upper()
    token = (token or "").strip() or None
    if not store_name:
        raise ApplicationError(_("The store name is required."), field="store_name", code="required")
    if len(store_name) > 255:
        raise ApplicationError(_("The store name is too long."), field="store_name", code="too_long")
    if not country:
        raise ApplicationError(_("The country is required."), field="country", code="required")
    if country not in COUNTRIES_BY_CODE:
        raise ApplicationError(
            _("Invalid country: %(country)s") % {"country": country}, field="country", code="invalid"
        )
    if not configuration.ecomdrop_api_key:
        raise ApplicationError(_("Connect your Ecomdrop API key first."), code="no_api_key")
    if token is None and not configuration.dropi_token:
        raise ApplicationError(_("The Dropi token is required."), field="token", code="required")
    if token is not None and len(token) > 2048:
        raise ApplicationError(_("This does not look like a Dropi token."), field="token", code="too_long")
    if token is not None and not is_credential_text(token):
        raise ApplicationError(_("This does not look like a Dropi token."), field="token", code="invalid")

    if token is not None:
        dropi_token_check(shop=shop, token=token, country=country)
    push = token if token is not None else None
    if push is None and country != (configuration.dropi_country or "") and configuration.dropi_token is not None:
        push = configuration.dropi_token.reveal()
    if push is not None:
        _dropi_token_push(api_key=configuration.ecomdrop_api_key.reveal(), country=country, token=push)

    configuration.dropi_store_name = store_name
    configuration.dropi_country = country
    update_fields = ["dropi_store_name", "dropi_country", "updated_at"]
    if token is not None:
        configuration.dropi_token = token
        update_fields.append("dropi_token")
    configuration.save(update_fields=update_fields)
    return configuration
