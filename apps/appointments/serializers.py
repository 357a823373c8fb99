from rest_framework import serializers

from apps.users.models import Role, User
from core.validators import multi_line

from .models import SETTABLE_STATUS_CHOICES, Status


# Output serializers declare their fields: ModelSerializer would rebuild them from the model
# on every response, a third of a booking's CPU time (bench/README.md).
class PersonSerializer(serializers.Serializer):
    """A doctor or patient inside an appointment; `id` is the user id."""

    id = serializers.IntegerField(read_only=True)
    username = serializers.CharField(read_only=True)
    first_name = serializers.CharField(read_only=True)
    last_name = serializers.CharField(read_only=True)


class SlotTimeSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    date = serializers.DateField(read_only=True)
    start_time = serializers.TimeField(read_only=True)
    end_time = serializers.TimeField(read_only=True)


class AppointmentSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    doctor = PersonSerializer(read_only=True)
    patient = PersonSerializer(read_only=True)
    timeslot = SlotTimeSerializer(read_only=True)
    status = serializers.ChoiceField(choices=Status.choices, read_only=True)
    rescheduled_from = serializers.IntegerField(
        source="rescheduled_from_id",
        read_only=True,
        allow_null=True,
        help_text="The id of the appointment this one replaced when it was rescheduled; else null.",
    )
    created_at = serializers.DateTimeField(read_only=True)


class AppointmentCreateSerializer(serializers.Serializer):
    timeslot = serializers.IntegerField(
        min_value=1, max_value=2**63 - 1, help_text="The id of a free, future time slot."
    )
    patient = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(role=Role.PATIENT, is_active=True),
        required=False,
        help_text="The patient's user id. Admins booking on a patient's behalf must send it.",
    )


REASON_MAX_LENGTH = 500


def reason_field() -> serializers.CharField:
    return serializers.CharField(
        max_length=REASON_MAX_LENGTH,
        required=False,
        allow_blank=True,
        default="",
        validators=[multi_line],
        help_text="Why (optional, up to 500 characters; line breaks allowed, no other control "
        "characters); kept in the appointment's history.",
    )


class AppointmentStatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=SETTABLE_STATUS_CHOICES,
        help_text="The new status; who may set which, and when, is the lifecycle table.",
    )
    reason = reason_field()


class StatusChangeSerializer(serializers.Serializer):
    """One entry of an appointment's history."""

    at = serializers.DateTimeField(read_only=True)
    by = serializers.IntegerField(
        source="by_id", read_only=True, allow_null=True, help_text="The user id of who made the change."
    )
    from_status = serializers.ChoiceField(
        choices=Status.choices,
        read_only=True,
        allow_null=True,
        help_text="null for the booking itself.",
    )
    to_status = serializers.ChoiceField(choices=Status.choices, read_only=True)
    reason = serializers.CharField(read_only=True)


class AppointmentRescheduleSerializer(serializers.Serializer):
    timeslot = serializers.IntegerField(
        min_value=1, max_value=2**63 - 1, help_text="The id of a free, future time slot of the same doctor."
    )
    reason = reason_field()
