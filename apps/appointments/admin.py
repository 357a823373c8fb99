from django.contrib import admin

from .models import Appointment


@admin.register(Appointment)
class AppointmentAdmin(admin.ModelAdmin):
    """Read-only: bookings change through the API, whose services lock and check the slot."""

    list_display = ["id", "doctor", "patient", "timeslot", "status", "created_at"]
    list_filter = ["status"]
    list_select_related = ["doctor", "patient", "timeslot"]
    search_fields = ["doctor__username", "patient__username"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
