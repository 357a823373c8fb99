"""Role and ownership checks: the only place they are written; every view uses these.

``IsAdmin``, ``IsDoctor``, ``IsPatient``, ``has_role(...)`` for several roles, ``IsOwner``.
"""

from rest_framework.permissions import BasePermission

from .models import Role


class _HasRole(BasePermission):
    roles: frozenset[str] = frozenset()
    message = "Your role may not do this."

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.role in self.roles)


def has_role(*roles: str) -> type[BasePermission]:
    """A permission for any of ``roles`` whose 403 says who may (DRF's ``|`` loses messages)."""
    labels = [f"{Role(role).label.lower()}s" for role in roles]
    return type(
        "Is" + "Or".join(Role(role).label for role in roles),
        (_HasRole,),
        {"roles": frozenset(roles), "message": f"Only {' and '.join(labels)} may do this."},
    )


IsAdmin = has_role(Role.ADMIN)
IsDoctor = has_role(Role.DOCTOR)
IsPatient = has_role(Role.PATIENT)


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
