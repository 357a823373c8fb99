"""``python manage.py worker``: deliver notifications (procrastinate worker over PostgreSQL).

Run as many as you like, on any machine that reaches the database: each job goes to one
worker. SIGINT/SIGTERM stop it gracefully (the running job finishes); a worker killed hard
leaves its job "doing" until another worker, or this one restarted, runs it again.
"""

from __future__ import annotations

import asyncio
import logging

from django.core.management.base import BaseCommand
from procrastinate.contrib.django import app

from apps.notifications.tasks import QUEUE, requeue_stalled_jobs

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Run a worker that sends notification emails and reminders (any number may run)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--concurrency", type=int, default=1, help="Jobs run at once (default 1).")
        parser.add_argument("--name", default=None, help="A name for this worker in the logs.")
        parser.add_argument(
            "--once", action="store_true", help="Run what is due, then stop (cron-style, and for tests)."
        )

    def handle(self, *args, concurrency: int, name: str | None, once: bool, **options) -> None:
        with app.replace_connector(app.connector.get_worker_connector()):
            asyncio.run(self._run(concurrency=concurrency, name=name, once=once))

    async def _run(self, *, concurrency: int, name: str | None, once: bool) -> None:
        async with app.open_async():
            requeued = await requeue_stalled_jobs(app)
            if requeued:
                logger.warning("re-queued %s job(s) of stalled workers", requeued)
            await app.run_worker_async(
                queues=[QUEUE],
                concurrency=concurrency,
                name=name,
                wait=not once,
                install_signal_handlers=True,
            )
