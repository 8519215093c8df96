"""`manage.py backup`: complete, private files; credentials never on a command line."""

import gzip
import re
import stat
import subprocess
import zlib
from io import StringIO
from pathlib import Path

import boto3
import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import override_settings
from moto import mock_aws

from ops import backup as backup_module
from ops.backup import backup_filename
from ops.tests.databases import admin_execute, database_alias, server_settings, sqlite_alias, unique_name
from shops.models import ShopConfiguration
from shops.tests.factories import ShopConfigurationFactory

STORE_NAME = "Tienda Ñandú 😀🛒"
APP_PASSWORD = "Bk p#pw\"d'\\;:@/ end "  # quotes, backslash, '#' and a trailing space


def run_backup(**options):
    out, err = StringIO(), StringIO()
    call_command("backup", stdout=out, stderr=err, **options)
    return out.getvalue() + err.getvalue()


def files_in(directory):
    return sorted(path.name for path in Path(directory).iterdir())


def fake_dump_program(directory, *, body, exit_status):
    """A stand-in for mysqldump/mariadb-dump that prints ``body`` and exits with ``exit_status``."""
    bin_directory = Path(directory) / "bin"
    bin_directory.mkdir()
    script = bin_directory / "mysqldump"
    script.write_text(
        "#!/bin/sh\n"
        'if [ "$1" = "--version" ]; then echo "mysqldump  Ver 10.19 Distrib 10.11.19-MariaDB"; exit 0; fi\n'
        f"printf '%b' '{body}'\n"
        'echo "mysqldump: Error 2013: Lost connection to server during query" >&2\n'
        f"exit {exit_status}\n"
    )
    script.chmod(0o755)
    (bin_directory / "mariadb-dump").symlink_to(script)
    return bin_directory


@pytest.mark.mysql
@pytest.mark.django_db(transaction=True)
def test_backup_writes_a_private_gzipped_dump_named_by_the_time(tmp_path):
    ShopConfigurationFactory(dropi_store_name=STORE_NAME, ecomdrop_api_key="ecomdrop-key-0123456789")

    output = run_backup(output=str(tmp_path))

    (name,) = files_in(tmp_path)
    assert re.fullmatch(r"backup_\d{8}_\d{6}\.sql\.gz", name)
    path = tmp_path / name
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    dump = gzip.decompress(path.read_bytes())
    assert dump.rstrip().splitlines()[-1].startswith(b"-- Dump completed")
    assert STORE_NAME.encode() in dump
    assert b"ecomdrop-key-0123456789" not in dump  # the secret is in the dump as ciphertext only
    assert re.search(rf"Backup written to {re.escape(str(path))}: [\d.]+ KB in [\d.]+ s \(", output)


@pytest.mark.mysql
@pytest.mark.django_db(transaction=True)
def test_credentials_go_through_a_private_option_file_never_the_command_line(tmp_path, monkeypatch):
    user = unique_name("bk")
    name = connection.settings_dict["NAME"]
    ShopConfigurationFactory(dropi_store_name=STORE_NAME)
    spawned = []
    real_popen = subprocess.Popen

    def recording_popen(arguments, *args, **kwargs):
        defaults = [argument for argument in arguments if str(argument).startswith("--defaults-file=")]
        if defaults:
            option_file = Path(defaults[0].split("=", 1)[1])
            spawned.append(
                {
                    "arguments": list(arguments),
                    "option_file": option_file,
                    "mode": stat.S_IMODE(option_file.stat().st_mode),
                    "content": option_file.read_text(),
                }
            )
        return real_popen(arguments, *args, **kwargs)

    monkeypatch.setattr(backup_module.subprocess, "Popen", recording_popen)
    admin_execute("CREATE USER %s@'%%' IDENTIFIED BY %s", params=[user, APP_PASSWORD])
    try:
        # '_' escaped: the grant covers this database only (and stays within what the suite's account may grant).
        escaped = name.replace("_", "\\_")
        admin_execute(f"GRANT ALL PRIVILEGES ON `{escaped}`.* TO %s@'%%'", params=[user])
        with database_alias("ops_app_user", server_settings(USER=user, PASSWORD=APP_PASSWORD)):
            output = run_backup(database="ops_app_user", output=str(tmp_path / "app.sql.gz"))
    finally:
        admin_execute("DROP USER IF EXISTS %s@'%%'", params=[user])

    (dump_call,) = spawned
    arguments = dump_call["arguments"]
    assert arguments[1].startswith("--defaults-file=")
    for flag in ("--single-transaction", "--routines", "--triggers", "--default-character-set=utf8mb4"):
        assert flag in arguments
    assert not any(APP_PASSWORD.strip() in str(argument) for argument in arguments)
    assert dump_call["mode"] == 0o600
    assert f"user={user}" in dump_call["content"].replace('"', "")
    assert not dump_call["option_file"].exists()
    assert APP_PASSWORD.strip() not in output
    assert STORE_NAME.encode() in gzip.decompress((tmp_path / "app.sql.gz").read_bytes())


