"""The one classification of Shopify errors and its translation into an ApplicationError."""

import pytest
from django.utils import translation
from django.utils.translation import gettext_lazy

from connector.shopify.errors import (
    ShopifyAuthError,
    ShopifyError,
    ShopifyForbidden,
    ShopifyGraphQLError,
    ShopifyNoResult,
    ShopifyNotFound,
    ShopifyReauthorizationRequired,
    ShopifyThrottled,
    ShopifyUnavailable,
    ShopifyUserErrors,
    UserError,
)
from connector.shopify.failures import (
    SHOPIFY_UNAVAILABLE,
    MerchantAnswer,
    ShopifyFailure,
    shopify_error_as_application_error,
    shopify_failure,
)


@pytest.mark.parametrize(
    ("error", "failure"),
    [
        (ShopifyAuthError("refused"), ShopifyFailure.AUTH),
        (ShopifyReauthorizationRequired("open the app"), ShopifyFailure.AUTH),
        (ShopifyForbidden("scope", status=403), ShopifyFailure.FORBIDDEN),
        (ShopifyForbidden("protected customer data"), ShopifyFailure.FORBIDDEN),
        (ShopifyForbidden("frozen", status=402), ShopifyFailure.LOCKED),
        (ShopifyForbidden("locked", status=423), ShopifyFailure.LOCKED),
        (ShopifyThrottled("slow down"), ShopifyFailure.THROTTLED),
        (ShopifyUnavailable("503", status=503), ShopifyFailure.UNAVAILABLE),
        (ShopifyUserErrors([UserError(field=("id",), message="Order does not exist")]), ShopifyFailure.MISSING),
        (
            ShopifyUserErrors([UserError(field=("identifier", "id"), message="x", code="PRODUCT_DOES_NOT_EXIST")]),
            ShopifyFailure.MISSING,
        ),
        (
            ShopifyUserErrors([UserError(field=("title",), message="The variant already exists")]),
            ShopifyFailure.REFUSED,
        ),
        (ShopifyNoResult("nothing"), ShopifyFailure.NO_RESULT),
        (ShopifyGraphQLError("syntax"), ShopifyFailure.REFUSED),
        (ShopifyNotFound("no such shop", status=404), ShopifyFailure.REFUSED),
        (ShopifyError("HTTP 400", status=400), ShopifyFailure.REFUSED),
    ],
)
def test_every_shopify_error_has_one_kind(error, failure):
    assert shopify_failure(error) is failure


def test_the_answer_of_the_use_case_is_given_and_the_rest_falls_back():
    answers = {ShopifyFailure.FORBIDDEN: MerchantAnswer(gettext_lazy("Order"), code="nope", status=403, field="x")}

    with translation.override("es"):
        forbidden = shopify_error_as_application_error(ShopifyForbidden("scope"), answers=answers)
        down = shopify_error_as_application_error(ShopifyUnavailable("503"), answers=answers)

    assert (forbidden.message, forbidden.code, forbidden.status, forbidden.field) == ("Pedido", "nope", 403, "x")
    assert (down.code, down.status) == (SHOPIFY_UNAVAILABLE.code, 502)
    assert down.message.startswith("Shopify")
