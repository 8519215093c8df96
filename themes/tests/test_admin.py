"""The theme tables in the admin console: read-only history, searchable, no secrets."""

import pytest
from django.urls import reverse

from themes.models import ThemeInstall
from themes.tests.factories import ThemeArchiveFactory, ThemeInstallFactory

pytestmark = pytest.mark.django_db


def test_installs_and_archives_are_listed_searchable_and_read_only(admin_client):
    archive = ThemeArchiveFactory()
    install = ThemeInstallFactory(
        shop="tienda.myshopify.com",
        archive=archive,
        version=archive.version,
        theme_id="gid://shopify/OnlineStoreTheme/901",
        error_code="",
    )
    ThemeInstallFactory(
        shop="otra.myshopify.com", state=ThemeInstall.State.FAILED, error_code=ThemeInstall.Error.THEME_LIMIT
    )

    changelist = admin_client.get(reverse("admin:themes_themeinstall_changelist"), {"q": "tienda"})
    assert changelist.status_code == 200
    html = changelist.content.decode()
    assert "tienda.myshopify.com" in html
    assert "otra.myshopify.com" not in html
    by_theme = admin_client.get(
        reverse("admin:themes_themeinstall_changelist"), {"q": "gid://shopify/OnlineStoreTheme/901"}
    )
    assert "tienda.myshopify.com" in by_theme.content.decode()
    failed = admin_client.get(reverse("admin:themes_themeinstall_changelist"), {"error_code": "theme_limit"})
    assert "otra.myshopify.com" in failed.content.decode()

    change = admin_client.get(reverse("admin:themes_themeinstall_change", args=[install.pk]))
    assert change.status_code == 200
    assert 'name="state"' not in change.content.decode()
    assert admin_client.get(reverse("admin:themes_themeinstall_add")).status_code == 403

    archives = admin_client.get(reverse("admin:themes_themearchive_changelist"))
    assert archives.status_code == 200
    assert "GitHub ecomdrop/theme @ main" in archives.content.decode()
    assert admin_client.get(reverse("admin:themes_themearchive_change", args=[archive.pk])).status_code == 200


def test_staff_can_stop_a_stuck_install_so_the_shop_can_try_again(admin_client):
    stuck = ThemeInstallFactory(shop="tienda.myshopify.com", state=ThemeInstall.State.DOWNLOADING)
    ThemeInstall.objects.filter(pk=stuck.pk).update(running_shop="tienda.myshopify.com")
    finished = ThemeInstallFactory(shop="otra.myshopify.com", state=ThemeInstall.State.READY)

    response = admin_client.post(
        reverse("admin:themes_themeinstall_changelist"),
        {"action": "abandon", "_selected_action": [stuck.pk, finished.pk]},
        follow=True,
    )

    assert response.status_code == 200
    stuck.refresh_from_db()
    finished.refresh_from_db()
    assert stuck.state == ThemeInstall.State.FAILED
    assert stuck.error_code == ThemeInstall.Error.ABANDONED
    assert stuck.running_shop is None
    assert finished.state == ThemeInstall.State.READY
