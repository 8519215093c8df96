import factory

from themes.models import ThemeArchive, ThemeInstall


class ThemeArchiveFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ThemeArchive

    source_key = "github:https://api.github.com/ecomdrop/theme"
    source_label = "GitHub ecomdrop/theme @ main"
    version = factory.Sequence(lambda number: f"{number:040x}")
    file = factory.LazyAttribute(lambda archive: f"themes/{archive.sha256}.zip")
    size = 12345
    sha256 = factory.Sequence(lambda number: f"{number:064x}")
    files_count = 12


class ThemeInstallFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ThemeInstall

    shop = factory.Sequence(lambda number: f"shop-{number}.myshopify.com")
    theme_name = "Ecomdrop Theme 2.5"
    state = ThemeInstall.State.READY
