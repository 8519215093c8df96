import base64
import datetime
import json

import jwt
import pytest

from connector.shopify.session_tokens import InvalidSessionToken, decode_session_token, encode_session_token

API_KEY = "test-api-key"
SECRET = "test-api-secret-0123456789abcdefghijklmnopqrstuv"
SHOP = "tienda.myshopify.com"


def token(**overrides):
    return encode_session_token(shop=SHOP, api_key=API_KEY, secret=SECRET, **overrides)


def decode(raw):
    return decode_session_token(raw, api_key=API_KEY, secret=SECRET)


def test_a_valid_token_gives_its_shop_and_user():
    result = decode(token(user_id=4242))

    assert result.shop == SHOP
    assert result.user_id == 4242
    assert result.expires_at > now()


def now():
    return datetime.datetime.now(tz=datetime.UTC)


def test_nbf_a_few_seconds_in_the_future_is_accepted():
    assert decode(token(nbf=int(now().timestamp()) + 8)).shop == SHOP


def test_an_expired_token_is_refused_as_expired():
    with pytest.raises(InvalidSessionToken) as error:
        decode(token(now=now() - datetime.timedelta(minutes=5)))
    assert error.value.expired


def test_expiry_within_the_leeway_is_still_accepted():
    assert decode(token(exp=int(now().timestamp()) - 5)).shop == SHOP


def unsigned(claims, header):
    def part(data):
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    return f"{part(header)}.{part(claims)}."


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (lambda: token(nbf=int(now().timestamp()) + 60), "not yet valid"),
        (
            lambda: encode_session_token(
                shop=SHOP, api_key=API_KEY, secret="another-secret-0123456789abcdefghijklmnopq"
            ),
            "rejected",
        ),
        (lambda: token(aud="another-app"), "rejected"),
        (lambda: token(iss="https://otra.myshopify.com/admin"), "differ"),
        (lambda: token(iss="https://evil.com/admin", dest="https://evil.com"), ""),
        (lambda: token(iss="https://x.myshopify.com.evil.com/admin", dest="https://x.myshopify.com.evil.com"), ""),
        (lambda: token(exp=None), ""),
        (lambda: "not-a-jwt", "not a JWT"),
        (lambda: "a.b.c", "malformed"),
        (lambda: "eyJhbGciOiJIUzI1NiJ9.%%%%.sig", "malformed"),
        (
            lambda: unsigned(
                {
                    "dest": f"https://{SHOP}",
                    "iss": f"https://{SHOP}/admin",
                    "aud": API_KEY,
                    "exp": int(now().timestamp()) + 60,
                },
                {"alg": "none", "typ": "JWT"},
            ),
            "algorithm",
        ),
        (lambda: jwt.encode({"dest": f"https://{SHOP}", "aud": API_KEY}, "x" * 64, algorithm="HS512"), "algorithm"),
        (lambda: "", "not a JWT"),
    ],
)
def test_untrustworthy_tokens_are_refused(raw, reason):
    with pytest.raises(InvalidSessionToken) as error:
        decode(raw())
    assert reason in error.value.reason
    assert not error.value.expired


@pytest.mark.parametrize("subject", ["\u00b2", "٣", "１", "-1", "9" * 30])
def test_a_signed_token_whose_subject_is_not_a_user_id_has_no_user(subject):
    result = decode(token(sub=subject))

    assert result.shop == SHOP
    assert result.user_id is None


@pytest.mark.parametrize("expiry", [1e13, 10**20, 1e308], ids=["1e13", "10**20", "1e308"])
def test_a_signed_token_expiring_after_any_representable_date_is_refused(expiry):
    with pytest.raises(InvalidSessionToken) as error:
        decode(token(exp=expiry))

    assert not error.value.expired
