"""Dropi's own department and city lists, when the operator turned them on.

Owns: asking Dropi for a country's departments and a department's cities (unverified calls,
only with ``DROPI_LOCATIONS_ENABLED``), caching them per country for
``DROPI_LOCATIONS_CACHE_SECONDS``, and replacing a department or city name with Dropi's
spelling of it when the normalised names match. Must not decide anything when a list cannot be
read: the names from the department table are used as they are (Dropi then accepts or refuses
the address, and a refusal asks for a correction). "Too Many Attempts" and a refused token are
passed on: the placement pauses or fails on them like on any other call.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.cache import cache

from connector.dropi.errors import DropiAuthError, DropiError, DropiRateLimited
from connector.dropi.orders import DropiOrdersClient, DropiPlace
from shops.services.dropi_addresses import place_normalise

logger = logging.getLogger(__name__)


def _cached(key: str, client: DropiOrdersClient, department_id: str = "", rate_type: str = "") -> list[DropiPlace]:
    """The departments (no ``department_id``) or a department's cities, cached per country."""
    places: list[DropiPlace] | None = cache.get(key)
    if places is None:
        found = (
            client.cities(department_id=department_id, rate_type=rate_type) if department_id else client.departments()
        )
        places = list(found)
        cache.set(key, places, settings.DROPI_LOCATIONS_CACHE_SECONDS)
    return places


def _named(places: list[DropiPlace], name: str) -> DropiPlace | None:
    wanted = place_normalise(name)
    return next((place for place in places if place_normalise(place.name) == wanted), None)


def dropi_locations_match(
    *, client: DropiOrdersClient, country: str, department: str, city: str, rate_type: str
) -> tuple[str, str]:
    """(department, city) in Dropi's spelling when its lists have them, else as given."""
    if not settings.DROPI_LOCATIONS_ENABLED:
        return department, city
    try:
        found = _named(_cached(f"dropi:departments:{country}", client), department)
        if found is None:
            return department, city
        rate_key = rate_type.replace(" ", "_")  # cache keys have no spaces (memcached refuses them)
        cities = _cached(f"dropi:cities:{country}:{found.id}:{rate_key}", client, found.id, rate_type)
    except (DropiRateLimited, DropiAuthError):
        raise
    except DropiError as error:
        logger.info("Dropi's location lists are unavailable: %s", type(error).__name__, extra={"country": country})
        return department, city
    town = _named(cities, city)
    return found.name, (town.name if town else city)
