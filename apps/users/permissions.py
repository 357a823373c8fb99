"""Role and ownership checks: the only place they are written; every view uses these."""

from rest_framework.permissions import BasePermission

from .models import Role


class _HasRole(BasePermission):
    role: str = ""
    message = "Your role may not do this."

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.role == self.role)


class IsAdmin(_HasRole):
    role = Role.ADMIN
    message = "Only admins may do this."


class IsDoctor(_HasRole):
    role = Role.DOCTOR
    message = "Only doctors may do this."


class IsPatient(_HasRole):
    role = Role.PATIENT
    message = "Only patients may do this."


class IsOwner(BasePermission):
    """The object belongs to the user: ``view.owner_fields`` names the attributes that may
    hold the owner (e.g. ``("doctor_id", "patient_id")``); admins pass too.

    Visibility is decided in each view's ``get_queryset`` (others' objects answer 404);
    this check guards the actions on an object the user can see.
    """

    message = "You may not change this object."

    def has_permission(self, request, view) -> bool:
        return bool(request.user and request.user.is_authenticated)

    def has_object_permission(self, request, view, obj) -> bool:
        user = request.user
        if user.role == Role.ADMIN:
            return True
        fields = getattr(view, "owner_fields", ("user_id",))
        return any(getattr(obj, field, None) == user.pk for field in fields)
