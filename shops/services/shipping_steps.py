"""The steps of one shipping transition's write-back, and the attempt they share.

Owns: ``Step`` (one attempt at one ``ShippingUpdate``: the Shopify client, the order, the steps
done so far, the intent recorded before each write), the stage tags, and the writes after the
first fulfillment: replacing the tracking, the stage's action (a fulfillment event, the
cancel, the return note) and the stage tag alone. The job, its order of steps, the first
fulfillment and the failures are ``shipping_writeback``'s. Must not record transitions.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.utils import timezone

from connector.shopify import ids
from connector.shopify.errors import ShopifyForbidden, ShopifyUserErrors
from connector.shopify.fulfillments import (
    OrderFulfillmentState,
    StageTags,
    TrackingInfo,
    WriteResult,
    fulfillment_create,
    fulfillment_event_create,
    fulfillment_tracking_info_update,
    missing_scopes,
    order_fulfillment_state,
    order_note_update,
)
from connector.shopify.graphql import ShopifyAdminClient
from connector.shopify.orders import order_cancel
from connector.shopify.tags import tags_replace
from connector.work import Claim, work_renew
from shops.models import DropiOrder, ShippingStage, ShippingUpdate, ShopConfiguration
from shops.services.carriers import carrier_display_name
from shops.services.dropi_order_events import Actor, Kind, dropi_order_event_add

logger = logging.getLogger(__name__)
Result = TypeVar("Result")

# The fulfillment event each stage adds (Shopify's FulfillmentEventStatus); a "novedad" is a
# delivery attempt that did not succeed.
EVENT_STATUS = {
    ShippingStage.IN_TRANSIT: "IN_TRANSIT",
    ShippingStage.OUT_FOR_DELIVERY: "OUT_FOR_DELIVERY",
    ShippingStage.DELIVERED: "DELIVERED",
    ShippingStage.INCIDENT: "ATTEMPTED_DELIVERY",
}
MISSING_SCOPES = "missing_fulfillment_scopes"
# Written in Shopify for the merchant's team (the shops' language).
CANCEL_STAFF_NOTE = "Cancelado en Dropi antes del envío (sincronización de envíos)."
RETURN_NOTE = "Dropi: pedido devuelto al remitente"


def stage_tags(*, order_id: str, stage: str) -> StageTags:
    """``dropi:<stage>`` added, the other stages' tags removed (``dropi:<Dropi id>`` stays)."""
    if not stage:
        return StageTags(order_id=ids.gid("Order", order_id), add=(), remove=())
    return StageTags(
        order_id=ids.gid("Order", order_id),
        add=(f"dropi:{stage}",),
        remove=tuple(f"dropi:{other.value}" for other in ShippingStage if other.value != stage),
    )


