"""The one hook from appointments: every change that mails someone records ONE job, in the
change's own transaction (the Django connector defers on Django's connection): a change that
rolls back records nothing; a committed one is delivered by a worker however long it takes."""

from django.dispatch import receiver

from apps.appointments.signals import appointment_changed

from . import tasks
from .delivery import EVENT_RECIPIENTS


@receiver(appointment_changed, dispatch_uid="notifications_record_change")
def record_change(sender, appointment, event, by, reason="", previous=None, **kwargs) -> None:
    if event not in EVENT_RECIPIENTS:  # completed, no_show: nobody is mailed
        return
    tasks.notify_change.defer(
        appointment_id=appointment.pk,
        event=event,
        reason=reason or "",
        previous_id=previous.pk if previous is not None else None,
    )
