"""The Ecomdrop API client (``ECOMDROP_API_URL``, header ``X-ACCESS-TOKEN``).

Owns: every HTTP call to Ecomdrop — account check, flows, custom fields, bot fields (list,
create, set), contacts and sending flows — made through connector/http.py, and the mapping of
its classified failures to Ecomdrop's typed errors. Takes primitives, returns small
dataclasses; never imports models, never logs the API key, phones or payloads.
Contract: reference/platforms.md (Ecomdrop). Answers are read tolerantly: some endpoints wrap
their result in ``{"data": …}``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from connector import http
from connector.concurrency import account_slot
from connector.ecomdrop.errors import (
    EcomdropAuthError,
    EcomdropBadRequest,
    EcomdropError,
    EcomdropNotFound,
    EcomdropRateLimited,
    EcomdropServerError,
    EcomdropTimeout,
    EcomdropUnavailable,
)
from connector.redaction import redact

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Account:
    id: str
    name: str


@dataclass(frozen=True)
class Flow:
    id: str
    name: str


@dataclass(frozen=True)
class CustomField:
    id: str
    name: str
    type: str


@dataclass(frozen=True)
class BotField:
    id: str
    name: str


@dataclass(frozen=True)
class Contact:
    id: str
    phone: str | None


def _unwrap(body: Any) -> Any:
    if isinstance(body, dict) and "data" in body and len(body) <= 3:
        return body["data"]
    return body


def _as_list(body: Any) -> list[dict[str, Any]]:
    body = _unwrap(body)
    if isinstance(body, list):
        return [item for item in body if isinstance(item, dict)]
    return []


class EcomdropClient:
    """One merchant's Ecomdrop account, identified by its API key."""

    def __init__(self, *, api_key: str, session: http.Session | None = None) -> None:
        if not api_key:
            raise EcomdropAuthError("No Ecomdrop API key")
        self.api_key = api_key
        self.base_url = settings.ECOMDROP_API_URL.rstrip("/")
        self.timeout = settings.HTTP_TIMEOUT_SECONDS
        self.session = session  # None: the process's shared pools (connector/http.py)

    def __repr__(self) -> str:
        return f"EcomdropClient({redact(self.base_url)})"

    # -- account
    def account(self) -> Account:
        """Who the key belongs to; raises EcomdropAuthError for a wrong key."""
        body = _unwrap(self._request("GET", "/accounts/me", operation="account"))
        if not isinstance(body, dict):
            raise EcomdropUnavailable("Ecomdrop answered an unreadable account")
        return Account(id=str(body.get("id", "")), name=str(body.get("name") or body.get("account_name") or ""))

    def flows(self) -> list[Flow]:
        body = self._request("GET", "/accounts/flows", operation="flows")
        return [
            Flow(id=str(item["id"]), name=str(item.get("name") or item["id"]))
            for item in _as_list(body)
            if "id" in item
        ]

    def custom_fields(self) -> list[CustomField]:
        body = self._request("GET", "/accounts/custom_fields", operation="custom fields")
        return [
            CustomField(id=str(item["id"]), name=str(item.get("name", "")), type=str(item.get("type", "")))
            for item in _as_list(body)
            if "id" in item
        ]

    def set_bot_field(self, *, field_id: str, value: str) -> None:
        """Write an account-level value (Dropi token per country, AI profile parts)."""
        self._write("POST", f"/accounts/bot_fields/{field_id}", data={"value": value}, operation="bot field")

    def bot_fields(self) -> list[BotField]:
        """The account's bot fields (id and name).

        Not in platforms.md: the ChatGPT-Builder-style API lists them at ``GET
        /accounts/bot_fields``; callers treat EcomdropNotFound as "cannot list".
        """
        body = self._request("GET", "/accounts/bot_fields", operation="list bot fields")
        return [BotField(id=str(item["id"]), name=str(item.get("name", ""))) for item in _as_list(body) if "id" in item]

    def create_bot_field(self, *, name: str, description: str = "", field_type: str = "text") -> BotField:
        """Create an account-level bot field and return it (best effort).

        Not in platforms.md: modelled on the ChatGPT-Builder-style API (``POST
        /accounts/bot_fields`` with ``name``, ``type``, ``description``), the same shape as its
        custom-field creation. Raises EcomdropNotFound/EcomdropBadRequest when Ecomdrop does
        not offer it; the field id can then be entered by staff (EcomdropBotField).
        """
        body = _unwrap(
            self._request(
                "POST",
                "/accounts/bot_fields",
                data={"name": name, "type": field_type, "description": description},
                operation="create bot field",
            )
        )
        if not isinstance(body, dict) or body.get("id") in (None, ""):
            raise EcomdropUnavailable("Ecomdrop did not return the new bot field's id")
        return BotField(id=str(body["id"]), name=str(body.get("name") or name))

    # -- contacts
    def find_contact_by_phone(self, *, phone: str) -> Contact | None:
        body = self._request(
            "GET",
            "/contacts/find_by_custom_field",
            params={"field_id": "phone", "value": phone},
            operation="find contact",
            not_found_is_empty=True,
        )
        contacts = _as_list(body)
        if not contacts:
            return None
        first = contacts[0]
        return Contact(id=str(first.get("id")), phone=first.get("phone"))

    def create_contact(
        self,
        *,
        phone: str,
        email: str | None = None,
        first_name: str | None = None,
        last_name: str | None = None,
        fields: dict[str, str] | None = None,
    ) -> Contact:
        actions = [
            {"action": "set_field_value", "field_name": name, "value": value} for name, value in (fields or {}).items()
        ]
        payload: dict[str, Any] = {"phone": phone, "actions": actions}
        for key, value in (("email", email), ("first_name", first_name), ("last_name", last_name)):
            if value:
                payload[key] = value
        body = _unwrap(self._request("POST", "/contacts", json=payload, operation="create contact"))
        if not isinstance(body, dict) or body.get("id") is None:
            raise EcomdropUnavailable("Ecomdrop did not return the new contact's id")
        return Contact(id=str(body["id"]), phone=body.get("phone", phone))

    def set_contact_field(self, *, contact_id: str, field_id: str, value: str) -> None:
        self._write(
            "POST", f"/contacts/{contact_id}/custom_fields/{field_id}", data={"value": value}, operation="set field"
        )

    def send_flow(self, *, contact_id: str, flow_id: str) -> None:
        """Start ``flow_id`` for the contact. The body must not be empty (Ecomdrop answers 411)."""
        self._write("POST", f"/contacts/{contact_id}/send/{flow_id}", json={}, operation="send flow")

    # -- transport
    def _write(self, method: str, path: str, *, operation: str, **body: Any) -> None:
        """A change whose answer is not needed: a 2xx means Ecomdrop acted on it, so its body is
        not read (an unreadable one must not turn a flow that went out into a failure)."""
        self._request(method, path, operation=operation, read_answer=False, **body)

    def _request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, str] | None = None,
        data: dict[str, str] | None = None,
        json: Any = None,
        operation: str,
        not_found_is_empty: bool = False,
        read_answer: bool = True,
    ) -> Any:
        headers = {"X-ACCESS-TOKEN": self.api_key, "Accept": "application/json"}
        url = f"{self.base_url}{path}"
        try:
            with account_slot("ecomdrop", self.api_key, settings.ECOMDROP_ACCOUNT_CONCURRENCY):
                response = http.request(
                    method,
                    url,
                    params=params,
                    data=data,
                    json=json,
                    headers=headers,
                    timeout=self.timeout,
                    session=self.session,
                )
            if response.status_code == 404 and not_found_is_empty:
                return []
            failure = http.status_error(response)
            if failure is None:
                return http.read_json(response, allow_empty=True) if read_answer else None
        except http.HttpError as error:
            failure = error
        raise _error(failure, operation) from failure