@dataclass
class Step:
    """One attempt at one transition's write-back."""

    claim: Claim[ShippingUpdate]
    client: ShopifyAdminClient
    order: DropiOrder
    configuration: ShopConfiguration
    steps: dict[str, str] = field(init=False)
    writing: str = ""  # the step whose write is in flight
    lookup_before: bool = field(init=False)  # an earlier attempt's write may have been done

    def __post_init__(self) -> None:
        self.steps = dict(self.claim.row.steps or {})
        self.lookup_before = self.claim.row.needs_lookup

    @property
    def update(self) -> ShippingUpdate:
        return self.claim.row

    @property
    def tags(self) -> StageTags:
        return stage_tags(order_id=self.order.shopify_order_id, stage=self.update.stage)

    @property
    def tracking(self) -> TrackingInfo:
        update = self.update
        return TrackingInfo(company=carrier_display_name(update.carrier), number=update.guia, url=update.tracking_url)

    @property
    def wanted_tracking(self) -> str:
        return f"{self.update.guia}|{self.update.carrier}"[:200]

    def lookup_for(self, step: str) -> bool:
        """Whether ``step``'s write may already be done (read Shopify back first)."""
        return self.lookup_before and self.update.writing in (step, "")

    def read(self) -> OrderFulfillmentState | None:
        work_renew(self.claim)
        return order_fulfillment_state(self.client, order_id=ids.gid("Order", self.order.shopify_order_id))

    def write(self, step: str, call: Callable[..., Result], *args: Any) -> Result:
        """The intent, committed, then the write: a lost answer leads to a read-back."""
        work_renew(self.claim, state=ShippingUpdate.State.SENDING, writing=step, needs_lookup=True)
        self.writing = step
        result = call(self, *args)
        self.writing = ""
        return result

    def done(self, step: str, outcome: str, *, tags_ok: bool = False) -> None:
        self.steps[step] = outcome
        if tags_ok:
            self.steps.setdefault("tags", f"with_{step}")
        # The read-back an earlier attempt asked for concerns its own step only.
        if step == self.update.writing or not self.update.writing:
            self.lookup_before = False
        writing = self.update.writing if self.lookup_before else ""
        work_renew(
            self.claim,
            state=ShippingUpdate.State.PROCESSING,
            writing=writing,
            needs_lookup=self.lookup_before,
            steps=self.steps,
        )

    def fulfillment_recorded(self, fulfillment_id: str, *, how: str, tags_ok: bool = False, tracking: str = "") -> None:
        """The order's fulfillment in Shopify (and the tracking it carries) is remembered."""
        written = self.wanted_tracking if tracking == "" and how != "adopted" else tracking
        changes = {"shopify_fulfillment_id": fulfillment_id[:64], "shopify_tracking": written}
        DropiOrder.objects.filter(pk=self.order.pk).update(**changes, updated_at=timezone.now())
        self.order.shopify_fulfillment_id, self.order.shopify_tracking = changes.values()
        if how != "adopted":
            self.history(Kind.SHOPIFY_TRACKING if how == "updated" else Kind.SHOPIFY_FULFILLED, how=how)
            self.done("tracking", how, tags_ok=tags_ok)

    def history(self, kind: str, **detail: str) -> None:
        """One line of the order's history in Pedidos (once per transition and kind)."""
        update = self.update
        dropi_order_event_add(
            order_id=self.order.pk,
            kind=kind,
            actor=Actor.APP,
            detail={"guia": update.guia, "carrier": update.carrier, "stage": update.stage, **detail},
            action_id=f"shipping:{update.pk}:{kind}",
        )

    def configuration_problem_clear(self) -> None:
        if self.configuration.shipping_writeback_problem:
            ShopConfiguration.objects.filter(shop=self.update.shop).update(shipping_writeback_problem="")


def scope_missing(run: Step, error: ShopifyForbidden, step: str) -> None:
    """The token lacks the fulfillment scopes: the shop sees it in Estado; the step is left."""
    logger.warning("Shipping write-back without scopes %s", missing_scopes(error), extra={"shop": run.update.shop})
    ShopConfiguration.objects.filter(shop=run.update.shop).update(
        shipping_writeback_problem=MISSING_SCOPES, updated_at=timezone.now()
    )
    run.done(step, MISSING_SCOPES)


def create_fulfillment(run: Step, fulfillment_order_ids: tuple[str, ...]) -> WriteResult:
    return fulfillment_create(
        run.client,
        fulfillment_order_ids=fulfillment_order_ids,
        tracking=run.tracking,
        notify_customer=run.configuration.shopify_notify_customer,
        tags=run.tags,
    )


def _update_tracking(run: Step, notify: bool) -> WriteResult:
    return fulfillment_tracking_info_update(
        run.client,
        fulfillment_id=run.order.shopify_fulfillment_id,
        tracking=run.tracking,
        notify_customer=notify and run.configuration.shopify_notify_customer,
        tags=run.tags,
    )


def tracking_replace(run: Step, *, notify: bool = True) -> None:
    """A new guía or carrier on the order's fulfillment; once. ``notify``: the buyer hears of
    it when the shop asks Shopify to tell buyers."""
    if run.order.shopify_tracking == run.wanted_tracking:
        run.done("tracking", "unchanged")
        return
    if run.lookup_for("tracking"):
        state = run.read()
        current = [
            item for item in (state.fulfillments if state else ()) if item.id == run.order.shopify_fulfillment_id
        ]
        wanted = run.tracking
        if current and any(
            info.number == wanted.number and info.company.casefold() == wanted.company.casefold()
            for info in current[0].tracking
        ):
            run.fulfillment_recorded(current[0].id, how="found")
            return
    result = run.write("tracking", _update_tracking, notify)
    run.fulfillment_recorded(run.order.shopify_fulfillment_id, how="updated", tags_ok=not result.tag_errors)


