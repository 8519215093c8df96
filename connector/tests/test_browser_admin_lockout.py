"""The admin console's log-in in a real browser (Debian chromium): five wrong passwords show
the lock page, and the right password then gets it too."""

import pytest
from django.contrib.auth.models import User

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "pw-correcto-123456789"


def submit(page, password):
    page.fill("#id_username", "soporte")
    page.fill("#id_password", password)
    page.locator("input[type=submit]").click()
    page.wait_for_load_state()


def test_the_console_shows_the_lock_after_five_wrong_passwords(live_server, browser_page):
    User.objects.create_superuser("soporte", email="soporte@example.com", password=PASSWORD)
    page = browser_page
    page.goto(f"{live_server.url}/admin/login/?next=/admin/")

    for attempt in range(4):
        submit(page, f"wrong-{attempt}")
        assert page.locator(".errornote").is_visible()  # the form again, with its error
    submit(page, "wrong-4")

    assert "Demasiados intentos fallidos de inicio de sesión desde tu dirección (5 seguidos)." in page.inner_text(
        "#content"
    )
    assert "bloqueado durante 15 minutos" in page.inner_text("#content")
    assert page.locator("#site-name").inner_text() == "Ecomdrop IA Connector"

    page.goto(f"{live_server.url}/admin/login/?next=/admin/")
    submit(page, PASSWORD)

    assert "Demasiados intentos fallidos" in page.inner_text("#content")
    assert "/admin/login/" in page.url
