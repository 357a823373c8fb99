from django.dispatch import receiver

from apps.users.signals import user_deactivated

from .services import appointments_cancel_future_of


@receiver(user_deactivated, dispatch_uid="appointments_cancel_future_of_deactivated_user")
def cancel_future_appointments(sender, user, by=None, **kwargs):
    appointments_cancel_future_of(user=user, by=by)
