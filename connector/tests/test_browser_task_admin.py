"""The task queue's pages of the admin console in a real browser, in Spanish."""

import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "console-password-0123456789"


def test_the_task_list_reads_in_spanish(live_server, browser_page):
    now = timezone.now()
    DBTaskResult.objects.create(
        task_path="assistant.tasks.sync_ai_profile",
        args_kwargs={"args": [1], "kwargs": {}},
        backend_name="default",
        run_after=now,
        status=TaskResultStatus.SUCCESSFUL,
        started_at=now,
        finished_at=now,
    )
    User.objects.create_superuser("soporte", "soporte@example.com", PASSWORD)
    tasks = reverse("admin:django_tasks_database_dbtaskresult_changelist")
    page = browser_page

    page.goto(f"{live_server.url}{reverse('admin:login')}?next={tasks}")
    page.fill("#id_username", "soporte")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"**{tasks}")

    content = page.locator("#content").inner_text()
    navigation = page.locator("#nav-sidebar").inner_text()
    for spanish in ("TAREA", "ESTADO", "EN COLA DESDE", "Correcta", "Resultado de tarea"):
        assert spanish in content
    assert "TAREAS EN SEGUNDO PLANO" in navigation
    for english in ("TASK NAME", "ENQUEUED AT", "Successful", "Task Results"):
        assert english not in content
    assert "TASKS DATABASE BACKEND" not in navigation
