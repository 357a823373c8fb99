"""The one hook from appointments: every change that mails someone records ONE procrastinate
job, in the change's own transaction and on its connection: a change that rolls back records
nothing; a committed one is delivered by a worker however long that takes."""

from __future__ import annotations

import json

from django.db import connection
from django.dispatch import receiver

from apps.appointments.signals import appointment_changed

from . import tasks
from .delivery import EVENT_RECIPIENTS

# procrastinate's own defer statement (its sql/queries.sql "defer_jobs", the versioned
# procrastinate_defer_jobs_v1 function) for one job, sent without its per-call Python (job
# objects, composite-array adaptation): about 0.1 ms of client CPU on the booking path instead
# of 0.4 (measured; README "Notifications"). The job is the one notify_change.defer() makes:
# test_recorded_job_is_the_one_procrastinate_defers holds the two together across upgrades.
DEFER_ONE_JOB = (
    "SELECT procrastinate_defer_jobs_v1(ARRAY[ROW(%s, %s, 0, NULL, NULL, %s::jsonb, NULL)"
    "::procrastinate_job_to_defer_v1])"
)


def defer_notify_change(
    *, appointment_id: int, event: str, reason: str = "", previous_id: int | None = None
) -> None:
    args = {"appointment_id": appointment_id, "event": event, "reason": reason, "previous_id": previous_id}
    with connection.cursor() as cursor:
        cursor.execute(DEFER_ONE_JOB, [tasks.QUEUE, tasks.notify_change.name, json.dumps(args)])


@receiver(appointment_changed, dispatch_uid="notifications_record_change")
def record_change(sender, appointment, event, by, reason="", previous=None, **kwargs) -> None:
    if event not in EVENT_RECIPIENTS:  # completed, no_show: nobody is mailed
        return
    defer_notify_change(
        appointment_id=appointment.pk,
        event=event,
        reason=reason or "",
        previous_id=previous.pk if previous is not None else None,
    )
