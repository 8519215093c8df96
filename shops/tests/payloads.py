"""REST-shaped webhook payloads as Shopify sends them (snake_case, numeric ids)."""

import copy
import itertools

_ids = itertools.count(820982911946154508)


def order_payload(**overrides):
    order_id = next(_ids)
    payload = {
        "id": order_id,
        "admin_graphql_api_id": f"gid://shopify/Order/{order_id}",
        "name": f"#{1000 + order_id % 1000}",
        "order_number": 1000 + order_id % 1000,
        "email": "ana@example.com",
        "phone": None,
        "created_at": "2026-11-25T10:00:00-05:00",
        "currency": "COP",
        "total_price": "129900.00",
        "subtotal_price": "119900.00",
        "financial_status": "pending",
        "gateway": "Cash on Delivery (COD)",
        "payment_gateway_names": ["Cash on Delivery (COD)"],
        "checkout_token": f"chk-{order_id}",
        "tags": "",
        "line_items": [
            {
                "id": 1,
                "title": "Reloj inteligente",
                "variant_title": "Negro",
                "quantity": 2,
                "price": "49950.00",
                "sku": "RJ-1",
            },
            {
                "id": 2,
                "title": "Correa",
                "variant_title": "Default Title",
                "quantity": 1,
                "price": "20000.00",
                "sku": "CR-1",
            },
        ],
        "customer": {
            "id": 115310627314723954,
            "email": "ana@example.com",
            "first_name": "Ana",
            "last_name": "Pérez",
            "phone": None,
        },
        "shipping_address": {
            "first_name": "Ana",
            "last_name": "Pérez",
            "address1": "Calle 80 # 10-20",
            "address2": "Apto 301",
            "city": "Bogotá",
            "province": "Cundinamarca",
            "country": "Colombia",
            "country_code": "CO",
            "phone": "300 123 4567",
            "zip": "110111",
        },
        "billing_address": None,
    }
    payload.update(copy.deepcopy(overrides))
    return payload


def checkout_payload(**overrides):
    token = f"tok{next(_ids)}"
    payload = {
        "id": next(_ids),
        "token": token,
        "email": "luis@example.com",
        "phone": "+51987654321",
        "abandoned_checkout_url": f"https://tienda.myshopify.com/checkouts/{token}/recover?key=abc",
        "completed_at": None,
        "currency": "PEN",
        "total_price": "250.00",
        "line_items": [{"title": "Audífonos", "variant_title": "Blanco", "quantity": 1, "price": "250.00"}],
        "customer": {"id": 7001, "first_name": "Luis", "last_name": "Ramos", "email": "luis@example.com"},
        "shipping_address": {"country_code": "PE", "city": "Lima", "first_name": "Luis", "last_name": "Ramos"},
        "billing_address": None,
    }
    payload.update(copy.deepcopy(overrides))
    return payload


def draft_order_payload(**overrides):
    """A ``draft_orders/create|update`` body shaped like Shopify's example webhook (REST), as a
    COD form app leaves an abandoned form: open, tagged by the app, buyer's phone on the address."""
    draft_id = next(_ids)
    payload = {
        "id": draft_id,
        "admin_graphql_api_id": f"gid://shopify/DraftOrder/{draft_id}",
        "note": None,
        "email": "marta@example.com",
        "taxes_included": False,
        "currency": "COP",
        "invoice_sent_at": None,
        "created_at": "2026-11-25T10:00:00-05:00",
        "updated_at": "2026-11-25T10:00:00-05:00",
        "tax_exempt": False,
        "completed_at": None,
        "name": f"#D{draft_id % 1000}",
        "status": "open",
        "line_items": [
            {
                "id": 1,
                "variant_id": 39072856,
                "product_id": 632910392,
                "title": "Reloj inteligente",
                "variant_title": "Negro",
                "sku": "RJ-1",
                "quantity": 1,
                "price": "129900.00",
            }
        ],
        "shipping_address": {
            "first_name": "Marta",
            "last_name": "Gómez",
            "address1": "Carrera 7 # 45-10",
            "city": "Medellín",
            "province": "Antioquia",
            "country": "Colombia",
            "country_code": "CO",
            "phone": "+57 301 555 1234",
        },
        "billing_address": None,
        "invoice_url": f"https://tienda.myshopify.com/548380009/invoices/{draft_id}abc",
        "applied_discount": None,
        "order_id": None,
        "shipping_line": None,
        "tax_lines": [],
        "tags": "releasit",
        "note_attributes": [],
        "total_price": "129900.00",
        "subtotal_price": "129900.00",
        "total_tax": "0.00",
        "payment_terms": None,
        "customer": {"id": 207119551, "email": "marta@example.com", "first_name": "Marta", "last_name": "Gómez"},
    }
    payload.update(copy.deepcopy(overrides))
    return payload
