from rest_framework import serializers

from apps.users.models import Role, User

from .models import Appointment, Status


class PersonSerializer(serializers.ModelSerializer):
    """A doctor or patient inside an appointment; ``id`` is the user id."""

    class Meta:
        model = User
        fields = ["id", "username", "first_name", "last_name"]
        read_only_fields = fields


class SlotTimeSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    date = serializers.DateField(read_only=True)
    start_time = serializers.TimeField(read_only=True)
    end_time = serializers.TimeField(read_only=True)


class AppointmentSerializer(serializers.ModelSerializer):
    doctor = PersonSerializer(read_only=True)
    patient = PersonSerializer(read_only=True)
    timeslot = SlotTimeSerializer(read_only=True)

    class Meta:
        model = Appointment
        fields = ["id", "doctor", "patient", "timeslot", "status", "created_at"]
        read_only_fields = fields


class AppointmentCreateSerializer(serializers.Serializer):
    timeslot = serializers.IntegerField(
        min_value=1, max_value=2**63 - 1, help_text="The id of a free, future time slot."
    )
    patient = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(role=Role.PATIENT, is_active=True),
        required=False,
        help_text="The patient's user id. Admins booking on a patient's behalf must send it.",
    )


class AppointmentStatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=[Status.CONFIRMED, Status.CANCELLED])
