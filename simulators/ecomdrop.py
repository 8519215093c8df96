"""A local Ecomdrop for tests, demos and benchmarks.

Accounts are keyed by API key (``add_api_key`` gives an account a second key, as rotating a
key in Ecomdrop does; every ``add_account`` is another account with its own id); each has
flows, custom fields (``add_account(custom_fields=…)`` builds an account lacking some,
``add_custom_field`` creates one later as the merchant would), bot fields and contacts, and
records every flow sent. Bot fields can be listed and created (``bot_field_api``; off answers
404 like an Ecomdrop without those calls); with ``strict_bot_fields`` a value written to an
unknown field id is refused (404) instead of being stored. Besides the base failures
(answered before the request is acted on), ``stall_next`` answers late *after* acting on it —
the ambiguous timeout — and ``random_failures`` mixes both for load tests.

Run it by hand: ``python -m simulators.ecomdrop --port 9200`` (one account, API key
``demo-ecomdrop-key-0000``, ``DEMO_API_KEY``), or with the app: ``make demo``.
"""

from __future__ import annotations

import argparse
import itertools
import random
import re
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from simulators.base import Request, Response, SimulatorServer, serve_until_interrupted


@dataclass
class SimContact:
    id: str
    phone: str
    email: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    fields: dict[str, str] = field(default_factory=dict)
    tags: list[str] = field(default_factory=list)


class Contacts(dict[str, SimContact]):
    """An account's contacts by id, also found by phone without a scan (``by_phone``): a
    benchmark's account holds thousands, looked up once per order. Tests change the dict
    directly (``clear``, deleting a contact), which keeps the index in step."""

    def __init__(self) -> None:
        super().__init__()
        self._phones: dict[str, list[str]] = {}

    def __setitem__(self, contact_id: str, contact: SimContact) -> None:
        if contact_id in self:
            del self[contact_id]
        super().__setitem__(contact_id, contact)
        self._phones.setdefault(contact.phone, []).append(contact_id)

    def __delitem__(self, contact_id: str) -> None:
        contact = self[contact_id]
        super().__delitem__(contact_id)
        self._phones[contact.phone].remove(contact_id)

    def clear(self) -> None:
        super().clear()
        self._phones.clear()

    def pop(self, *args: object) -> SimContact:
        raise NotImplementedError("delete with del contacts[id]: the phone index follows it")

    popitem = setdefault = update = __ior__ = pop  # type: ignore[assignment]

    def __reduce__(self) -> tuple[Any, ...]:
        # A copy gets its own index, built again as its items are set (not the original's).
        return type(self), (), None, None, iter(dict.items(self))

    def by_phone(self, phone: str) -> list[SimContact]:
        """The contacts with ``phone``, oldest first (as a scan of the dict finds them)."""
        return [self[contact_id] for contact_id in self._phones.get(phone, ())]


@dataclass
class SimAccount:
    api_key: str
    id: str
    name: str
    flows: dict[str, str] = field(default_factory=dict)
    custom_fields: dict[str, tuple[str, str]] = field(default_factory=dict)
    bot_fields: dict[str, str] = field(default_factory=dict)
    bot_field_definitions: dict[str, tuple[str, str, str]] = field(default_factory=dict)  # id → name, type, text
    bot_field_api: bool = True
    strict_bot_fields: bool = False
    contacts: Contacts = field(default_factory=Contacts)
    sends: list[tuple[str, str, float]] = field(default_factory=list)
    # Every contact write and flow send, in the order they were acted on:
    # ("field", contact id, field name, value) or ("send", contact id, flow id, "").
    log: list[tuple[str, str, str, str]] = field(default_factory=list)


