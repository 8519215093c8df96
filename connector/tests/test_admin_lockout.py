"""The admin console's log-in locks an address out after repeated wrong passwords
(django-axes, in the database: every process sees the same failures)."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

pytestmark = pytest.mark.django_db

PASSWORD = "pw-correcto-123456789"
ELSEWHERE = "198.51.100.7"


@pytest.fixture
def staff(db):
    return User.objects.create_superuser("soporte", email="soporte@example.com", password=PASSWORD)


def log_in(client, password, *, username="soporte", **extra):
    return client.post("/admin/login/?next=/admin/", {"username": username, "password": password}, **extra)


def test_five_wrong_passwords_lock_the_address_and_the_right_one_is_then_refused(client, staff):
    wrong = [log_in(client, f"wrong-{attempt}").status_code for attempt in range(5)]
    locked = log_in(client, PASSWORD)

    assert wrong == [200, 200, 200, 200, 429]  # the form with its error, then the lock
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session
    page = locked.content.decode()
    assert "Demasiados intentos fallidos" in page
    assert "15 minutos" in page
    assert "Ecomdrop IA Connector" in page  # the console's own header
    assert log_in(Client(), PASSWORD, REMOTE_ADDR=ELSEWHERE).status_code == 302  # another address


def test_other_usernames_from_a_locked_address_are_refused_too(client, staff):
    for attempt in range(5):
        log_in(client, "wrong", username=f"guess-{attempt}")

    assert log_in(client, PASSWORD).status_code == 429


def test_a_successful_log_in_starts_the_count_again(client, staff):
    for _ in range(4):
        log_in(client, "wrong")
    assert log_in(client, PASSWORD).status_code == 302
    client.logout()
    for _ in range(4):
        log_in(client, "wrong")

    assert log_in(client, PASSWORD).status_code == 302


def test_the_lock_ends_after_the_cool_off_time(client, staff):
    from axes.models import AccessAttempt

    for _ in range(5):
        log_in(client, "wrong")
    AccessAttempt.objects.update(attempt_time=timezone.now() - datetime.timedelta(minutes=16))

    assert log_in(client, PASSWORD).status_code == 302


def test_an_operator_can_unlock_an_address(client, staff):
    for _ in range(5):
        log_in(client, "wrong")

    call_command("axes_reset_ip", "127.0.0.1")

    assert log_in(client, PASSWORD).status_code == 302


def test_the_console_lists_the_failed_attempts(client, staff, admin_client):
    for _ in range(2):
        log_in(client, "wrong")

    response = admin_client.get("/admin/axes/accessattempt/")

    assert response.status_code == 200
    assert "127.0.0.1" in response.content.decode()
    assert "wrong" not in response.content.decode()  # no password is stored
