"""Backups proven by a restore (README "Operations", docs/operations.md).

A backup is a folder: the database as one snapshot (pg_dump's custom format, or SQLite's online backup for the
demo), every private file under files/ (listed from the database's file records and from the storage, so an
orphan or a missing file is reported), and manifest.json with each part's size and SHA-256. A restore checks the
whole folder against its manifest before it touches anything, and fills only an empty database and storage
unless forced.
"""

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.db.migrations.loader import MigrationLoader
from django.db.models import FileField

FORMAT = 1
MANIFEST = "manifest.json"
FILES = "files"
DUMP_NAMES = {"postgresql": "database.dump", "sqlite": "database.sqlite3"}
CHUNK = 1024 * 1024


def sha256_of(opened) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    while chunk := opened.read(CHUNK):
        digest.update(chunk)
        size += len(chunk)
    return digest.hexdigest(), size


def file_records(cursor) -> dict[str, list[str]]:
    """Every stored file a model's FileField names, with the fields naming it ("audits.EvidenceFile.file"), read
    through a DB-API cursor: the snapshot's own transaction, or the SQLite copy itself."""
    records: dict[str, list[str]] = {}
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if not isinstance(field, FileField):
                continue
            table, column = model._meta.db_table, field.column
            # Names from the models' own metadata, not from input.
            query = f'SELECT "{column}" FROM "{table}" WHERE "{column}" IS NOT NULL AND "{column}" <> \'\''  # noqa: S608
            cursor.execute(query)
            for (name,) in cursor.fetchall():
                records.setdefault(name, []).append(f"{model._meta.label}.{field.name}")
    return records


def applied_migrations(cursor) -> list[str]:
    cursor.execute("SELECT app, name FROM django_migrations")
    return sorted(f"{app}.{name}" for app, name in cursor.fetchall())


def stored_names(storage=default_storage) -> list[str]:
    """Every object in the private storage (a folder or a bucket), walked through the storage's own listing."""
    names, folders = [], [""]
    while folders:
        folder = folders.pop()
        try:
            subfolders, files = storage.listdir(folder)
        except FileNotFoundError:  # a folder storage whose root was never created holds nothing
            continue
        prefix = f"{folder}/" if folder else ""
        folders += [prefix + name for name in subfolders]
        names += [prefix + name for name in files]
    return sorted(names)


def _inside(root: Path, name: str) -> Path:
    """The path of a storage name under root; a name that would leave it (absolute, '..') is refused."""
    relative = PurePosixPath(name)
    if relative.is_absolute() or ".." in relative.parts or not relative.parts:
        raise CommandError(f"Refused: the file name {name!r} would leave the backup folder.")
    return root.joinpath(*relative.parts)


def _git_rev() -> str:
    git = shutil.which("git")
    if not git or not (settings.BASE_DIR / ".git").exists():
        return os.environ.get("APP_VERSION", "unknown")
    result = subprocess.run(  # noqa: S603 (a fixed argument list, no shell)
        [git, "-C", str(settings.BASE_DIR), "rev-parse", "HEAD"], capture_output=True, text=True, check=False
    )
    return result.stdout.strip() or "unknown"


def _pg_environment(database: dict) -> dict:
    """libpq's variables for pg_dump and pg_restore (a password in PGPASSWORD, never on a command line)."""
    env = {**os.environ, "PGDATABASE": database["NAME"]}
    for key, variable in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"), ("PASSWORD", "PGPASSWORD")):
        if database.get(key):
            env[variable] = str(database[key])
    if sslmode := database.get("OPTIONS", {}).get("sslmode"):
        env["PGSSLMODE"] = sslmode
    return env


def _client(program: str) -> str:
    path = shutil.which(program)
    if not path:
        raise CommandError(
            f"{program} was not found: install the PostgreSQL client programs of the server's major version or "
            "newer (Debian: apt-get install postgresql-client-15)."
        )
    return path


def _run(command: list[str], env: dict, what: str) -> None:
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603 (no shell)
    if result.returncode:
        raise CommandError(f"{what} failed ({result.returncode}): {result.stderr.strip()[-2000:]}")


# --- backup ---------------------------------------------------------------------------------------------------


def _snapshot_database(dump: Path) -> tuple[dict, list[str]]:
    """Write the database to `dump` and read its file records and migrations from the very same snapshot."""
    if connection.vendor == "postgresql":
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
            # pg_dump joins this transaction's snapshot: the dump and the records read below see the same rows.
            command = [_client("pg_dump"), "--format=custom", f"--snapshot={snapshot}", f"--file={dump}"]
            _run(command, _pg_environment(connection.settings_dict), "pg_dump")
            return file_records(cursor), applied_migrations(cursor)
    if connection.vendor == "sqlite":
        # One step of the online backup API holds a read lock for the whole copy: one consistent snapshot, while
        # the portal goes on writing (WAL). The records are then read from the copy itself.
        source, copy = sqlite3.connect(connection.settings_dict["NAME"], timeout=30), sqlite3.connect(dump)
        try:
            source.backup(copy)
            return file_records(copy.cursor()), applied_migrations(copy.cursor())
        finally:
            source.close()
            copy.close()
    raise CommandError(f"Backups support PostgreSQL and SQLite, not {connection.vendor}.")


