"""Signals apps to the right of appointments listen to; appointments never imports them.

``appointment_changed`` is sent by every service in ``services.py`` that books an appointment or
changes its status, inside that service's transaction, after the change is written. Arguments:

- ``appointment``: the appointment as it is now (for a reschedule, the new booking);
- ``event``: ``"booked"``, ``"confirmed"``, ``"cancelled"``, ``"rescheduled"``, ``"completed"``
  or ``"no_show"``;
- ``by``: the user who made the change;
- ``reason``: the text given with the change, or ``""``;
- ``previous``: for ``"rescheduled"``, the old (now cancelled) appointment; otherwise ``None``.

Receivers run in the sender's transaction: whatever they write is rolled back with the change.
Receivers: ``apps.notifications`` (records the emails to send).
"""

from django.dispatch import Signal

appointment_changed = Signal()
