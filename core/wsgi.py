"""WSGI entry point: ``core.wsgi:application``."""

import logging
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "core.settings")

application = get_wsgi_application()


def _warn_about_embedded_database() -> None:
    from django.conf import settings

    if settings.EMBEDDED_DATABASE and not settings.DEBUG:
        logging.getLogger("core.wsgi").warning(
            "DATABASE_URL is not set: serving from the EMBEDDED PostgreSQL in .pgdata/ on this "
            "machine (meant for make run and tests). In production set DATABASE_URL to a managed, "
            "backed-up PostgreSQL server."
        )


_warn_about_embedded_database()
