import pytest


@pytest.fixture
def run_worker(settings):
    """Run a real procrastinate worker in-process on the test database until nothing is due."""
    from procrastinate.contrib.django import app

    from apps.notifications.tasks import QUEUE

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

    def run() -> None:
        with app.replace_connector(app.connector.get_worker_connector()):
            app.run_worker(queues=[QUEUE], wait=False, install_signal_handlers=False, listen_notify=False)

    return run


@pytest.fixture(autouse=True)
def _worker_friendly_database(request):
    """For transactional tests (where workers run): an empty queue (procrastinate's tables are
    unmanaged, so the flush between tests leaves them) and worker threads that close their
    connections (else the test database cannot be dropped at the end)."""
    marker = request.node.get_closest_marker("django_db")
    if not (marker and marker.kwargs.get("transaction")):
        yield
        return
    from django.db import connection, connections

    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE procrastinate_jobs, procrastinate_events, procrastinate_periodic_defers, "
            "procrastinate_workers CASCADE"
        )
    db = connections["default"].settings_dict
    kept, db["CONN_MAX_AGE"] = db["CONN_MAX_AGE"], 0
    yield
    db["CONN_MAX_AGE"] = kept
