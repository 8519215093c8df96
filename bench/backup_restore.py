"""`manage.py backup` / `restore` against a plain `mysqldump | gzip` / `gunzip | mysql` pipe.

Loads 10,000 shops (configuration with encrypted secrets, offline session, AI profile) and
200,000 product associations into the bench database, then times, in the same run and
alternating, the commands as an operator runs them (a `manage.py` process, so Python start-up
included) and the plain shell pipe with the same mysqldump options. Restores go into a fresh,
empty database each time. Prints medians, file sizes and the ratios (goal ≤ 1.2×).

    DATABASE_URL=mysql://root@127.0.0.1:3306/connector .venv/bin/python bench/backup_restore.py
    (options: --associations 200000 --shops 10000 --repeat 3)
"""

from __future__ import annotations

import argparse
import datetime
import gzip
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from common import ROOT, insert_rows, setup_django

DUMP_OPTIONS = [
    "--single-transaction",
    "--routines",
    "--triggers",
    "--default-character-set=utf8mb4",
    "--no-tablespaces",
    "--hex-blob",
]


def load(*, shops: int, associations: int) -> None:
    from django.db import connection

    from assistant.models import AIConfiguration
    from connector.models import ShopifySession
    from products.models import ProductAssociation
    from shops.models import ShopConfiguration

    tables = {
        ShopConfiguration: shops,
        ShopifySession: shops,
        AIConfiguration: shops,
        ProductAssociation: associations,
    }
    with connection.cursor() as cursor:
        current = {}
        for model in tables:
            cursor.execute(f"SELECT COUNT(*) FROM {model._meta.db_table}")
            current[model] = cursor.fetchone()[0]
    if current == tables:
        print(f"bench data already loaded ({shops:,} shops, {associations:,} associations)")
        return
    started = time.perf_counter()
    with connection.cursor() as cursor:
        for model in tables:
            cursor.execute(f"DELETE FROM {model._meta.db_table}")
    now = datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC)
    randomiser = random.Random(7)
    shop_names = [f"tienda-{number:05d}.myshopify.com" for number in range(shops)]
    # insert_rows encrypts the secrets as the model fields do and fills every other column
    # with its model default.
    insert_rows(
        ShopConfiguration,
        (
            {
                "shop": shop,
                "ecomdrop_api_key": f"ecomdrop-key-{number:08d}",
                "nuevo_pedido_flow_id": f"flow-{number}",
                "dropi_store_name": f"Tienda Ñandú {number} 😀",
                "dropi_country": "CO",
                "dropi_token": f"dropi-token-{number:08d}",
                "created_at": now,
                "updated_at": now,
            }
            for number, shop in enumerate(shop_names)
        ),
    )
    insert_rows(
        ShopifySession,
        (
            {
                "id": ShopifySession.offline_id(shop),
                "shop": shop,
                "scope": "read_products,write_products",
                "access_token": f"shpat_{number:032d}",
                "created_at": now,
                "updated_at": now,
            }
            for number, shop in enumerate(shop_names)
        ),
    )
    faq = [{"id": "1", "question": "¿Envían gratis? 🚚", "answer": "Sí, desde $100.000"}]
    insert_rows(
        AIConfiguration,
        (
            {
                "shop": shop,
                "agent_name": "Andrés",
                "company_name": "ClickShop®",
                "company_description": "Tecnología en Bogotá 🇨🇴",
                "faq": faq,
                "created_at": now,
                "updated_at": now,
            }
            for shop in shop_names
        ),
    )

    def associations_rows() -> Iterator[dict[str, object]]:
        for number in range(associations):
            created = now - datetime.timedelta(seconds=randomiser.randrange(60 * 60 * 24 * 365))
            yield {
                "shop": shop_names[number % shops],
                "dropi_product_id": f"{100000 + number}",
                "shopify_product_id": f"gid://shopify/Product/{8_000_000_000 + number}",
                "dropi_product_name": f"Producto Dropi {number} — edición ñ ⌚",
                "shopify_product_title": f"Producto {number}",
                "import_type": "link",
                "dropi_variations": [{"id": 1, "sku": "SKU-1", "color": "Negro 🖤"}],
                "created_at": created,
                "updated_at": created,
            }

    insert_rows(ProductAssociation, associations_rows(), batch_size=10_000)
    print(f"loaded {shops:,} shops and {associations:,} associations in {time.perf_counter() - started:.1f} s")


def _defaults_file(directory: Path) -> str:
    from django.db import connection

    from ops.mysql_clients import _option_lines

    path = directory / "client.cnf"
    path.write_text("\n".join(_option_lines(connection.settings_dict, mariadb_client=True)) + "\n")
    path.chmod(0o600)
    return str(path)


def recreate(admin_defaults: str, name: str) -> None:
    subprocess.run(  # noqa: S603
        [
            _program("client"),
            f"--defaults-file={admin_defaults}",
            "-e",
            f"DROP DATABASE IF EXISTS `{name}`; "
            f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci",
        ],
        check=True,
    )


def _program(kind: str) -> str:
    from ops.mysql_clients import client_program_find

    return client_program_find(kind=kind, prefer_mariadb=True).path


