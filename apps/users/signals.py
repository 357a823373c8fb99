"""Signals other apps listen to; users never imports them (dependencies point one way)."""

from django.dispatch import Signal

# Sent inside the deactivation transaction with ``user`` and ``by`` (the admin): apps to the
# right release what the user holds (future appointments, free slots) in that same transaction.
user_deactivated = Signal()