ROUTES = [
    ("GET", re.compile(r"^/accounts/me$"), "account"),
    ("GET", re.compile(r"^/accounts/flows$"), "flows"),
    ("GET", re.compile(r"^/accounts/custom_fields$"), "custom_fields"),
    ("GET", re.compile(r"^/accounts/bot_fields$"), "list_bot_fields"),
    ("POST", re.compile(r"^/accounts/bot_fields$"), "create_bot_field"),
    ("POST", re.compile(r"^/accounts/bot_fields/(?P<field_id>[^/]+)$"), "bot_field"),
    ("GET", re.compile(r"^/contacts/find_by_custom_field$"), "find_contact"),
    ("POST", re.compile(r"^/contacts$"), "create_contact"),
    ("POST", re.compile(r"^/contacts/(?P<contact_id>[^/]+)/custom_fields/(?P<field_id>[^/]+)$"), "set_field"),
    ("POST", re.compile(r"^/contacts/(?P<contact_id>[^/]+)/send/(?P<flow_id>[^/]+)$"), "send_flow"),
]

# The key of the account a demo starts with (``main`` and ``make demo``).
DEMO_API_KEY = "demo-ecomdrop-key-0000"

DEFAULT_CUSTOM_FIELDS = {
    "101": ("pedido_nombre", "text"),
    "102": ("pedido_total", "text"),
    "103": ("pedido_moneda", "text"),
    "104": ("pedido_productos", "text"),
    "105": ("pedido_direccion", "text"),
    "106": ("pedido_ciudad", "text"),
    "107": ("pedido_pago", "text"),
    "108": ("pedido_url", "text"),
    "109": ("carrito_url", "text"),
    "110": ("pedido_id", "text"),
    # The fields the bot needs to place the order in Dropi.
    "111": ("pedido_dropi_json", "text"),
    "112": ("pedido_direccion1", "text"),
    "113": ("pedido_direccion2", "text"),
    "114": ("pedido_ciudad_dropi", "text"),
    "115": ("pedido_departamento", "text"),
    "116": ("pedido_departamento_codigo", "text"),
    "117": ("pedido_codigo_postal", "text"),
    "118": ("pedido_pais", "text"),
    "119": ("pedido_nota", "text"),
    "120": ("pedido_pasarela", "text"),
    "121": ("pedido_contra_entrega", "text"),
}


