import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import DatabaseError

from apps.users.models import Role, User
from core import embedded_db

ROOT = Path(__file__).resolve().parents[2]


def _python(env: dict, *args: str) -> subprocess.CompletedProcess:
    """Run Python in the project with exactly ``env`` (settings read it at import)."""
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )


def _import_settings(env: dict) -> subprocess.CompletedProcess:
    return _python(env, "-c", "import core.settings")


def _base_env() -> dict:
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG"}}
    # A database URL keeps settings from touching the embedded server; nothing connects.
    env["DATABASE_URL"] = "postgresql://nobody@127.0.0.1:1/none"
    return env


def test_settings_refuse_to_start_without_secret_in_production(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    env = _base_env()
    env["DEBUG"] = "False"
    env["SECRET_KEY"] = ""
    result = _import_settings(env)
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_settings_start_without_secret_when_debug_is_on():
    env = _base_env()
    env["DEBUG"] = "True"
    env["SECRET_KEY"] = ""
    assert _import_settings(env).returncode == 0


def test_embedded_server_starts_and_is_reused(tmp_path):
    data_dir = tmp_path / "pgdata"
    first = embedded_db.start(data_dir)
    try:
        pid = first.get_pid()
        again = embedded_db.start(data_dir)
        assert again.get_pid() == pid
        settings = embedded_db.database_settings(data_dir)
        import psycopg

        with psycopg.connect(
            host=settings["HOST"], port=settings["PORT"], user="postgres", dbname=settings["NAME"]
        ) as conn:
            assert conn.execute("SELECT 1").fetchone() == (1,)
    finally:
        embedded_db.stop(data_dir)


def test_embedded_server_recovers_from_stale_pid_file(tmp_path):
    data_dir = tmp_path / "pgdata"
    embedded_db.start(data_dir)
    embedded_db.stop(data_dir)
    # A killed server leaves postmaster.pid behind, naming a pid some other process may own.
    (data_dir / "postmaster.pid").write_text(f"{1}\n{data_dir}\n0\n5432\n\n\n\nready\n")
    try:
        server = embedded_db.start(data_dir)
        assert server.get_postmaster_info().is_running()
    finally:
        embedded_db.stop(data_dir)


@pytest.mark.django_db
def test_health_answers_ok_with_database(client):
    response = client.get("/api/health/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


@pytest.mark.django_db
def test_health_answers_503_when_database_is_down(client, monkeypatch):
    from django.db.backends.utils import CursorWrapper

    def broken(*args, **kwargs):
        raise DatabaseError("connection refused")

    # Undone before teardown, which clears the (database) cache.
    with monkeypatch.context() as patch:
        patch.setattr(CursorWrapper, "execute", broken)
        response = client.get("/api/health/")
    assert response.status_code == 503
    assert response.json()["database"] == "unavailable"


@pytest.mark.django_db
def test_createsuperuser_noinput_makes_an_admin(monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_USERNAME", "root")
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a-long-admin-passw0rd")
    call_command("createsuperuser", "--noinput", verbosity=0)
    user = User.objects.get(username="root")
    assert user.role == Role.ADMIN
    assert user.is_superuser
    assert user.is_staff
    assert user.check_password("a-long-admin-passw0rd")


def test_deploy_checks_are_clean_with_production_settings():
    env = _base_env()
    env.update(
        DEBUG="False",
        SECRET_KEY="a" * 20 + "production-like-secret-key-with-enough-entropy-1234567890",
        SECURE_SSL_REDIRECT="True",
        SECURE_HSTS_SECONDS="31536000",
        SECURE_HSTS_INCLUDE_SUBDOMAINS="True",
        SECURE_HSTS_PRELOAD="True",
    )
    result = _python(env, "manage.py", "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("num_proxies", "header"),
    [("0", "None"), ("", "None"), ("1", "('HTTP_X_FORWARDED_PROTO', 'https')")],
)
def test_x_forwarded_proto_is_trusted_only_behind_a_declared_proxy(num_proxies, header):
    env = _base_env()
    env.update(SECRET_KEY="x" * 50, NUM_PROXIES=num_proxies)
    result = _python(env, "-c", "import core.settings as s; print(s.SECURE_PROXY_SSL_HEADER)")
    assert result.stdout.strip() == header, result.stderr


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("proxy_header", "status"), [(None, 301), (("HTTP_X_FORWARDED_PROTO", "https"), 200)]
)
def test_a_client_skips_the_https_redirect_with_x_forwarded_proto_only_behind_a_proxy(
    client, settings, proxy_header, status
):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_PROXY_SSL_HEADER = proxy_header  # what NUM_PROXIES=0 / 1 set
    response = client.get("/api/schema/", HTTP_X_FORWARDED_PROTO="https")
    assert response.status_code == status


@pytest.mark.parametrize(
    ("redis_url", "backend"),
    [("redis://127.0.0.1:6379/0", "RedisCache"), ("", "DatabaseCache")],
)
def test_throttle_cache_is_redis_only_when_redis_url_is_set(redis_url, backend):
    env = _base_env()
    env.update(SECRET_KEY="x" * 50, REDIS_URL=redis_url)
    result = _python(env, "-c", "import core.settings as s; print(s.CACHES['default']['BACKEND'])")
    assert result.stdout.strip().endswith(backend), result.stderr


@pytest.mark.django_db
def test_admin_site_lets_admins_in(client, admin):
    client.force_login(admin)
    for page in [
        "/admin/",
        "/admin/users/user/",
        "/admin/doctors/timeslot/",
        "/admin/appointments/appointment/",
    ]:
        assert client.get(page).status_code == 200, page


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/users/%C2%84/", "/api/nothing-here/", "/favicon.ico"])
def test_unknown_urls_answer_404_in_the_api_json_format(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"error": {"code": "not_found", "message": "Not found."}}
