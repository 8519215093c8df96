"""The admin console's Shopify sessions: the re-authorization flag is visible and filterable."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from connector.tests.factories import ShopifySessionFactory

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:connector_shopifysession_changelist")
FLAGGED_AT = timezone.now() - datetime.timedelta(hours=3)


@pytest.fixture
def sessions():
    flagged = ShopifySessionFactory(shop="revocada.myshopify.com", reauthorization_required_at=FLAGGED_AT)
    healthy = ShopifySessionFactory(shop="sana.myshopify.com")
    return flagged, healthy


def test_the_session_list_shows_and_filters_shops_that_must_reauthorize(admin_client, sessions):
    flagged, healthy = sessions

    page = admin_client.get(CHANGELIST, HTTP_ACCEPT_LANGUAGE="en")
    must_reauthorize = admin_client.get(CHANGELIST, {"reauthorization_required_at__isnull": "False"})
    fine = admin_client.get(CHANGELIST, {"reauthorization_required_at__isnull": "True"})

    html = page.content.decode()
    assert "column-reauthorization_required_at" in html
    assert "re-authorization required since" in html.lower()
    assert [row.pk for row in must_reauthorize.context["cl"].result_list] == [flagged.pk]
    assert [row.pk for row in fine.context["cl"].result_list] == [healthy.pk]


def test_the_session_page_shows_the_flag_read_only(admin_client, sessions):
    flagged, _ = sessions
    url = reverse("admin:connector_shopifysession_change", args=[flagged.pk])

    response = admin_client.get(url, HTTP_ACCEPT_LANGUAGE="en")

    html = response.content.decode()
    assert response.status_code == 200
    assert "field-reauthorization_required_at" in html
    assert 'name="reauthorization_required_at' not in html
