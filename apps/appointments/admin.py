from django.contrib import admin

from core.admin import ReadOnlyAdmin

from .models import Appointment


@admin.register(Appointment)
class AppointmentAdmin(ReadOnlyAdmin):
    """Read-only: bookings change through the API, whose services lock and check the slot."""

    list_display = ["id", "doctor", "patient", "timeslot", "status", "created_at"]
    list_filter = ["status"]
    list_select_related = ["doctor", "patient", "timeslot"]
    search_fields = ["doctor__username", "patient__username"]