def _event(run: Step, status: str) -> WriteResult:
    return fulfillment_event_create(
        run.client,
        fulfillment_id=run.order.shopify_fulfillment_id,
        status=status,
        message=run.order.dropi_status[:255],
        happened_at=run.update.happened_at,
        tags=run.tags,
    )


def _milestone(run: Step, status: str) -> None:
    if not run.order.shopify_fulfillment_id:
        run.done("action", "no_fulfillment")
        return
    try:
        if run.lookup_for("action"):
            state = run.read()
            fulfillment = [
                item for item in (state.fulfillments if state else ()) if item.id == run.order.shopify_fulfillment_id
            ]
            if fulfillment and status in fulfillment[0].event_statuses:
                run.done("action", "found")
                return
        result = run.write("action", _event, status)
    except ShopifyForbidden as error:
        scope_missing(run, error, "action")
        return
    run.done("action", "event", tags_ok=not result.tag_errors)


def _cancel_order(run: Step) -> str:
    return order_cancel(run.client, order_id=ids.gid("Order", run.order.shopify_order_id), staff_note=CANCEL_STAFF_NOTE)


def _cancel(run: Step) -> None:
    """Cancelled in Dropi before anything shipped: the Shopify order too, when the shop asks."""
    order = run.order
    if not run.configuration.cancel_shopify_order_on_dropi_cancel:
        run.done("action", "cancel_off")
        return
    if order.shopify_fulfillment_id or order.shopify_cancelled_at:
        run.done("action", "shipped" if order.shopify_fulfillment_id else "already_cancelled")
        return
    state = run.read() if run.lookup_for("action") else None
    if state is None or not state.cancelled:
        try:
            run.write("action", _cancel_order)
        except ShopifyUserErrors as error:
            run.done("action", f"refused: {error}"[:200])
            return
    DropiOrder.objects.filter(pk=order.pk).update(shopify_cancelled_at=timezone.now())
    run.history(Kind.SHOPIFY_CANCELLED, how="dropi_cancelled")
    run.done("action", "cancelled")


def _note(run: Step, text: str) -> WriteResult:
    return order_note_update(
        run.client, order_id=ids.gid("Order", run.order.shopify_order_id), note=text, tags=run.tags
    )


def _returned(run: Step) -> None:
    """Returned: a note on the order (appended to the one it has), never a refund."""
    state = run.read()
    if state is None:
        run.done("action", "order_missing")
        return
    guia = f" (guía {run.update.guia})" if run.update.guia else ""
    marker = f"{RETURN_NOTE}{guia}."
    if marker in state.note:
        run.done("action", "found")
        return
    result = run.write("action", _note, f"{state.note}\n{marker}".strip())
    run.history(Kind.SHOPIFY_RETURN_NOTED)
    run.done("action", "note", tags_ok=not result.tag_errors)


def action(run: Step) -> None:
    """What the stage itself asks of Shopify."""
    stage = run.update.stage
    if stage in EVENT_STATUS:
        _milestone(run, EVENT_STATUS[ShippingStage(stage)])
    elif stage == ShippingStage.CANCELLED:
        _cancel(run)
    elif stage == ShippingStage.RETURNED:
        _returned(run)
    else:
        run.done("action", "none")


def _tags_alone(run: Step) -> None:
    tags_replace(run.client, resource_id=run.tags.order_id, add=run.tags.add, remove=run.tags.remove)


def tags(run: Step) -> None:
    """The stage tag alone (no other write of this transition carried it). Idempotent."""
    if not run.update.stage:
        run.done("tags", "no_stage")
        return
    try:
        run.write("tags", _tags_alone)
    except ShopifyUserErrors as error:
        run.done("tags", f"refused: {error}"[:200])
        return
    run.done("tags", "written")
