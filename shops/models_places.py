"""Places in Dropi's words: the Shopify province → Dropi department table (data, staff edit it
in the admin; the Dropi order placement reads it)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from shops.countries import COUNTRY_CHOICES


class DropiDepartment(models.Model):
    """Which Dropi department a Shopify province is (data, editable by staff).

    ``province_code`` is Shopify's zone code (``ANT``, ``PE-LIM``); Ecuador and Paraguay have no
    Shopify zones, so their rows use ISO 3166-2 codes and match by name. Seeded by
    shops/migrations/0009 from Shopify's address data; Dropi's spelling is unverified unless
    ``verified``.
    """

    country = models.CharField(_("country"), max_length=2, choices=COUNTRY_CHOICES)
    province_code = models.CharField(_("Shopify province code"), max_length=16)
    province_name = models.CharField(_("Shopify province"), max_length=100)
    dropi_name = models.CharField(_("Dropi department"), max_length=100)
    verified = models.BooleanField(_("checked with Dropi"), default=False)
    note = models.CharField(_("note"), max_length=255, blank=True, default="")
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        db_table = "shops_dropi_department"
        verbose_name = _("Dropi department")
        verbose_name_plural = _("Dropi departments")
        ordering = ("country", "province_name")
        constraints = [
            models.UniqueConstraint(fields=("country", "province_code"), name="dropi_department_country_code_uniq")
        ]

    def __str__(self) -> str:
        return f"{self.country} {self.province_code} → {self.dropi_name}"
