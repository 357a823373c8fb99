"""Writes on users and profiles. Every rule about accounts is here, once."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import authenticate
from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from core.exceptions import ApplicationError, InvalidInput

from .models import DoctorProfile, PatientProfile, Role, User
from .signals import user_deactivated

SELF_REGISTRATION_ROLES = (Role.DOCTOR, Role.PATIENT)
SELF_REGISTRATION_CHOICES = [(role.value, role.label) for role in SELF_REGISTRATION_ROLES]

PROFILE_MODELS = {Role.DOCTOR: DoctorProfile, Role.PATIENT: PatientProfile}

USERNAME_TAKEN = "A user with that username already exists."
# The column's own unique index and the case-insensitive one (User.Meta.constraints).
USERNAME_CONSTRAINTS = {"users_user_username_key", "user_username_ci_unique"}


def _constraint_of(exc: IntegrityError) -> str | None:
    diag = getattr(exc.__cause__, "diag", None)
    return getattr(diag, "constraint_name", None)


def username_taken(username: str) -> bool:
    """Whether an account of this name exists, in any case (the rule; the index backs it)."""
    return User.objects.filter(username__iexact=username).exists()


def user_acting_for(*, by: User, named: User | None, role: str, field: str, action: str) -> User:
    """Whom a request acts for: users of ``role`` act for themselves, admins name one.

    Used by slot creation (doctors) and booking (patients); anyone else gets 403.
    """
    label = Role(role).label.lower()
    if by.role == role:
        if named is not None and named.pk != by.pk:
            raise InvalidInput(f"{label.capitalize()}s {action} for themselves only.", field=field)
        return by
    if by.role == Role.ADMIN:
        if named is None:
            raise InvalidInput(f"Admins must name the {label}.", field=field)
        if named.role != role or not named.is_active:
            raise InvalidInput(f"No active {label} with this id.", field=field)
        return named
    raise ApplicationError(f"Only {label}s and admins {action}.", code="permission_denied", status_code=403)


@transaction.atomic
def user_create(
    *,
    username: str,
    password: str,
    role: str,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    profile: dict[str, Any] | None = None,
    is_approved: bool = True,
) -> User:
    """Create a user of any role with its profile, in one transaction.

    Admins get ``is_staff``/``is_superuser`` so the Django admin site works for them;
    no other role ever does (the ``user_staff_only_admin`` constraint backs this).
    Only a doctor can be created unapproved (``user_only_doctors_unapproved``); an admin
    creating one approves him by doing so (the default).
    """
    is_admin = role == Role.ADMIN
    user = User(
        username=username,
        role=role,
        first_name=first_name,
        last_name=last_name,
        email=email,
        is_staff=is_admin,
        is_superuser=is_admin,
        is_approved=is_approved or role != Role.DOCTOR,
    )
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError as exc:
        # Two registrations of one name (in any case) at once: the serializer's check passed
        # for both, the unique index decides; the loser gets the check's own 400.
        if _constraint_of(exc) in USERNAME_CONSTRAINTS:
            raise InvalidInput(USERNAME_TAKEN, field="username") from exc
        raise
    if role in PROFILE_MODELS:
        PROFILE_MODELS[role].objects.create(user=user, **(profile or {}))
    return user


@transaction.atomic
def user_register(*, role: str, doctor_approval_required: bool, **fields: Any) -> User:
    """Self-registration: doctors and patients only.

    With ``doctor_approval_required`` (``DOCTOR_APPROVAL_REQUIRED``) a doctor starts
    unapproved: he signs in, edits his profile and opens slots, but patients neither find
    nor book him until ``user_approve``.
    """
    if role not in SELF_REGISTRATION_ROLES:
        raise InvalidInput("Only doctors and patients can register.", field="role")
    return user_create(role=role, is_approved=not doctor_approval_required, **fields)


def user_approve(*, user: User, by: User) -> User:
    """An admin approves a doctor: listed and bookable from now on. Idempotent for doctors.

    Admins and patients are approved from the start, so approving one is a mistake (most
    likely a wrong id) and is refused rather than silently accepted.
    """
    if user.role != Role.DOCTOR:
        raise InvalidInput(
            f"Only doctors need approval; user {user.pk} is {'an' if user.is_admin else 'a'} {user.role}.",
            code="not_a_doctor",
        )
    if not user.is_approved:
        User.objects.filter(pk=user.pk).update(is_approved=True)
        user.is_approved = True
    return user


def profile_update(*, user: User, data: dict[str, Any]) -> User:
    """Change the fields of the user's own profile (doctor or patient)."""
    profile = user.profile
    if profile is None or not data:
        return user
    for name, value in data.items():
        setattr(profile, name, value)
    profile.save(update_fields=list(data))
    return user