def _error(failure: http.HttpError, operation: str) -> EcomdropError:
    """The Ecomdrop error class of a classified failure (the class names are what deliveries record)."""
    status = failure.status
    if status is None:
        logger.warning("Ecomdrop %s: %s", operation, failure.reason.value)
        if failure.reason is http.Reason.READ_TIMEOUT:
            return EcomdropTimeout(f"Ecomdrop did not answer in time ({operation})")
        if failure.reason is http.Reason.CONNECTION_LOST:
            return EcomdropTimeout(f"Ecomdrop closed the connection before answering ({operation})")
        if failure.kind is http.Kind.FINAL:
            return EcomdropError(f"Ecomdrop request failed ({operation})")
        return EcomdropUnavailable(f"Ecomdrop could not be reached ({operation})")
    logger.warning("Ecomdrop %s answered HTTP %s", operation, status)
    if failure.reason is http.Reason.UNREADABLE:
        return EcomdropError(f"Ecomdrop answered a body that is not JSON ({operation})", status=status)
    if status in (401, 403):
        return EcomdropAuthError("Ecomdrop refused the API key", status=status)
    if status == 404:
        return EcomdropNotFound(f"Ecomdrop: not found ({operation})", status=status)
    if status == 429:
        wait = failure.wait_seconds(default=30.0, minimum=1.0)
        return EcomdropRateLimited("Ecomdrop is rate limiting this account", retry_after=wait, status=status)
    if status >= 500:
        # 503 says "not now" before acting; another 5xx to a change may come after it acted.
        error_class = EcomdropServerError if failure.may_have_been_processed else EcomdropUnavailable
        return error_class(f"Ecomdrop answered HTTP {status} ({operation})", status=status)
    if status in (400, 411, 422):
        return EcomdropBadRequest(f"Ecomdrop refused the request ({operation}, HTTP {status})", status=status)
    return EcomdropError(f"Ecomdrop answered HTTP {status} ({operation})", status=status)
