"""The background tasks' pages of the admin console (django-tasks-db's table) speak the
console's language."""

import pytest
from django.apps import apps
from django.contrib.admin.templatetags.admin_list import result_headers
from django.urls import reverse
from django.utils import timezone, translation
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

pytestmark = pytest.mark.django_db


@pytest.fixture
def finished_task():
    now = timezone.now()
    return DBTaskResult.objects.create(
        task_path="assistant.tasks.sync_ai_profile",
        args_kwargs={"args": [1], "kwargs": {}},
        backend_name="default",
        queue_name="default",
        run_after=now,
        status=TaskResultStatus.SUCCESSFUL,
        started_at=now,
        finished_at=now,
    )


def test_the_task_list_is_in_spanish(admin_client, finished_task):
    response = admin_client.get(
        reverse("admin:django_tasks_database_dbtaskresult_changelist"), HTTP_ACCEPT_LANGUAGE="es"
    )

    headers = [str(header["text"]) for header in result_headers(response.context["cl"])]
    assert headers == ["id", "tarea", "estado", "en cola desde", "empezada el", "terminada el", "prioridad", "cola"]
    page = response.content.decode()
    assert "Resultados de tareas" in page
    assert "Correcta" in page
    for english in ("Successful", "Task Results", "enqueued at", "Task name", "Tasks Database Backend"):
        assert english not in page


def test_a_task_page_is_in_spanish(admin_client, finished_task):
    response = admin_client.get(
        reverse("admin:django_tasks_database_dbtaskresult_change", args=[finished_task.pk]),
        HTTP_ACCEPT_LANGUAGE="es",
    )

    page = response.content.decode()
    for spanish in ("Ejecutar después de", "Traza", "Valor devuelto", "Argumentos", "Correcta"):
        assert spanish in page
    for english in ("Run after", "Traceback", "Return value", "Args kwargs", "Successful"):
        assert english not in page


def test_the_console_index_names_the_tasks_section_in_spanish(admin_client):
    page = admin_client.get(reverse("admin:index"), HTTP_ACCEPT_LANGUAGE="es").content.decode()

    assert "Tareas en segundo plano" in page
    assert "Tasks Database Backend" not in page
    assert "Conexión con Shopify" in page  # the connector app keeps its own name


def test_every_label_of_the_task_table_has_a_spanish_translation():
    model = apps.get_model("django_tasks_database", "DBTaskResult")
    english = [
        apps.get_app_config("django_tasks_database").verbose_name,
        model._meta.verbose_name,
        model._meta.verbose_name_plural,
        *(field.verbose_name for field in model._meta.fields if field.name != "id"),
        *TaskResultStatus.labels,
    ]
    with translation.override("en"):
        source = [str(text) for text in english]
    with translation.override("es"):
        spanish = [str(text) for text in english]

    untranslated = [text for text, translated in zip(source, spanish, strict=True) if text == translated]
    assert untranslated == []
