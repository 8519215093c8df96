"""Carriers' tracking pages: which URL a buyer follows a guía at.

Owns: matching Dropi's carrier name to the staff-editable ``CarrierTrackingTemplate`` table
(names normalised: upper case, no accents, letters and digits only; a name that contains a
known carrier's, like ``SERVIENTREGA S.A.``, matches it) and filling its ``{guia}``. Must not
call any vendor.
"""

from __future__ import annotations

from urllib.parse import quote

from shops.models import CarrierTrackingTemplate
from shops.models_shipping import carrier_key


def carrier_template(name: str) -> CarrierTrackingTemplate | None:
    """The carrier's row: the same key, else the longest known key the name contains."""
    key = carrier_key(name)
    if not key:
        return None
    exact = CarrierTrackingTemplate.objects.filter(key=key).first()
    if exact is not None:
        return exact
    contained = [row for row in CarrierTrackingTemplate.objects.all() if row.key and row.key in key]
    return max(contained, key=lambda row: len(row.key), default=None)


def tracking_url_for(*, carrier: str, guia: str, dropi_url: str = "") -> str:
    """The buyer's tracking link: Dropi's own when it gave one, else the carrier's template
    with the guía; "" when neither is known."""
    if dropi_url:
        return dropi_url
    template = carrier_template(carrier) if guia else None
    if template is None or "{guia}" not in template.url_template:
        return ""
    return template.url_template.replace("{guia}", quote(guia, safe=""))


def carrier_display_name(carrier: str) -> str:
    """The carrier as the buyer knows it (the table's name when matched, else Dropi's)."""
    template = carrier_template(carrier)
    return template.name if template is not None else carrier.strip()
