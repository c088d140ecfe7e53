"""Backups: the database and the uploaded files in one directory, and back.

SQLite is copied with its online backup API, page by page under a read transaction, so the
copy is consistent while the server and the worker keep running (WAL included). PostgreSQL
is dumped with `pg_dump --format=custom` and restored with `pg_restore --clean`
(docs/deploy.md). Uploaded files (MEDIA_ROOT) are packed beside the database.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from pathlib import Path

from django.conf import settings
from django.db import connection

SQLITE_FILE = "leadbridge.sqlite3"
PG_FILE = "leadbridge.pgdump"
MEDIA_FILE = "media.tar.gz"
MANIFEST = "manifest.json"


def _is_sqlite() -> bool:
    return connection.vendor == "sqlite"


def _pg_url() -> str:
    db = connection.settings_dict
    user = db.get("USER") or ""
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    auth = f"{user}{password}@" if user else ""
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgresql://{auth}{db.get('HOST') or ''}{port}/{db['NAME']}"


def backup(target: Path) -> Path:
    """Write a backup into the new directory `target`; returns it."""
    target = Path(target)
    target.mkdir(parents=True, exist_ok=False)
    if _is_sqlite():
        connection.ensure_connection()
        destination = sqlite3.connect(target / SQLITE_FILE)
        try:
            connection.connection.backup(destination)
        finally:
            destination.close()
        database = SQLITE_FILE
    else:
        subprocess.run(
            ["pg_dump", "--format=custom", "--no-owner", f"--file={target / PG_FILE}", _pg_url()],
            check=True,
        )
        database = PG_FILE
    media = Path(settings.MEDIA_ROOT)
    with tarfile.open(target / MEDIA_FILE, "w:gz") as tar:
        if media.exists():
            tar.add(media, arcname="media")
    (target / MANIFEST).write_text(
        json.dumps(
            {
                "created_at": dt.datetime.now(dt.UTC).isoformat(),
                "database": database,
                "vendor": connection.vendor,
                "media": MEDIA_FILE,
            },
            indent=2,
        )
    )
    return target


def restore(source: Path) -> None:
    """Replace the database and the uploaded files with the backup in `source`.

    Stop the server and the worker first: the restore overwrites what they would write.
    """
    source = Path(source)
    manifest = json.loads((source / MANIFEST).read_text())
    if manifest["vendor"] != connection.vendor:
        raise ValueError(
            f"This backup is of a {manifest['vendor']} database; this one is {connection.vendor}."
        )
    if _is_sqlite():
        connection.ensure_connection()
        origin = sqlite3.connect(source / manifest["database"])
        try:
            origin.backup(connection.connection)
        finally:
            origin.close()
    else:
        connection.close()
        subprocess.run(
            ["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction",
             f"--dbname={_pg_url()}", str(source / manifest["database"])],
            check=True,
        )  # fmt: skip
    media = Path(settings.MEDIA_ROOT)
    media.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=media.parent) as unpacked:
        with tarfile.open(source / manifest["media"], "r:gz") as tar:
            tar.extractall(unpacked, filter="data")
        if media.exists():
            shutil.rmtree(media)
        packed = Path(unpacked) / "media"
        if packed.exists():
            packed.rename(media)
        else:
            media.mkdir()