@transaction.atomic
def user_update(*, user: User, by: User, data: dict[str, Any]) -> User:
    """Admin changes to a user: names, email, password, ``is_active`` and profile fields.

    ``username`` and ``role`` never change (the serializer refuses them).
    """
    data = dict(data)
    profile = data.pop("profile", None) or {}
    password = data.pop("password", None)
    is_active = data.pop("is_active", None)

    for name, value in data.items():
        setattr(user, name, value)
    if data:
        user.save(update_fields=list(data))
    if password:
        user_set_password(user=user, password=password)
    if profile:
        profile_update(user=user, data=profile)
    if is_active is False and user.is_active:
        user_deactivate(user=user, by=by)
    elif is_active is True and not user.is_active:
        user.is_active = True
        user.save(update_fields=["is_active"])
    return user


@transaction.atomic
def user_deactivate(*, user: User, by: User) -> User:
    """Deactivate instead of deleting: history stays, every token stops working.

    Access tokens are refused because simplejwt checks ``is_active`` on each request;
    refresh tokens are blacklisted here. Other apps release what the user holds through
    the ``user_deactivated`` signal, inside this transaction.

    The user row is locked FOR NO KEY UPDATE before anything else (lock order: the docstring
    of apps/appointments/services.py): a booking in flight holds it shared, so it either
    commits first and its appointment is cancelled here, or waits and finds the user inactive.
    Not FOR UPDATE: that would also block foreign-key checks on the row (the history row of a
    change the user is making), which wait while we wait for their slot: a deadlock.
    """
    if user.pk == by.pk:
        raise InvalidInput("You cannot deactivate your own account.", field="is_active")
    locked = User.objects.select_for_update(no_key=True).get(pk=user.pk)
    if not locked.is_active:
        return locked
    locked.is_active = False
    # Every token issued until now stays dead, also after a reactivation.
    locked.tokens_valid_after = timezone.now()
    locked.save(update_fields=["is_active", "tokens_valid_after"])
    _revoke_refresh_tokens(user=locked)
    user_deactivated.send(sender=User, user=locked, by=by)
    user.is_active = False
    user.tokens_valid_after = locked.tokens_valid_after
    return locked


def _revoke_refresh_tokens(*, user: User) -> None:
    """Blacklist every refresh token of the user that could still be used."""
    outstanding = OutstandingToken.objects.filter(user=user, expires_at__gt=timezone.now()).exclude(
        blacklistedtoken__isnull=False
    )
    BlacklistedToken.objects.bulk_create(
        [BlacklistedToken(token=token) for token in outstanding], ignore_conflicts=True
    )


@transaction.atomic
def user_set_password(*, user: User, password: str | None) -> User:
    """Set a new password and end every session the user had, at once.

    Access tokens carry a hash of the password hash (simplejwt's ``CHECK_REVOKE_TOKEN``), so
    they stop matching as soon as this commits; refresh tokens are blacklisted here (and the
    refresh endpoint checks the same claim, for a password set by any other path such as
    ``manage.py changepassword``). Validating the password's strength is the caller's job
    (``validate_password`` in the serializers and admin forms). ``None`` turns password login
    off (the admin site's "disabled").
    """
    if password is None:
        user.set_unusable_password()
    else:
        user.set_password(password)
    user.save(update_fields=["password"])
    _revoke_refresh_tokens(user=user)
    return user


def user_change_password(*, user: User, old_password: str, new_password: str, request: Any) -> User:
    """A user changes their own password: the old one must be right.

    The old password is checked with ``authenticate``, as a login is, so a guess counts
    against the same per-username lockout (django-axes' backend refuses a locked-out username
    even with the right password, and Django sends ``user_login_failed``, which axes counts,
    with the username and ``request``). The caller answers the lockout: when this raises and
    ``request.axes_locked_out`` is set, the username is locked out. Not one transaction: the
    failure is counted in the cache, which may be the database, and must outlive the refusal
    (``user_set_password`` is atomic itself).
    """
    if authenticate(request, username=user.get_username(), password=old_password) is None:
        raise InvalidInput("The old password is not correct.", field="old_password")
    return user_set_password(user=user, password=new_password)