def manage(*arguments: str, database_url: str) -> float:
    env = {**os.environ, "DATABASE_URL": database_url, "DJANGO_SETTINGS_MODULE": "connector.settings_test"}
    started = time.perf_counter()
    result = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", *arguments], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        sys.exit(f"manage.py {' '.join(arguments)} failed:\n{result.stdout}\n{result.stderr}")
    return elapsed


def in_process(command: str, *arguments: str, database: str = "default") -> float:
    """Run a command through call_command in this process: the work without Python start-up."""
    from io import StringIO

    from django.core.management import call_command

    started = time.perf_counter()
    call_command(command, *arguments, database=database, stdout=StringIO(), stderr=StringIO())
    return time.perf_counter() - started


def target_alias(settings_dict: dict, name: str) -> str:
    """Register a connection alias for the restore target database (created on demand)."""
    from django.db import connections
    from django.db.utils import load_backend

    configured = connections.configure_settings(
        {"default": settings_dict, "restore_target": {**settings_dict, "NAME": name}}
    )
    wrapper = load_backend(configured["restore_target"]["ENGINE"]).DatabaseWrapper(
        configured["restore_target"], "restore_target"
    )
    connections._connections.restore_target = wrapper
    return "restore_target"


def shell(command: str) -> float:
    started = time.perf_counter()
    subprocess.run(["bash", "-o", "pipefail", "-c", command], check=True)  # noqa: S603, S607
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--associations", type=int, default=200_000)
    parser.add_argument("--shops", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    options = parser.parse_args()
    setup_django()
    load(shops=options.shops, associations=options.associations)

    from django.db import connection, connections

    source_url = os.environ["DATABASE_URL"]  # set to the bench database by setup_django
    source = connection.settings_dict["NAME"]
    target = f"{source}_restore"
    target_url = source_url.rsplit("/", 1)[0] + f"/{target}"
    with connection.cursor() as cursor:
        cursor.execute("SELECT VERSION()")
        (version,) = cursor.fetchone()

    names = ("ours backup", "in-process backup", "pipe backup", "ours restore", "in-process restore", "pipe restore")
    timings: dict[str, list[float]] = {name: [] for name in names}
    alias = target_alias(dict(connection.settings_dict), target)
    with tempfile.TemporaryDirectory() as directory:
        work = Path(directory)
        defaults = _defaults_file(work)
        ours_file, pipe_file = work / "ours.sql.gz", work / "pipe.sql.gz"
        dump, client = _program("dump"), _program("client")
        dump_command = f"{dump} --defaults-file={defaults} {' '.join(DUMP_OPTIONS)} {source} | gzip > {pipe_file}"
        for round_number in range(options.repeat):
            # Alternate which side goes first so caches favour neither.
            steps = [
                ("ours backup", lambda: manage("backup", "--output", str(ours_file), database_url=source_url)),
                ("in-process backup", lambda: in_process("backup", "--output", str(ours_file))),
                ("pipe backup", lambda: shell(dump_command)),
            ]
            for name, step in steps if round_number % 2 == 0 else reversed(steps):
                timings[name].append(step())
            restores = [
                ("ours restore", lambda: manage("restore", str(ours_file), database_url=target_url)),
                ("in-process restore", lambda: in_process("restore", str(ours_file), database=alias)),
                ("pipe restore", lambda: shell(f"gunzip < {pipe_file} | {client} --defaults-file={defaults} {target}")),
            ]
            for name, step in restores if round_number % 2 == 0 else reversed(restores):
                connections[alias].close()
                recreate(defaults, target)
                timings[name].append(step())
        python_start = statistics.median(
            [manage("check", "--database", "default", database_url=source_url) for _ in range(3)]
        )
        ours_bytes, pipe_bytes = ours_file.stat().st_size, pipe_file.stat().st_size
        plain_bytes = len(gzip.decompress(ours_file.read_bytes()))
        connections[alias].close()
        subprocess.run([client, f"--defaults-file={defaults}", "-e", f"DROP DATABASE `{target}`"], check=True)  # noqa: S603

    median = {name: statistics.median(values) for name, values in timings.items()}
    print(
        f"\nbackup/restore: {options.shops:,} shops + {options.associations:,} associations, {version}, "
        f"{os.cpu_count()} CPU(s), median of {options.repeat}"
    )
    print(f"{'':20} {'manage.py':>10} {'in-process':>11} {'plain pipe':>11} {'ratio':>6} {'ratio in-process':>17}")
    for kind in ("backup", "restore"):
        ours, work, pipe = median[f"ours {kind}"], median[f"in-process {kind}"], median[f"pipe {kind}"]
        print(f"{kind + ' seconds':20} {ours:10.2f} {work:11.2f} {pipe:11.2f} {ours / pipe:6.2f} {work / pipe:17.2f}")
    print(f"{'backup bytes (gzip)':20} {ours_bytes:10,} {'':11} {pipe_bytes:11,} {ours_bytes / pipe_bytes:6.2f}")
    print(f"dump size uncompressed: {plain_bytes:,} bytes; start-up of one manage.py process: {python_start:.2f} s")
    print("manage.py = what an operator runs (a new process); in-process = the same command via call_command.")
    print("restore includes validating the whole file first, the row-count comparison and dbcheck (goal ratio ≤ 1.2)")


if __name__ == "__main__":
    main()
