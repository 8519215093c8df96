"""Validation and repackaging of theme zips (no network, no database)."""

import io
import random
import stat
import zipfile

import pytest

from simulators.git_host import build_zip, demo_theme_files
from themes.archives import ThemeArchiveInvalid, theme_package

MAX = 50 * 1024 * 1024


def package(data: bytes, max_bytes: int = MAX):
    destination = io.BytesIO()
    result = theme_package(io.BytesIO(data), destination, max_bytes=max_bytes)
    with zipfile.ZipFile(destination) as archive:
        return result, archive.namelist(), {name: archive.read(name) for name in archive.namelist()}


def test_the_github_wrapper_folder_is_removed_and_repository_files_dropped():
    result, names, contents = package(build_zip(demo_theme_files(), prefix="ecomdrop-theme-1a2b3c4/"))

    assert result.stripped_prefix == "ecomdrop-theme-1a2b3c4"
    assert "layout/theme.liquid" in names
    assert "templates/customers/account.liquid" in names
    assert "README.md" not in names
    assert not any(name.startswith(".github") for name in names)
    assert result.dropped == 2
    assert result.files == len(names)
    assert contents["assets/base.css"] == b"body { margin: 0; }"


def test_a_theme_at_the_root_is_kept_as_it_is():
    result, names, _ = package(build_zip(demo_theme_files()))

    assert result.stripped_prefix == ""
    assert "config/settings_schema.json" in names


def test_the_same_files_always_give_the_same_package():
    first, _, _ = package(build_zip(demo_theme_files(), prefix="a-b-1111111/"))
    second, _, _ = package(build_zip(demo_theme_files(), prefix="a-b-2222222/"))

    assert first.sha256 == second.sha256


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({"index.html": "<html>"}, r"layout/theme\.liquid is missing"),
        ({"layout/theme.liquid": "x", "config/settings_schema.json": "[]"}, "nothing under templates/"),
        ({"layout/theme.liquid": "x", "templates/index.json": "{}"}, "nothing under config/"),
    ],
)
def test_archives_that_are_not_themes_are_refused(files, message):
    with pytest.raises(ThemeArchiveInvalid, match=message):
        package(build_zip(files))


def test_a_theme_two_folders_deep_is_not_guessed():
    with pytest.raises(ThemeArchiveInvalid, match=r"layout/theme\.liquid is missing"):
        package(build_zip(demo_theme_files(), prefix="outer/inner/"))


def test_something_that_is_not_a_zip_is_refused():
    with pytest.raises(ThemeArchiveInvalid, match="not a zip"):
        package(b"<html>404 Not Found</html>")


def test_an_empty_zip_is_refused():
    with pytest.raises(ThemeArchiveInvalid, match="empty"):
        package(build_zip({}))


def test_path_traversal_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in demo_theme_files().items():
            archive.writestr(name, content)
        archive.writestr("../../etc/cron.d/evil", "x")
    with pytest.raises(ThemeArchiveInvalid, match="unsafe path"):
        package(buffer.getvalue())


def test_symbolic_links_are_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in demo_theme_files().items():
            archive.writestr(name, content)
        link = zipfile.ZipInfo("assets/passwd")
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(link, "/etc/passwd")
    with pytest.raises(ThemeArchiveInvalid, match="symbolic link"):
        package(buffer.getvalue())


def test_a_package_over_the_cap_is_refused():
    files = demo_theme_files()
    files["assets/big.bin"] = random.Random(7).randbytes(200_000)  # incompressible
    with pytest.raises(ThemeArchiveInvalid, match="once packed"):
        package(build_zip(files), max_bytes=64 * 1024)


def test_a_corrupted_member_is_refused():
    data = bytearray(build_zip({**demo_theme_files(), "assets/data.txt": "A" * 5000}))
    position = data.find(b"assets/data.txt") + len("assets/data.txt") + 2
    data[position : position + 8] = b"\xff" * 8
    with pytest.raises(ThemeArchiveInvalid):
        package(bytes(data))