def _describe(storage) -> dict:
    """Which storage the files came from: its backend and bucket (S3) or folder."""
    if storage is default_storage:
        backend = settings.STORAGES["default"]["BACKEND"]
    else:
        backend = f"{type(storage).__module__}.{type(storage).__name__}"
    return {
        "backend": backend,
        "location": getattr(storage, "bucket_name", "") or str(getattr(storage, "location", "")),
    }


def create_backup(target: Path, *, storage=default_storage, log=print) -> dict:
    """Write a backup into `target` (a new or empty folder) and return its manifest."""
    if target.exists() and any(target.iterdir()):
        raise CommandError(f"{target} is not empty: a backup goes into a new folder.")
    started = time.monotonic()
    (target / FILES).mkdir(parents=True, exist_ok=True)
    dump = target / DUMP_NAMES.get(connection.vendor, "database")
    records, applied = _snapshot_database(dump)
    with open(dump, "rb") as opened:
        dump_sha256, dump_size = sha256_of(opened)
    log(f"database: {connection.vendor} {connection.settings_dict['NAME']} -> {dump.name} ({dump_size} bytes)")

    # Listed after the snapshot: every file a record of the snapshot names was stored before it (names are never
    # reused), so a record whose file is not listed has really lost it.
    in_storage = stored_names(storage)
    files: list[dict[str, Any]] = []
    for name in in_storage:
        destination = _inside(target / FILES, name)
        destination.parent.mkdir(parents=True, exist_ok=True)
        digest, size = hashlib.sha256(), 0
        with storage.open(name, "rb") as source, open(destination, "wb") as copy:
            while chunk := source.read(CHUNK):
                digest.update(chunk)
                copy.write(chunk)
                size += len(chunk)
        files.append({"path": name, "size": size, "sha256": digest.hexdigest()})
    listed = set(in_storage)
    missing = [{"path": name, "records": fields} for name, fields in sorted(records.items()) if name not in listed]
    orphans = sorted(listed - set(records))

    manifest = {
        "format": FORMAT,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "app": {"git_rev": _git_rev(), "migrations": applied},
        "database": {
            "vendor": connection.vendor,
            "name": str(connection.settings_dict["NAME"]),
            "file": dump.name,
            "size": dump_size,
            "sha256": dump_sha256,
        },
        "storage": _describe(storage),
        "files": files,
        "orphans": orphans,
        "missing": missing,
    }
    text = json.dumps(manifest, indent=1, ensure_ascii=False) + "\n"
    (target / MANIFEST).write_text(text)
    log(f"files: {len(files)} ({sum(f['size'] for f in files)} bytes)")
    for name in orphans:
        log(f"warning: orphan (in the storage, no record names it; kept in the backup): {name}")
    for entry in missing:
        log(f"warning: missing (named by {', '.join(entry['records'])}, not in the storage): {entry['path']}")
    log(f"backup written to {target} in {time.monotonic() - started:.1f} s")
    # Kept elsewhere (the operator's log, another host), it shows later that the manifest itself was not replaced.
    log(f"manifest SHA-256: {hashlib.sha256(text.encode()).hexdigest()}")
    return manifest


# --- restore --------------------------------------------------------------------------------------------------


def verify_backup(source: Path) -> dict:
    """The backup's manifest, once every part matches it; otherwise a CommandError listing what does not."""
    try:
        manifest = json.loads((source / MANIFEST).read_text())
    except FileNotFoundError as error:
        raise CommandError(f"Refused: {source} has no {MANIFEST}; it is not a certportal backup.") from error
    except (ValueError, UnicodeDecodeError) as error:
        raise CommandError(f"Refused: {source / MANIFEST} is not readable JSON ({error}).") from error
    if manifest.get("format") != FORMAT:
        raise CommandError(f"Refused: unknown backup format {manifest.get('format')!r} (this code reads {FORMAT}).")

    problems = []
    expected = [(manifest["database"]["file"], manifest["database"])]
    expected += [(f"{FILES}/{entry['path']}", entry) for entry in manifest["files"]]
    for relative, entry in expected:
        path = _inside(source, relative)
        if not path.is_file():
            problems.append(f"{relative}: absent")
            continue
        with open(path, "rb") as opened:
            digest, size = sha256_of(opened)
        if size != entry["size"]:
            problems.append(f"{relative}: {size} bytes, the manifest says {entry['size']} (truncated or altered)")
        elif digest != entry["sha256"]:
            problems.append(f"{relative}: SHA-256 {digest}, the manifest says {entry['sha256']} (altered)")
    known = {relative for relative, _ in expected}
    for path in sorted((source / FILES).rglob("*")):
        relative = path.relative_to(source).as_posix()
        if path.is_file() and relative not in known:
            problems.append(f"{relative}: not in the manifest (added)")
    if problems:
        shown = "\n  ".join(problems[:20]) + (f"\n  … and {len(problems) - 20} more" if len(problems) > 20 else "")
        raise CommandError(
            f"Refused: the backup in {source} does not match its manifest, so it is tampered with, truncated or "
            f"incomplete. Nothing was restored.\n  {shown}"
        )
    return manifest


