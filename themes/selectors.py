"""Reads used by the theme views and services: latest install, latest installed theme,
installed theme ids."""

from __future__ import annotations

from themes.models import ThemeInstall


def theme_install_latest(*, shop: str) -> ThemeInstall | None:
    """The shop's most recent install (running or finished), with its archive."""
    return ThemeInstall.objects.filter(shop=shop).select_related("archive").order_by("-id").first()


def theme_install_latest_ready(*, shop: str) -> ThemeInstall | None:
    """The shop's most recent install that put the theme in its library (None: never)."""
    return ThemeInstall.objects.filter(shop=shop, state=ThemeInstall.State.READY).order_by("-id").first()


def theme_installed_ids(*, shop: str) -> set[str]:
    """Shopify ids of the themes this app installed for the shop."""
    return set(
        ThemeInstall.objects.filter(shop=shop, state=ThemeInstall.State.READY)
        .exclude(theme_id="")
        .values_list("theme_id", flat=True)
    )