class EcomdropSimulator(SimulatorServer):
    def __init__(self, *, latency: float = 0.0) -> None:
        super().__init__(latency=latency)
        self.accounts: dict[str, SimAccount] = {}
        self._ids = itertools.count(1000)
        self._state = threading.RLock()
        self._stalls: dict[str, list[float]] = {}
        self.failure_rate = 0.0
        self.timeout_share = 0.5
        self.stall_seconds = 0.0
        self.random = random.Random(7)  # noqa: S311 (deterministic load mix, not security)
        self.failure_kinds: set[str] | None = None

    def base_api_url(self) -> str:
        """The value for ``ECOMDROP_API_URL``."""
        return f"{self.base_url}/api"

    # -- set-up helpers
    def add_account(
        self,
        api_key: str,
        *,
        name: str = "Tienda Demo",
        flows: dict[str, str] | None = None,
        custom_fields: dict[str, tuple[str, str]] | None = None,
    ) -> SimAccount:
        account = SimAccount(
            api_key=api_key,
            id=str(next(self._ids)),
            name=name,
            flows=dict(flows if flows is not None else {"9001": "Confirmación de pedido", "9002": "Recuperar carrito"}),
            custom_fields=dict(custom_fields if custom_fields is not None else DEFAULT_CUSTOM_FIELDS),
        )
        with self._state:
            self.accounts[api_key] = account
        return account

    def add_api_key(self, api_key: str, *, new_api_key: str) -> SimAccount:
        """Give the account of ``api_key`` another key (the same account, id and data)."""
        with self._state:
            account = self.accounts[api_key]
            self.accounts[new_api_key] = account
        return account

    def add_custom_field(self, api_key: str, name: str, *, kind: str = "text") -> str:
        """Create a contact custom field in the account (as the merchant would in Ecomdrop); return its id."""
        with self._state:
            field_id = str(next(self._ids))
            self.accounts[api_key].custom_fields[field_id] = (name, kind)
        return field_id

    def revoke(self, api_key: str) -> None:
        """Forget ``api_key``: every later call with it answers 401 (a revoked key)."""
        with self._state:
            self.accounts.pop(api_key, None)

    def add_bot_field(self, api_key: str, name: str, *, field_id: str | None = None, value: str = "") -> str:
        """Create a bot field in the account (as the merchant would in Ecomdrop); return its id."""
        with self._state:
            account = self.accounts[api_key]
            field_id = field_id or str(next(self._ids))
            account.bot_field_definitions[field_id] = (name, "text", "")
            account.bot_fields[field_id] = value
        return field_id

    def bot_field_values(self, api_key: str) -> dict[str, str]:
        """The account's bot field values by field name (ids without a definition by id)."""
        with self._state:
            account = self.accounts[api_key]
            return {
                account.bot_field_definitions.get(field_id, (field_id,))[0]: value
                for field_id, value in account.bot_fields.items()
            }

    def stall_next(self, kind: str, *, seconds: float, times: int = 1) -> None:
        """Act on the next ``times`` requests of ``kind``, then answer only after ``seconds``."""
        with self._state:
            self._stalls.setdefault(kind, []).extend([seconds] * times)

    def sends_to(self, api_key: str) -> list[tuple[str, str, float]]:
        with self._state:
            return list(self.accounts[api_key].sends)

    def contact_by_phone(self, api_key: str, phone: str) -> SimContact | None:
        with self._state:
            found = self.accounts[api_key].contacts.by_phone(phone)
        return found[0] if found else None

    # -- routing
    def handle(self, request: Request) -> Response:
        path = request.path.removeprefix("/api")
        for method, pattern, kind in ROUTES:
            match = pattern.match(path)
            if match and request.method == method:
                request.kind = kind
                failure = self.injected_failure(request) or self._random_failure(kind)
                if failure is not None:
                    return failure
                account = self.accounts.get(request.headers.get("x-access-token", ""))
                if account is None:
                    return Response(401, {"message": "Unauthenticated."})
                response = getattr(self, f"_{kind}")(account, request, **match.groupdict())
                self._maybe_stall(kind)
                return response
        request.kind = "unknown"
        return Response(404, {"message": "Not found"})

    def _random_failure(self, kind: str) -> Response | None:
        if not self.failure_rate or (self.failure_kinds is not None and kind not in self.failure_kinds):
            return None
        with self._state:
            roll = self.random.random()
            timeout = self.random.random() < self.timeout_share
        if roll >= self.failure_rate:
            return None
        if timeout:
            self.stall_next(kind, seconds=self.stall_seconds)
            return None
        return Response(503, {"message": "Service unavailable"})

    def _maybe_stall(self, kind: str) -> None:
        with self._state:
            queue = self._stalls.get(kind)
            delay = queue.pop(0) if queue else 0.0
        if delay:
            time.sleep(delay)

    # -- endpoints
    def _account(self, account: SimAccount, request: Request) -> Response:
        return Response(200, {"id": account.id, "name": account.name})

    def _flows(self, account: SimAccount, request: Request) -> Response:
        return Response(200, [{"id": flow_id, "name": name} for flow_id, name in account.flows.items()])

    def _custom_fields(self, account: SimAccount, request: Request) -> Response:
        return Response(
            200,
            [
                {"id": field_id, "name": name, "type": kind, "description": ""}
                for field_id, (name, kind) in account.custom_fields.items()
            ],
        )

    def _bot_field(self, account: SimAccount, request: Request, field_id: str) -> Response:
        value = request.form().get("value")
        if value is None:
            return Response(422, {"message": "value is required"})
        with self._state:
            if account.strict_bot_fields and field_id not in account.bot_field_definitions:
                return Response(404, {"message": "Bot field not found"})
            account.bot_fields[field_id] = value
        return Response(200, {"success": True})

    def _list_bot_fields(self, account: SimAccount, request: Request) -> Response:
        if not account.bot_field_api:
            return Response(404, {"message": "Not found"})
        with self._state:
            fields = [
                {
                    "id": field_id,
                    "name": name,
                    "type": kind,
                    "description": text,
                    "value": account.bot_fields.get(field_id),
                }
                for field_id, (name, kind, text) in account.bot_field_definitions.items()
            ]
        return Response(200, {"data": fields})

    def _create_bot_field(self, account: SimAccount, request: Request) -> Response:
        if not account.bot_field_api:
            return Response(404, {"message": "Not found"})
        form = request.form()
        name = (form.get("name") or "").strip()
        if not name:
            return Response(422, {"message": "name is required"})
        with self._state:
            if any(existing == name for existing, _kind, _text in account.bot_field_definitions.values()):
                return Response(422, {"message": "A bot field with this name already exists"})
            field_id = str(next(self._ids))
            account.bot_field_definitions[field_id] = (name, form.get("type") or "text", form.get("description") or "")
        return Response(200, {"id": field_id, "name": name})

    def _find_contact(self, account: SimAccount, request: Request) -> Response:
        field_id = (request.query.get("field_id") or [""])[0]
        value = (request.query.get("value") or [""])[0]
        with self._state:
            found = account.contacts.by_phone(value) if field_id == "phone" else []
            matches = [{"id": item.id, "phone": item.phone, "first_name": item.first_name} for item in found]
        return Response(200, {"data": matches})

    def _create_contact(self, account: SimAccount, request: Request) -> Response:
        body = request.json() or {}
        phone = body.get("phone")
        if not phone:
            return Response(422, {"message": "phone is required"})
        names = {name: field_id for field_id, (name, _kind) in account.custom_fields.items()}
        with self._state:
            contact = SimContact(
                id=str(next(self._ids)),
                phone=phone,
                email=body.get("email"),
                first_name=body.get("first_name"),
                last_name=body.get("last_name"),
            )
            for action in body.get("actions") or []:
                if action.get("action") == "set_field_value" and action.get("field_name") in names:
                    contact.fields[names[action["field_name"]]] = str(action.get("value", ""))
                    account.log.append(("field", contact.id, action["field_name"], str(action.get("value", ""))))
                if action.get("action") == "add_tag":
                    contact.tags.append(str(action.get("tag_name", "")))
            account.contacts[contact.id] = contact
        return Response(200, {"id": contact.id, "phone": contact.phone})

    def _set_field(self, account: SimAccount, request: Request, contact_id: str, field_id: str) -> Response:
        with self._state:
            contact = account.contacts.get(contact_id)
            if contact is None:
                return Response(404, {"message": "Contact not found"})
            if field_id not in account.custom_fields:
                return Response(404, {"message": "Field not found"})
            contact.fields[field_id] = request.form().get("value", "")
            account.log.append(("field", contact_id, account.custom_fields[field_id][0], contact.fields[field_id]))
        return Response(200, {"success": True})

    def _send_flow(self, account: SimAccount, request: Request, contact_id: str, flow_id: str) -> Response:
        if not request.body:
            return Response(411, {"message": "Length Required"})
        with self._state:
            if contact_id not in account.contacts:
                return Response(404, {"message": "Contact not found"})
            account.sends.append((contact_id, flow_id, time.time()))
            account.log.append(("send", contact_id, flow_id, ""))
        # Like the real API: success even for a flow id the account does not have.
        return Response(200, {"success": True})


def main() -> None:
    parser = argparse.ArgumentParser(description="Run the Ecomdrop simulator")
    parser.add_argument("--port", type=int, default=9200)
    parser.add_argument("--api-key", default=DEMO_API_KEY)
    options = parser.parse_args()
    simulator = EcomdropSimulator()
    simulator.add_account(options.api_key)
    simulator.start(options.port)
    print(f"Ecomdrop simulator: ECOMDROP_API_URL={simulator.base_api_url()} (API key {options.api_key})")  # noqa: T201
    serve_until_interrupted(simulator)


if __name__ == "__main__":
    main()