@pytest.mark.mysql
@pytest.mark.django_db
def test_a_missing_mysqldump_names_the_package_and_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "nothing-here"))

    with pytest.raises(CommandError) as raised:
        run_backup(output=str(tmp_path))

    assert "`mysqldump` (or `mariadb-dump`) is not installed" in str(raised.value)
    assert "apt-get install mariadb-client" in str(raised.value)
    assert "mysql-client" in str(raised.value)
    assert files_in(tmp_path) == []


@pytest.mark.mysql
@pytest.mark.django_db
@pytest.mark.parametrize(
    ("exit_status", "message"),
    [(2, "dump failed: mysqldump: Error 2013"), (0, "stopped before the end of the dump")],
    ids=["error-exit", "no-completion-line"],
)
def test_an_interrupted_dump_leaves_no_file(tmp_path, monkeypatch, exit_status, message):
    output_directory = tmp_path / "out"
    output_directory.mkdir()
    body = "-- MariaDB dump 10.19\\nINSERT INTO `t` VALUES (1);\\n"
    monkeypatch.setenv("PATH", str(fake_dump_program(tmp_path, body=body, exit_status=exit_status)))

    with pytest.raises(CommandError, match=re.escape(message)):
        run_backup(output=str(output_directory))

    assert files_in(output_directory) == []


@pytest.mark.mysql
@pytest.mark.django_db(transaction=True)
def test_backup_to_stdout_streams_the_archive_and_reports_on_stderr(capfdbinary):
    ShopConfigurationFactory(dropi_store_name=STORE_NAME)
    err = StringIO()

    call_command("backup", output="-", stderr=err)

    archive = capfdbinary.readouterr().out
    dump = gzip.decompress(archive)
    assert dump.rstrip().splitlines()[-1].startswith(b"-- Dump completed")
    assert STORE_NAME.encode() in dump
    assert err.getvalue().startswith("Backup written to stdout: ")


@pytest.mark.mysql
@pytest.mark.django_db
def test_a_failed_backup_to_stdout_is_not_a_valid_archive(tmp_path, monkeypatch, capfdbinary):
    monkeypatch.setenv("PATH", str(fake_dump_program(tmp_path, body="-- MariaDB dump\\n", exit_status=2)))

    with pytest.raises(CommandError, match="failed"):
        call_command("backup", output="-", stderr=StringIO())

    decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)
    decompressor.decompress(capfdbinary.readouterr().out)
    assert not decompressor.eof  # no gzip trailer: nobody can mistake it for a complete backup


@pytest.mark.django_db
def test_sqlite_backup_uses_the_online_backup_api_and_can_be_uploaded(tmp_path):
    media = tmp_path / "media"
    with sqlite_alias("ops_sqlite", tmp_path / "db.sqlite3"), override_settings(MEDIA_ROOT=str(media)):
        ShopConfiguration.objects.using("ops_sqlite").create(shop="a.myshopify.com", dropi_store_name=STORE_NAME)
        output = run_backup(database="ops_sqlite", output=str(tmp_path), upload=True)

    (name,) = [entry for entry in files_in(tmp_path) if entry.startswith("backup_")]
    assert re.fullmatch(r"backup_\d{8}_\d{6}\.sqlite3\.gz", name)
    copy = gzip.decompress((tmp_path / name).read_bytes())
    assert copy.startswith(b"SQLite format 3\x00")
    assert STORE_NAME.encode() in copy
    assert f"uploaded as backups/{name}" in output
    assert (media / "backups" / name).read_bytes() == (tmp_path / name).read_bytes()
    assert "SQLite online backup + gzip" in output


