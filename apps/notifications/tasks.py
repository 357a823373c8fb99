"""Worker tasks (procrastinate over PostgreSQL); run them with ``python manage.py worker``.

- ``notify_change``: one job per change (deferred by receivers.py in the change's
  transaction); records and sends the emails it causes and schedules the reminder.
- ``send_reminder``: scheduled ``REMINDER_HOURS_BEFORE`` hours before the start.
- periodic: ``retry_stalled_jobs`` (jobs of a worker that died), ``flush_expired_tokens``
  (simplejwt's blacklist cleanup), ``clear_idempotency_keys`` (hourly: keys past 24 hours),
  ``delete_old_jobs`` (finished jobs after a week; the ``Notification`` rows stay as the
  record of what was sent).

Delivery retries with capped exponential back-off (``NotificationRetry``); every send checks
the ``Notification`` row first, so a retried or re-run job never mails twice.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging

from django.conf import settings
from django.core.management import call_command
from procrastinate import JobContext, RetryDecision
from procrastinate.contrib.django import app
from procrastinate.exceptions import AlreadyEnqueued, ConnectorException
from procrastinate.jobs import Job
from procrastinate.retry import BaseRetryStrategy

from . import delivery

logger = logging.getLogger(__name__)

QUEUE = "notifications"
FINISHED_JOBS_KEPT_HOURS = 7 * 24


class NotificationRetry(BaseRetryStrategy):
    """``base * 2**attempts`` seconds, capped at ``NOTIFICATION_RETRY_MAX_SECONDS``: while the
    mail server is down a message is tried again at least once per cap."""

    def get_retry_decision(self, *, exception: BaseException, job: Job) -> RetryDecision | None:
        limit = settings.NOTIFICATION_RETRY_MAX_ATTEMPTS  # 0: never give up (the default)
        if limit and job.attempts + 1 >= limit:
            logger.error("giving up job %s after %s attempts: %r", job.id, job.attempts + 1, exception)
            return None
        return RetryDecision(retry_in={"seconds": retry_delay(job.attempts)})


def retry_delay(attempts: int) -> int:
    cap = settings.NOTIFICATION_RETRY_MAX_SECONDS
    return min(cap, settings.NOTIFICATION_RETRY_BASE_SECONDS * 2 ** min(attempts, 30))


@app.task(name="notifications.notify_change", queue=QUEUE, retry=NotificationRetry())
def notify_change(appointment_id: int, event: str, reason: str = "", previous_id: int | None = None) -> None:
    notifications = delivery.change_record(
        appointment_id=appointment_id, event=event, reason=reason, previous_id=previous_id
    )
    if event in delivery.REMINDED_EVENTS:
        schedule_reminder(appointment_id)
    delivery.send_all(notifications)


def schedule_reminder(appointment_id: int) -> None:
    """Once per appointment in the queue (the lock), and the send itself is once (the row)."""
    at = delivery.reminder_time(appointment_id)
    if at is None:
        return
    with contextlib.suppress(AlreadyEnqueued):
        send_reminder.configure(schedule_at=at, queueing_lock=f"reminder-{appointment_id}").defer(
            appointment_id=appointment_id
        )


@app.task(name="notifications.send_reminder", queue=QUEUE, retry=NotificationRetry())
def send_reminder(appointment_id: int) -> None:
    delivery.reminder_deliver(appointment_id=appointment_id)


@app.periodic(cron="* * * * *")
@app.task(
    name="notifications.retry_stalled_jobs",
    queue=QUEUE,
    queueing_lock="retry_stalled_jobs",
    pass_context=True,
)
async def retry_stalled_jobs(context: JobContext, timestamp: int) -> None:
    """Jobs left running by a worker that stopped beating (killed, machine lost) run again."""
    await requeue_stalled_jobs(context.app)


async def requeue_stalled_jobs(worker_app) -> int:
    stalled = await worker_app.job_manager.get_stalled_jobs(
        seconds_since_heartbeat=settings.PROCRASTINATE_WORKER_DEFAULTS["stalled_worker_timeout"]
    )
    count = 0
    for job in stalled:
        if job.task_name == retry_stalled_jobs.name:
            continue
        try:
            await worker_app.job_manager.retry_job(job, retry_at=dt.datetime.now(dt.UTC))
        except ConnectorException:  # another worker, starting at the same time, re-queued it first
            continue
        logger.warning("re-running job %s (%s) of a stalled worker", job.id, job.task_name)
        count += 1
    return count


@app.periodic(cron="17 3 * * *")
@app.task(name="notifications.flush_expired_tokens", queue=QUEUE, queueing_lock="flush_expired_tokens")
def flush_expired_tokens(timestamp: int) -> None:
    """simplejwt's blacklist cleanup: outstanding and blacklisted tokens past their expiry."""
    call_command("flushexpiredtokens")


@app.periodic(cron="29 * * * *")
@app.task(name="notifications.clear_idempotency_keys", queue=QUEUE, queueing_lock="clear_idempotency_keys")
def clear_idempotency_keys(timestamp: int) -> None:
    """Idempotency-Key records older than the 24 hours they are kept (apps/idempotency)."""
    call_command("clear_idempotency_keys", verbosity=0)


@app.periodic(cron="43 3 * * *")
@app.task(
    name="notifications.delete_old_jobs", queue=QUEUE, queueing_lock="delete_old_jobs", pass_context=True
)
async def delete_old_jobs(context: JobContext, timestamp: int) -> None:
    await context.app.job_manager.delete_old_jobs(nb_hours=FINISHED_JOBS_KEPT_HOURS, include_failed=True)
