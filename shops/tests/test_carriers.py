"""Carrier tracking URLs: Dropi's carrier names matched to the staff-editable table."""

import pytest
from django.core.exceptions import ValidationError

from shops.models import CarrierTrackingTemplate
from shops.services.carriers import carrier_display_name, carrier_key, tracking_url_for

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("dropi_name", "shown"),
    [
        ("SERVIENTREGA", "Servientrega"),
        ("servientrega s.a.", "Servientrega"),
        ("INTER RAPIDISIMO", "Interrapidísimo"),
        ("Interrapidísimo", "Interrapidísimo"),
        ("ENVÍA", "Envía"),
        ("99 minutos", "99 Minutos"),
        ("TCC S.A.", "TCC"),
        ("Transportes Nuevos", "Transportes Nuevos"),
    ],
)
def test_dropi_carrier_names_are_matched_normalised(dropi_name, shown):
    assert carrier_display_name(dropi_name) == shown


def test_the_tracking_url_fills_the_guia_and_prefers_dropis_own():
    assert tracking_url_for(carrier="COORDINADORA", guia="12 34/5") == (
        "https://coordinadora.com/rastreo/rastreo-de-guia/detalle-de-rastreo-de-guia/?guia=12%2034%2F5"
    )
    assert tracking_url_for(carrier="COORDINADORA", guia="1", dropi_url="https://dropi.example/t/1") == (
        "https://dropi.example/t/1"
    )
    assert tracking_url_for(carrier="Desconocida", guia="1") == ""
    assert tracking_url_for(carrier="TCC", guia="") == ""


def test_every_seeded_carrier_is_marked_unverified_with_a_guia_placeholder():
    rows = list(CarrierTrackingTemplate.objects.all())
    assert {row.key for row in rows} >= {
        "SERVIENTREGA",
        "COORDINADORA",
        "INTERRAPIDISIMO",
        "ENVIA",
        "TCC",
        "DOMINA",
        "99MINUTOS",
    }
    for row in rows:
        assert row.key == carrier_key(row.name)
        assert not row.verified
        row.full_clean()


def test_staff_cannot_save_a_template_without_the_guia():
    row = CarrierTrackingTemplate(name="X", key="X", url_template="https://x.example/track")
    with pytest.raises(ValidationError):
        row.full_clean()
