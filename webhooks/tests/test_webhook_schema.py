"""The inbox tables as MySQL/MariaDB sees them: the indexes millions of rows need."""

import pytest
from django.db import connection

pytestmark = [pytest.mark.django_db, pytest.mark.mysql]


def indexes(table):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT INDEX_NAME, NON_UNIQUE, COLUMN_NAME FROM information_schema.STATISTICS "
            "WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = %s ORDER BY INDEX_NAME, SEQ_IN_INDEX",
            [table],
        )
        rows = cursor.fetchall()
    result = {}
    for name, non_unique, column in rows:
        result.setdefault(name, (not non_unique, []))[1].append(column)
    return sorted((unique, tuple(columns)) for unique, columns in result.values())


def test_the_inbox_has_its_deduplication_key_and_an_index_for_every_lookup():
    assert indexes("connector_webhook_event") == sorted(
        [
            (True, ("id",)),
            (True, ("shop", "topic", "event_id")),  # de-duplication (race-safe)
            (False, ("state", "next_attempt_at")),  # recovery sweeps, status filter
            (False, ("shop",)),  # shop filter and search, ordered by id (InnoDB appends the key)
            (False, ("topic",)),  # topic filter
            (False, ("event_id",)),  # exact-id search
            (False, ("webhook_id",)),
            (False, ("created_at",)),  # date filters, pruning
            (True, ("task_id",)),  # a task finds its event
        ]
    )


def test_data_exports_are_found_by_shop_and_customer():
    assert (False, ("shop", "customer_id")) in indexes("connector_customer_data_export")
    assert (True, ("source_event_id",)) in indexes("connector_customer_data_export")