def _known_migrations() -> set[str]:
    return {f"{app}.{name}" for app, name in MigrationLoader(None, ignore_no_migrations=True).disk_migrations}


def database_is_empty() -> bool:
    if connection.vendor == "postgresql" and not _pg_database_exists():
        return True
    with connection.cursor() as cursor:
        return not connection.introspection.table_names(cursor)


def _pg_database_exists() -> bool:
    with connection._nodb_cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [connection.settings_dict["NAME"]])
        return cursor.fetchone() is not None


def _restore_postgresql(dump: Path, force: bool) -> None:
    name = connection.settings_dict["NAME"]
    if not _pg_database_exists():
        with connection._nodb_cursor() as cursor:
            cursor.execute(f"CREATE DATABASE {connection.ops.quote_name(name)}")
    elif force:
        with connection.cursor() as cursor:
            cursor.execute("DROP SCHEMA public CASCADE")
            cursor.execute("CREATE SCHEMA public")
    connection.close()
    # One transaction: a failure leaves the database as it was (empty). Owners and grants are the restoring user's.
    command = [_client("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction"]
    _run([*command, f"--dbname={name}", str(dump)], _pg_environment(connection.settings_dict), "pg_restore")


def _restore_sqlite(dump: Path) -> None:
    connection.close()
    source, target = sqlite3.connect(dump), sqlite3.connect(connection.settings_dict["NAME"])
    try:
        source.backup(target)  # replaces every page of the target
    finally:
        source.close()
        target.close()


def restore_backup(source: Path, *, storage=default_storage, force: bool = False, log=print) -> dict:
    """Rebuild the configured database and private storage from the backup in `source`."""
    started = time.monotonic()
    manifest = verify_backup(source)
    digest = hashlib.sha256((source / MANIFEST).read_bytes()).hexdigest()
    log(f"backup verified: {len(manifest['files'])} files and the database match the manifest (SHA-256 {digest})")
    vendor = manifest["database"]["vendor"]
    if vendor != connection.vendor:
        raise CommandError(f"Refused: this backup holds a {vendor} database; DATABASE_URL is {connection.vendor}.")
    unknown = sorted(set(manifest["app"]["migrations"]) - _known_migrations())
    if unknown:
        raise CommandError(
            f"Refused: the backup's database has migrations this code does not have ({', '.join(unknown[:5])}); "
            f"restore with the code it was made by (git {manifest['app']['git_rev']}) or newer."
        )
    if not force:
        if not database_is_empty():
            raise CommandError(
                f"Refused: the database {connection.settings_dict['NAME']} is not empty. Restore into a new one, "
                "or pass --force (make restore FORCE=1) to replace its contents."
            )
        if stored_names(storage):
            raise CommandError("Refused: the private storage is not empty. Use a new bucket or folder, or --force.")

    if vendor == "postgresql":
        _restore_postgresql(source / manifest["database"]["file"], force)
    else:
        _restore_sqlite(source / manifest["database"]["file"])
    log(f"database restored into {connection.settings_dict['NAME']} ({time.monotonic() - started:.1f} s)")

    for entry in manifest["files"]:
        name = entry["path"]
        if storage.exists(name):  # only with --force: the storage was empty otherwise
            storage.delete(name)
        with open(_inside(source / FILES, name), "rb") as opened:
            saved = storage.save(name, File(opened, name=name))
        if saved != name:
            raise CommandError(f"The storage kept {name} as {saved}: restore into an empty bucket or folder.")
        with storage.open(name, "rb") as stored:
            digest, _ = sha256_of(stored)
        if digest != entry["sha256"]:
            raise CommandError(f"{name}: the stored copy's SHA-256 is {digest}, not {entry['sha256']}.")
    log(f"files restored and read back: {len(manifest['files'])}")
    pending = _known_migrations() - set(manifest["app"]["migrations"])
    if pending:
        log(f"note: this code has {len(pending)} migration(s) the backup has not: run `manage.py migrate` next")
    log(f"restore finished in {time.monotonic() - started:.1f} s")
    return manifest
