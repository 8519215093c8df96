"""The texts the Productos page's script composes, translated on the server.

Owns: the labels the page receives as JSON (counts, empty states, the import dialog, the
synchronised products); the fixed texts are in the template. Must not hold logic: plain
gettext/ngettext calls only.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import ngettext


def page_labels() -> dict[str, str]:
    """Texts the page's script composes (the fixed ones are in the template)."""
    return {**_catalogue_labels(), **_import_labels(), **_synced_labels()}


def _catalogue_labels() -> dict[str, str]:
    """The Products tab: counts, modes, empty states, paging and the product cards."""
    return {
        "found_one": ngettext("%(count)s product found", "%(count)s products found", 1),
        "found_other": ngettext("%(count)s product found", "%(count)s products found", 2),
        "loaded_one": ngettext("%(count)s product in total", "%(count)s products in total", 1),
        "loaded_other": ngettext("%(count)s product in total", "%(count)s products in total", 2),
        "mode_favorites": _("Showing favourite products"),
        "mode_private": _("Showing private products"),
        "mode_search": _("Search results"),
        "empty_title": _("No products available"),
        "empty_favorites": _("You have no favourite products in Dropi. Mark some as favourites in Dropi or search."),
        "empty_private": _("You have no private products in Dropi."),
        "empty_search": _("No Dropi product matches “%(query)s”. Search by another name or id."),
        "loading": _("Loading products…"),
        "searching": _("Searching…"),
        "search": _("Search"),
        "page": _("Page %(page)s of %(pages)s"),
        "range": _("Showing %(start)s – %(end)s of %(total)s products"),
        "suggested": _("Suggested: %(price)s"),
        "from": _("From %(price)s"),
        "no_price": _("No price"),
        "not_available": _("N/A"),
        "variations_one": ngettext("%(count)s variation", "%(count)s variations", 1),
        "variations_other": ngettext("%(count)s variation", "%(count)s variations", 2),
        "private": _("Private"),
        "imported": _("Already imported"),
        "imported_as": _("In Shopify as “%(title)s”"),
        "import": _("Import"),
        "more": "+%(count)s",
        "currency_note": _("Dropi prices are in %(dropi)s and your store sells in %(shop)s; they are not converted."),
        "failed": _("Something went wrong. Try again."),
    }


def _import_labels() -> dict[str, str]:
    """The import dialog: create or link, the Shopify product picker and the variant mapping."""
    return {
        "create_submit": _("Create product"),
        "link_submit": _("Synchronise product"),
        "picker_loading": _("Loading Shopify products…"),
        "picker_empty": _("No products available. Create products in your Shopify store first."),
        "picker_no_match": _("No Shopify product matches your search."),
        "variants_one": ngettext("%(count)s variant", "%(count)s variants", 1),
        "variants_other": ngettext("%(count)s variant", "%(count)s variants", 2),
        "status_ACTIVE": _("Active"),
        "status_DRAFT": _("Draft"),
        "status_ARCHIVED": _("Archived"),
        "choose_product": _("You must choose a Shopify product to synchronise."),
        "variants_loading": _("Loading the product's variants…"),
        "no_variants": _("No variants available"),
        "choose_variant": _("Choose a Shopify variant (optional)"),
        "simple_note": _(
            "This Dropi product has no variations: the price and barcode apply to every variant of the Shopify product."
        ),
        "mapping_help": _(
            "Choose which Shopify variant sells each Dropi variation. Unmapped variants are not changed."
        ),
        "more_variants": _("This product has more than 250 variants; only the first 250 are listed."),
        "keep_price": _("Keeps its Shopify price"),
        "product_row": _("Product"),
        "existing": _("This Dropi product is already synchronised with:"),
        "linked_product": _(
            "Updates “%(title)s”, the product this Dropi product is linked to. To link another one, choose it below."
        ),
        "duplicate_text": _(
            "“%(dropi)s” is already in Shopify as “%(title)s”. Creating a new product adds a second copy to your store."
        ),
        "preview_loading": _("Calculating prices…"),
        "publish_to": _("Also publish to %(channel)s"),
    }


def _synced_labels() -> dict[str, str]:
    """The synchronised products tab: each association, its options and its price rule."""
    return {
        "view": _("View in Shopify"),
        "delete": _("Delete"),
        "deleting": _("Deleting…"),
        "synced_empty": _("No synchronised products"),
        "synced_empty_hint": _("Import a product from the Products tab to see it here."),
        "synced_no_match": _("No synchronised product matches your search."),
        "opt_name": _("Name"),
        "opt_description": _("Description"),
        "opt_images": _("Images"),
        "opt_replace": _("replaced"),
        "opt_barcode": _("Barcode"),
        "rule_suggested": _("Dropi suggested price"),
        "rule_formula": _("Dropi × %(multiplier)s + %(amount)s"),
        "rule_fixed": _("Fixed price %(price)s"),
        "rule_keep": _("Shopify prices kept"),
        "dropi_id": _("Dropi ID: %(id)s"),
        "shopify_id": _("Shopify ID: %(id)s"),
        "images_more": _("+%(count)s more images"),
    }
