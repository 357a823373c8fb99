"""Delete idempotency keys older than 24 hours (or ``--hours``, never fewer than 24).

The notification worker runs it hourly (``apps.notifications.tasks``). Without a worker, run
it on a schedule, e.g. hourly from cron or a systemd timer on one machine:
``15 * * * * cd /srv/clinic && .venv/bin/python manage.py clear_idempotency_keys``.
Keys left longer only cost disk: a repeat after 24 hours is still answered as a repeat.
"""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from apps.idempotency.services import KEEP_FOR, keys_delete_older_than


class Command(BaseCommand):
    help = "Delete Idempotency-Key records older than --hours (default and minimum 24)."

    def add_arguments(self, parser):
        parser.add_argument("--hours", type=int, default=int(KEEP_FOR.total_seconds() // 3600))

    def handle(self, *args, hours: int, **options):
        age = dt.timedelta(hours=hours)
        if age < KEEP_FOR:
            raise CommandError(f"Keys are kept at least {KEEP_FOR.total_seconds() / 3600:.0f} hours.")
        deleted = keys_delete_older_than(age=age)
        self.stdout.write(f"Deleted {deleted} idempotency keys older than {hours} hours.")
