"""One Spanish voice: the app speaks to the merchant as *tú* in every string it shows (the
catalogue of every template and Python module, and the pages' own label dictionaries)."""

import gettext
import re
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
# Imperatives and pronouns of *usted* that *tú* never uses ("ingrese" → "ingresa", "espere" → "espera").
USTED = re.compile(
    r"\b(usted|ustedes|ingrese|seleccione|haga|espere|verifique|intente|inténtelo|contacte|asegúrese|elija|"
    r"escriba|revise|vuelva|abra|pulse|presione|utilice|agregue|añada|elimine|guarde|cambie|copie|pegue|"
    r"introduzca|confirme|conecte|instale|actualice|recargue|busque|marque|permita|acepte|compruebe|"
    r"describa|importe|vincule|pruebe|indique|consulte|comuníquese|diríjase|vaya|cierre|reintente|desea)\b",
    re.IGNORECASE,
)
SCRIPTS_WITH_LABELS = [
    "static/shops/configuration.js",
    "static/shops/delivery_rules.js",
    "static/assistant/assistant.js",
]


def catalogue() -> dict[str, str]:
    with open(ROOT / "locale/es/LC_MESSAGES/django.mo", "rb") as compiled:
        return {str(key): str(value) for key, value in gettext.GNUTranslations(compiled)._catalog.items()}


def spanish_labels(path: str) -> str:
    """The ``es: {…}`` dictionary of a page script (its English one follows as ``en: {``)."""
    text = (ROOT / path).read_text()
    return text[text.index("es: {") : text.index("en: {")]


def test_the_catalogue_speaks_as_tu():
    usted = {msgid: text for msgid, text in catalogue().items() if msgid and USTED.search(text)}

    assert usted == {}


@pytest.mark.parametrize("path", SCRIPTS_WITH_LABELS)
def test_the_page_scripts_speak_as_tu(path):
    assert USTED.findall(spanish_labels(path)) == []


def test_the_catalogue_search_invites_with_tu_and_whole_words():
    assert catalogue()["Enter a product ID or product name"] == "Ingresa el ID o el nombre del producto"
    assert catalogue()["Please wait…"] == "Espera un momento…"
