from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from .models import DoctorProfile, PatientProfile, User


class DoctorProfileInline(admin.StackedInline):
    model = DoctorProfile
    can_delete = False


class PatientProfileInline(admin.StackedInline):
    model = PatientProfile
    can_delete = False


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "first_name", "last_name", "role", "is_active", "created_at"]
    list_filter = ["role", "is_active"]
    readonly_fields = ["created_at", "last_login", "date_joined"]
    fieldsets = (*DjangoUserAdmin.fieldsets, ("Clinic", {"fields": ["role", "created_at"]}))
    add_fieldsets = (*DjangoUserAdmin.add_fieldsets, ("Clinic", {"fields": ["role"]}))

    def get_inlines(self, request, obj):
        if obj is None:
            return []
        return {"doctor": [DoctorProfileInline], "patient": [PatientProfileInline]}.get(obj.role, [])
