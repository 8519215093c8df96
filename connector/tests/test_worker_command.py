"""`manage.py worker`: the library's worker plus recovery, under a name of its own."""

from django.core.management import get_commands


def test_the_worker_has_its_own_name_and_leaves_db_worker_to_the_library():
    commands = get_commands()

    assert commands["worker"] == "connector"
    assert commands["db_worker"] == "django_tasks_db"
