"""The theme tables as MySQL/MariaDB sees them: charset and the constraints the code relies on."""

import pytest
from django.db import IntegrityError, connection, transaction

from themes.models import ThemeArchive, ThemeInstall
from themes.tests.factories import ThemeArchiveFactory, ThemeInstallFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.mysql]


def test_theme_tables_are_utf8mb4_unicode_ci():
    for model in (ThemeArchive, ThemeInstall):
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT COLUMN_NAME, CHARACTER_SET_NAME, COLLATION_NAME FROM information_schema.COLUMNS "
                "WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = %s AND CHARACTER_SET_NAME IS NOT NULL",
                [model._meta.db_table],
            )
            columns = cursor.fetchall()
        assert columns
        for column, charset, collation in columns:
            assert (charset, collation) == ("utf8mb4", "utf8mb4_unicode_ci"), (model, column)


def test_the_database_refuses_a_second_running_install_of_a_shop_but_not_finished_ones():
    shop = "tienda.myshopify.com"
    ThemeInstallFactory(shop=shop, state=ThemeInstall.State.READY, running_shop=None)
    ThemeInstallFactory(shop=shop, state=ThemeInstall.State.FAILED, running_shop=None)
    ThemeInstallFactory(shop=shop, state=ThemeInstall.State.QUEUED, running_shop=shop)
    ThemeInstallFactory(shop="otra.myshopify.com", state=ThemeInstall.State.QUEUED, running_shop="otra.myshopify.com")

    with pytest.raises(IntegrityError), transaction.atomic():
        ThemeInstallFactory(shop=shop, state=ThemeInstall.State.QUEUED, running_shop=shop)


def test_one_archive_row_per_source_and_version():
    archive = ThemeArchiveFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        ThemeArchiveFactory(source_key=archive.source_key, version=archive.version)
