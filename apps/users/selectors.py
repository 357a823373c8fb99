"""Reads on users: each selector decides visibility and loads what its serializer shows."""

from __future__ import annotations

from django.db.models import QuerySet

from .models import Role, User


def user_list() -> QuerySet[User]:
    return User.objects.select_related("doctor_profile", "patient_profile").order_by("id")


def doctor_list() -> QuerySet[User]:
    """Active, approved doctors: the directory patients and admins browse."""
    return (
        User.objects.filter(role=Role.DOCTOR, is_active=True, is_approved=True)
        .select_related("doctor_profile")
        .order_by("last_name", "first_name", "id")
    )
