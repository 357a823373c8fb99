from django.contrib import admin

from core.admin import ReadOnlyAdmin

from .models import TimeSlot


@admin.register(TimeSlot)
class TimeSlotAdmin(ReadOnlyAdmin):
    """Read-only: slots change through the API, whose services apply the scheduling rules."""

    list_display = ["id", "doctor", "date", "start_time", "end_time", "is_available"]
    list_filter = ["is_available", "date"]
    list_select_related = ["doctor"]
    search_fields = ["doctor__username", "doctor__last_name"]
    date_hierarchy = "date"
