from rest_framework import serializers

from apps.users.models import Role, User

from .services import MAX_SLOT_MINUTES, MIN_SLOT_MINUTES, WHOLE_MINUTES, is_whole_minute


def _whole_minute(value):
    if not is_whole_minute(value):
        raise serializers.ValidationError(WHOLE_MINUTES)


def _time_field(**kwargs) -> serializers.TimeField:
    """A slot time as input: whole minutes ("10:00" or "10:00:00"; "10:00:30", "10:00:00.5" refused)."""
    return serializers.TimeField(validators=[_whole_minute], **kwargs)


# Fields declared, not derived from the model on every response (bench/README.md).
class TimeSlotSerializer(serializers.Serializer):
    """A slot as shown everywhere: `doctor` is the doctor's user id."""

    id = serializers.IntegerField(read_only=True)
    doctor = serializers.IntegerField(source="doctor_id", read_only=True)
    date = serializers.DateField(read_only=True)
    start_time = serializers.TimeField(read_only=True)
    end_time = serializers.TimeField(read_only=True)
    is_available = serializers.BooleanField(read_only=True)


def _doctor_field():
    return serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(role=Role.DOCTOR, is_active=True),
        required=False,
        help_text="The doctor's user id. Admins must send it; doctors may leave it out.",
    )


class TimeSlotCreateSerializer(serializers.Serializer):
    doctor = _doctor_field()
    date = serializers.DateField()
    start_time = _time_field(help_text="Whole minutes: HH:MM (or HH:MM:00).")
    end_time = _time_field(help_text="Whole minutes: HH:MM (or HH:MM:00).")


class BreakSerializer(serializers.Serializer):
    start_time = _time_field()
    end_time = _time_field()


class TimeSlotBulkCreateSerializer(serializers.Serializer):
    doctor = _doctor_field()
    date = serializers.DateField()
    start_time = _time_field(help_text="Start of the first slot.")
    end_time = _time_field(help_text="No slot ends after this time.")
    slot_minutes = serializers.IntegerField(min_value=MIN_SLOT_MINUTES, max_value=MAX_SLOT_MINUTES)
    breaks = BreakSerializer(many=True, required=False, max_length=24)
