"""`manage.py dev_link`: open the embedded pages locally without Shopify (DEBUG only)."""

from __future__ import annotations

import datetime
from typing import Any
from urllib.parse import parse_qsl, urlsplit, urlunsplit

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.http import urlencode

from connector.shopify.session_tokens import encode_session_token
from connector.validators import is_valid_shop_domain


class Command(BaseCommand):
    help = """Print a local URL of the embedded app with a freshly signed session token.

For development only (refuses to run unless DEBUG is on): open the printed URL in a browser to
see the embedded pages without Shopify Admin. The first request needs a Shopify to exchange the
token: `make demo` runs the app with every simulator and prints such a link itself; this
command makes more (another --path, --locale or --shop) while it runs."""

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--shop", default="demo.myshopify.com", help="shop domain (default demo.myshopify.com)")
        parser.add_argument("--path", default="/app/", help="page to open, with its own query if any (default /app/)")
        parser.add_argument("--minutes", type=int, default=60, help="token lifetime in minutes (default 60)")
        parser.add_argument("--locale", default="es", choices=["es", "en"])
        parser.add_argument("--base-url", default="http://127.0.0.1:8000")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError("dev_link only runs with DEBUG=true: it signs tokens with the app secret.")
        shop = options["shop"]
        if not is_valid_shop_domain(shop):
            raise CommandError(f"'{shop}' is not a valid shop domain (example.myshopify.com).")
        token = encode_session_token(
            shop=shop,
            api_key=settings.SHOPIFY_API_KEY,
            secret=settings.SHOPIFY_API_SECRET,
            lifetime=datetime.timedelta(minutes=options["minutes"]),
        )
        # The page's own query (``?tab=ecomdrop``) is kept; the signed parameters replace any
        # of the same name.
        page = urlsplit(options["path"])
        query = dict(parse_qsl(page.query, keep_blank_values=True))
        query |= {"shop": shop, "host": "", "embedded": "1", "locale": options["locale"], "id_token": token}
        link = urlunsplit(("", "", page.path or "/app/", urlencode(query), page.fragment))
        self.stdout.write(f"{options['base_url'].rstrip('/')}{link}")
