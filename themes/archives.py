"""Validation and repackaging of a Shopify theme zip.

Owns: deciding whether a zip is a Shopify theme (``layout/theme.liquid`` plus files under
``templates/`` and ``config/``), removing the single top-level folder Git hosts wrap archives in
(GitHub ``owner-repo-sha/``, GitLab ``repo-sha-sha/``), dropping what is not theme code
(README, CI files) and writing a clean, deterministic zip. Works on local files only: no HTTP,
no storage, no models.
"""

from __future__ import annotations

import hashlib
import stat
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import BinaryIO

# The folders of a Shopify theme (https://shopify.dev/docs/storefronts/themes/architecture).
THEME_FOLDERS = ("assets", "blocks", "config", "layout", "locales", "sections", "snippets", "templates")
REQUIRED_FILE = "layout/theme.liquid"
REQUIRED_FOLDERS = ("templates", "config")
MAX_ENTRIES = 5000
MAX_UNCOMPRESSED_BYTES = 512 * 1024 * 1024
COPY_CHUNK_BYTES = 256 * 1024
# A fixed timestamp: the same theme files always give the same zip (and the same sha256).
FIXED_DATE_TIME = (2020, 1, 1, 0, 0, 0)


class ThemeArchiveInvalid(Exception):
    """The file is not a usable Shopify theme archive; the message says why (safe to show staff)."""


@dataclass(frozen=True)
class ThemePackage:
    files: int
    dropped: int
    stripped_prefix: str
    size: int
    sha256: str


def _safe_parts(name: str) -> tuple[str, ...]:
    if "\\" in name or name.startswith("/") or "\x00" in name:
        raise ThemeArchiveInvalid(f"unsafe path in the archive: {name[:120]!r}")
    parts = tuple(part for part in PurePosixPath(name).parts if part not in ("", "."))
    if any(part == ".." for part in parts):
        raise ThemeArchiveInvalid(f"unsafe path in the archive: {name[:120]!r}")
    return parts


def _is_symlink(info: zipfile.ZipInfo) -> bool:
    return stat.S_ISLNK(info.external_attr >> 16)


def _theme_root(file_parts: list[tuple[str, ...]]) -> tuple[str, ...]:
    """The folder that holds ``layout/theme.liquid``: the root, or the one wrapper folder."""
    if ("layout", "theme.liquid") in file_parts:
        return ()
    first_segments = {parts[0] for parts in file_parts}
    if len(first_segments) == 1:
        wrapper = next(iter(first_segments))
        if (wrapper, "layout", "theme.liquid") in file_parts:
            return (wrapper,)
    raise ThemeArchiveInvalid(
        "this is not a Shopify theme: layout/theme.liquid is missing (at the root or in one top-level folder)"
    )


def theme_package(source: BinaryIO, destination: BinaryIO, *, max_bytes: int) -> ThemePackage:
    """Validate the zip in ``source`` and write the theme alone, at the root, to ``destination``.

    Raises ThemeArchiveInvalid (not a zip, unsafe paths, links, no theme layout, too many or too
    large files, result over ``max_bytes``).
    """
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise ThemeArchiveInvalid("the file is not a zip archive") from error
    with archive:
        files = _archive_files(archive)
        root = _theme_root([parts for parts, _ in files])
        kept, dropped = _theme_files(files, root)
        _write_package(archive, sorted(kept), destination)
    size = destination.seek(0, 2)
    if size > max_bytes:
        raise ThemeArchiveInvalid(f"the theme is {size} bytes once packed (at most {max_bytes})")
    return ThemePackage(
        files=len(kept),
        dropped=dropped,
        stripped_prefix="/".join(root),
        size=size,
        sha256=_sha256(destination),
    )


def _archive_files(archive: zipfile.ZipFile) -> list[tuple[tuple[str, ...], zipfile.ZipInfo]]:
    """The archive's files with their path parts; ThemeArchiveInvalid for anything unsafe or too big."""
    infos = archive.infolist()
    if len(infos) > MAX_ENTRIES:
        raise ThemeArchiveInvalid(f"the archive has {len(infos)} entries (at most {MAX_ENTRIES})")
    files: list[tuple[tuple[str, ...], zipfile.ZipInfo]] = []
    uncompressed = 0
    for info in infos:
        parts = _safe_parts(info.filename)
        if info.is_dir() or not parts:
            continue
        if _is_symlink(info):
            raise ThemeArchiveInvalid(f"the archive contains a symbolic link: {info.filename[:120]!r}")
        if info.flag_bits & 0x1:
            raise ThemeArchiveInvalid("the archive is encrypted")
        uncompressed += info.file_size
        files.append((parts, info))
    if uncompressed > MAX_UNCOMPRESSED_BYTES:
        raise ThemeArchiveInvalid("the archive unpacks to more than 512 MB")
    if not files:
        raise ThemeArchiveInvalid("the archive is empty")
    return files


def _theme_files(
    files: list[tuple[tuple[str, ...], zipfile.ZipInfo]], root: tuple[str, ...]
) -> tuple[list[tuple[str, zipfile.ZipInfo]], int]:
    """The theme's files under ``root`` by their path in the package, and how many were dropped."""
    kept: list[tuple[str, zipfile.ZipInfo]] = []
    dropped = 0
    for parts, info in files:
        relative = parts[len(root) :] if parts[: len(root)] == root else ()
        if len(relative) < 2 or relative[0] not in THEME_FOLDERS or relative[-1].startswith("."):
            dropped += 1
            continue
        kept.append(("/".join(relative), info))
    folders = {name.split("/", 1)[0] for name, _ in kept}
    missing = [folder for folder in REQUIRED_FOLDERS if folder not in folders]
    if missing:
        raise ThemeArchiveInvalid(
            "this is not a Shopify theme: nothing under " + ", ".join(f"{folder}/" for folder in missing)
        )
    return kept, dropped


def _sha256(destination: BinaryIO) -> str:
    """The package's SHA-256, read from the start; the file is left at its start."""
    destination.seek(0)
    digest = hashlib.sha256()
    while chunk := destination.read(COPY_CHUNK_BYTES):
        digest.update(chunk)
    destination.seek(0)
    return digest.hexdigest()


def _write_package(archive: zipfile.ZipFile, kept: list[tuple[str, zipfile.ZipInfo]], destination: BinaryIO) -> None:
    with zipfile.ZipFile(destination, "w", zipfile.ZIP_DEFLATED) as package:
        for name, info in kept:
            target = zipfile.ZipInfo(name, date_time=FIXED_DATE_TIME)
            target.compress_type = zipfile.ZIP_DEFLATED
            target.external_attr = 0o100644 << 16
            try:
                with archive.open(info) as reader, package.open(target, "w") as writer:
                    while chunk := reader.read(COPY_CHUNK_BYTES):
                        writer.write(chunk)
            except (
                zipfile.BadZipFile,
                zipfile.LargeZipFile,
                zlib.error,
                OSError,
                EOFError,
                NotImplementedError,
            ) as error:
                raise ThemeArchiveInvalid(f"the archive is damaged ({type(error).__name__})") from error
