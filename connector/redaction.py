"""Redaction: what of a text, a URL or a header may be shown, logged or raised.

Owns: recognising credentials (vendor tokens and keys, credential headers, URL user info,
query strings of pre-signed URLs) and replacing them. Must not: log, or know a vendor's calls.
One function, ``redact``, does it; connector/http.py applies it to every message it raises.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import quote, urlsplit

# Headers that carry a credential: dropped when a redirect leaves the host (requests drops only
# Authorization), their values redacted from messages.
CREDENTIAL_HEADERS = (
    "Authorization",
    "Proxy-Authorization",
    "Cookie",
    "X-ACCESS-TOKEN",  # Ecomdrop
    "dropi-integration-key",  # Dropi
    "X-Shopify-Access-Token",  # Shopify Admin API
    "PRIVATE-TOKEN",  # GitLab
)
REDACTED = "[redacted]"

_HEADER_NAMES = "|".join(re.escape(name) for name in CREDENTIAL_HEADERS)
_REPLACEMENTS = (
    # Credential headers and secret-looking fields, as "Name: value", "name=value" or "'name': 'value'".
    (
        re.compile(
            rf"(?i)((?:{_HEADER_NAMES}|[\w-]*(?:token|secret|password|passwd|api[_-]?key|signature|credential))"
            r"['\"]?\s*[:=]\s*['\"]?)(?:(?:bearer|basic|token)\s+)?[^\s'\",&;}]+"
        ),
        rf"\1{REDACTED}",
    ),
    # user:password@ in URLs.
    (re.compile(r"(?i)(\b[a-z][a-z0-9+.-]*://)[^/\s@'\"]+@"), rf"\1{REDACTED}@"),
    # Query strings: pre-signed URLs carry signatures there, API calls carry phones and tokens.
    (re.compile(r"(?<=[^\s?])\?(?=[^\s'\"<>]*=)[^\s'\"<>)]*"), f"?{REDACTED}"),
    # Token shapes of Shopify (shpat_…), GitHub (ghp_…, github_pat_…), GitLab (glpat-…) and JWTs.
    (re.compile(r"\b(?:shp[a-z]{2}_|gh[pousr]_|github_pat_|glpat-)[\w-]{8,}"), REDACTED),
    (re.compile(r"\beyJ[\w-]{8,}\.[\w-]{8,}\.[\w-]*"), REDACTED),
)


def redact(text: str, *, secrets: Iterable[str] = ()) -> str:
    """``text`` with every credential replaced by ``[redacted]``: the given ``secrets`` (also
    URL-encoded), credential headers and fields, URL user info and query strings, and tokens
    recognisable by their shape."""
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, REDACTED).replace(quote(secret, safe=""), REDACTED)
    for pattern, replacement in _REPLACEMENTS:
        text = pattern.sub(replacement, text)
    return text


def describe_url(url: str) -> str:
    """``scheme://host[:port]`` of ``url``: what may be shown or logged of any URL."""
    parts = urlsplit(url)
    host = parts.hostname or "?"
    return f"{parts.scheme}://{host}{f':{parts.port}' if parts.port else ''}"
