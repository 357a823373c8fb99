"""The Django admin site for users: every write goes through ``services.py``.

Role (and username, and the staff flags that follow from the role) are read-only once a
user exists; unticking "active" deactivates through ``user_deactivate`` (appointments
cancelled, tokens revoked); users are never deleted; new users are created by
``user_create`` (a doctor or patient gets a profile) after the API's own registration
checks; a password set here ends the user's tokens (``user_set_password``).
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm, UserChangeForm, UserCreationForm
from django.http import HttpResponseRedirect

from core.exceptions import ApplicationError

from . import services
from .models import DoctorProfile, Gender, PatientProfile, Role, User
from .serializers import PROFILE_SERIALIZERS, UserCreateSerializer

PROFILE_FIELDS = [name for serializer in PROFILE_SERIALIZERS.values() for name in serializer.Meta.fields]
USER_FIELDS = ["username", "role", "first_name", "last_name", "email"]
# Fields the change form may write, and the service argument each goes to.
CHANGEABLE = ["first_name", "last_name", "email", "is_active"]


class DoctorProfileInline(admin.StackedInline):
    model = DoctorProfile
    can_delete = False


class PatientProfileInline(admin.StackedInline):
    model = PatientProfile
    can_delete = False


class UserAddForm(UserCreationForm):
    """The user and, for a doctor or patient, the profile fields, checked exactly as
    registration checks them (``UserCreateSerializer``), then created by ``user_create``."""

    specialization = forms.CharField(required=False, max_length=100, help_text="Doctors.")
    experience_years = forms.IntegerField(required=False, min_value=0, help_text="Doctors.")
    gender = forms.ChoiceField(required=False, choices=[("", "---------"), *Gender.choices])
    phone = forms.CharField(required=False, max_length=16, help_text="Patients.")
    date_of_birth = forms.DateField(required=False, help_text="Patients (YYYY-MM-DD).")

    class Meta(UserCreationForm.Meta):
        model = User
        fields = USER_FIELDS

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        data = {name: cleaned.get(name) for name in USER_FIELDS + PROFILE_FIELDS}
        data = {name: value for name, value in data.items() if value not in (None, "")}
        serializer = UserCreateSerializer(data={**data, "password": cleaned.get("password1")})
        if not serializer.is_valid():
            for field, errors in serializer.errors.items():
                name = "password1" if field == "password" else field
                self.add_error(name if name in self.fields else None, errors)
        else:
            self.service_arguments = serializer.validated_data
        return cleaned


class PasswordSetForm(AdminPasswordChangeForm):
    """Django's admin password form, saved through ``user_set_password``."""

    def save(self, commit=True):
        password = self.cleaned_data["password1"] if self.cleaned_data["set_usable_password"] else None
        return services.user_set_password(user=self.user, password=password)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = UserChangeForm
    add_form = UserAddForm
    change_password_form = PasswordSetForm
    list_display = ["username", "first_name", "last_name", "role", "is_active", "is_approved", "created_at"]
    list_filter = ["role", "is_active", "is_approved"]
    ordering = ["id"]
    readonly_fields = [
        "username",
        "role",
        "is_approved",
        "is_staff",
        "is_superuser",
        "created_at",
        "last_login",
        "date_joined",
    ]
    fieldsets = (
        (None, {"fields": ["username", "password", "role"]}),
        ("Personal info", {"fields": ["first_name", "last_name", "email"]}),
        (
            "Status",
            {
                "fields": ["is_active", "is_approved", "is_staff", "is_superuser"],
                "description": "Unticking “active” deactivates the user: future appointments "
                "are cancelled and every token stops working. Staff flags follow the role; "
                "doctors are approved with the “Approve selected doctors” action.",
            },
        ),
        ("Dates", {"fields": ["created_at", "last_login", "date_joined"]}),
    )
    add_fieldsets = (
        (None, {"fields": ["username", "password1", "password2", "role"]}),
        ("Personal info", {"fields": ["first_name", "last_name", "email"]}),
        (
            "Profile",
            {
                "fields": ["specialization", "experience_years", "gender", "phone", "date_of_birth"],
                "description": "Doctors: specialization, gender, experience. Patients: phone, "
                "gender, date of birth. Checked as registration checks them.",
            },
        ),
    )
    actions = ["deactivate_selected", "approve_selected"]

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj is not None else []

    def get_inlines(self, request, obj):
        if obj is None:
            return []
        return {Role.DOCTOR: [DoctorProfileInline], Role.PATIENT: [PatientProfileInline]}.get(obj.role, [])

    def has_delete_permission(self, request, obj=None):
        return False  # users are deactivated, never deleted: their history stays

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        # A rule a service refuses (e.g. deactivating oneself) is shown like a form error;
        # the transaction around the change has already been rolled back.
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ApplicationError as exc:
            self.message_user(request, exc.message, messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def save_model(self, request, obj, form, change):
        if not change:
            obj.pk = services.user_create(**form.service_arguments).pk
            obj._state.adding = False
            return
        data = {name: form.cleaned_data[name] for name in CHANGEABLE if name in form.changed_data}
        # A fresh row: ``obj`` already holds the form's values, the service compares with the stored ones.
        services.user_update(user=User.objects.get(pk=obj.pk), by=request.user, data=data)

    def save_formset(self, request, form, formset, change):
        formset.save(commit=False)  # records what changed for the history; saves nothing
        for profile in formset.new_objects:  # an old user without a profile gets one here
            profile.save()
        user = User.objects.get(pk=form.instance.pk)
        for profile, changed in formset.changed_objects:
            services.profile_update(user=user, data={name: getattr(profile, name) for name in changed})

    @admin.action(description="Deactivate selected users (appointments cancelled, tokens revoked)")
    def deactivate_selected(self, request, queryset):
        done = self._apply_each(request, queryset.filter(is_active=True), services.user_deactivate)
        self.message_user(request, f"{done} user(s) deactivated.", messages.SUCCESS)

    @admin.action(description="Approve selected doctors (patients find and book them from now on)")
    def approve_selected(self, request, queryset):
        done = self._apply_each(request, queryset, services.user_approve)
        self.message_user(request, f"{done} doctor(s) approved.", messages.SUCCESS)

    def _apply_each(self, request, users, service) -> int:
        """Run ``service(user=…, by=…)`` on each user; a refusal is shown and skips that one."""
        done = 0
        for user in users:
            try:
                service(user=user, by=request.user)
                done += 1
            except ApplicationError as exc:
                self.message_user(request, f"{user.username}: {exc.message}", messages.ERROR)
        return done