@pytest.mark.django_db
def test_backup_upload_puts_the_file_in_the_s3_bucket(tmp_path):
    bucket = "connector-backups"
    # The default storage settings.py configures when AWS_STORAGE_BUCKET_NAME is set.
    s3_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": bucket,
            "region_name": "us-east-1",
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
    # moto answers boto3's calls in this process: nothing leaves the machine.
    with mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket=bucket)
        with (
            sqlite_alias("ops_sqlite", tmp_path / "db.sqlite3"),
            override_settings(STORAGES={**settings.STORAGES, "default": s3_storage}),
        ):
            ShopConfiguration.objects.using("ops_sqlite").create(shop="a.myshopify.com", dropi_store_name=STORE_NAME)
            output = run_backup(database="ops_sqlite", output=str(tmp_path), upload=True)
        keys = [entry["Key"] for entry in s3.list_objects_v2(Bucket=bucket)["Contents"]]
        (name,) = [entry for entry in files_in(tmp_path) if entry.startswith("backup_")]
        uploaded = s3.get_object(Bucket=bucket, Key=f"backups/{name}")["Body"].read()
        grants = s3.get_object_acl(Bucket=bucket, Key=f"backups/{name}")["Grants"]

    assert keys == [f"backups/{name}"]
    assert uploaded == (tmp_path / name).read_bytes()
    assert f"uploaded as backups/{name}" in output
    assert [grant["Permission"] for grant in grants] == ["FULL_CONTROL"]  # private: the owner only


@pytest.mark.django_db
def test_no_gzip_writes_the_plain_file(tmp_path):
    with sqlite_alias("ops_sqlite", tmp_path / "db.sqlite3"):
        run_backup(database="ops_sqlite", output=str(tmp_path / "plain.sqlite3"), no_gzip=True)

    assert (tmp_path / "plain.sqlite3").read_bytes().startswith(b"SQLite format 3\x00")


@pytest.mark.django_db
def test_upload_needs_a_file_not_stdout():
    with pytest.raises(CommandError, match="--upload needs a file"):
        run_backup(output="-", upload=True)


def test_backup_output_directory_must_exist(tmp_path):
    with pytest.raises(CommandError, match="does not exist"):
        run_backup(output=str(tmp_path / "missing" / "backup.sql.gz"))


def test_an_output_ending_in_a_slash_must_be_an_existing_directory(tmp_path):
    with pytest.raises(CommandError, match="does not exist"):
        run_backup(output=f"{tmp_path}/missing/")

    assert files_in(tmp_path) == []


def test_backup_names_use_the_utc_time():
    import datetime

    moment = datetime.datetime(2025, 3, 4, 5, 6, 7, tzinfo=datetime.UTC)

    assert backup_filename(vendor="mysql", compress=True, now=moment) == "backup_20250304_050607.sql.gz"
    assert backup_filename(vendor="sqlite", compress=False, now=moment) == "backup_20250304_050607.sqlite3"


def gzip_members(data):
    """Number of gzip members in ``data`` (each one decompressed to check it is complete)."""
    members = 0
    while data:
        decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)
        decompressor.decompress(data)
        assert decompressor.eof
        members += 1
        data = decompressor.unused_data
    return members


@pytest.mark.parametrize("size", [0, 10, 10 * 1024 * 1024 + 7])
def test_parallel_compression_writes_one_valid_gzip_stream_in_order(size):
    from io import BytesIO

    from ops.backup import BLOCK_BYTES, _ParallelGzipSink

    data = (b"INSERT INTO `t` VALUES (1,'\xc3\x91and\xc3\xba \xf0\x9f\x98\x80');\n" * (size // 40 + 1))[:size]
    raw = BytesIO()
    sink = _ParallelGzipSink(raw, workers=3)
    for start in range(0, len(data), 1_000_003):
        sink.write(data[start : start + 1_000_003])
    sink.finish()

    assert gzip.decompress(raw.getvalue()) == data
    assert gzip_members(raw.getvalue()) == max(1, -(-size // BLOCK_BYTES))
