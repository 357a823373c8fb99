"""Users, their role, and the doctor and patient profiles.

Profiles live here rather than in ``apps.doctors``: registration creates a user and its
profile in one transaction, and dependencies point one way (users <- doctors <- appointments).
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Upper
from django.utils import timezone

from core.validators import SINGLE_LINE_FORBIDDEN, single_line


class Role(models.TextChoices):
    ADMIN = "admin", "Admin"
    DOCTOR = "doctor", "Doctor"
    PATIENT = "patient", "Patient"


class Gender(models.TextChoices):
    MALE = "male", "Male"
    FEMALE = "female", "Female"


class UserManager(DjangoUserManager):
    def get_by_natural_key(self, username):
        # Usernames are unique case-insensitively (user_username_ci_unique), so "Malika" logs
        # in as malika: the one account, found through the same UPPER() index.
        return self.get(**{f"{self.model.USERNAME_FIELD}__iexact": username})

    def create_superuser(self, username, email=None, password=None, **extra_fields):
        # createsuperuser (also --noinput) makes an admin of this API, not only of the admin site.
        extra_fields["role"] = Role.ADMIN
        return super().create_superuser(username, email, password, **extra_fields)


class User(AbstractUser):
    # AbstractUser's names, with no control characters (they go into the clinic's emails).
    first_name = models.CharField("first name", max_length=150, blank=True, validators=[single_line])
    last_name = models.CharField("last name", max_length=150, blank=True, validators=[single_line])
    role = models.CharField(max_length=16, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    # A self-registered doctor waits for an admin (DOCTOR_APPROVAL_REQUIRED): until then he is
    # hidden from the directory and his slots cannot be booked. Everyone else is approved.
    is_approved = models.BooleanField(default=True)
    # Tokens issued before this are dead for good (apps.users.authentication): set when the
    # account is deactivated, so reactivating it does not bring its old tokens back.
    tokens_valid_after = models.DateTimeField(null=True, blank=True, editable=False)

    objects = UserManager()

    REQUIRED_FIELDS: list[str] = []

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["role", "is_active"], name="user_role_active_idx")]
        constraints = [
            # One account per name whatever its case ("Malika" and "malika" are one person at
            # a front desk). UPPER(), not LOWER(): it is what Django's iexact compares, so
            # this index also serves login (get_by_natural_key) and the registration check.
            models.UniqueConstraint(
                Upper("username"),
                name="user_username_ci_unique",
                violation_error_message="A user with that username already exists.",
            ),
            models.CheckConstraint(condition=Q(role__in=Role.values), name="user_role_valid"),
            # Only admins may reach the Django admin site or bypass permissions.
            models.CheckConstraint(
                condition=Q(role=Role.ADMIN) | Q(is_staff=False, is_superuser=False),
                name="user_staff_only_admin",
            ),
            # Only doctors wait for approval: admins and patients are approved, always.
            models.CheckConstraint(
                condition=Q(role=Role.DOCTOR) | Q(is_approved=True), name="user_only_doctors_unapproved"
            ),
            models.CheckConstraint(
                condition=~Q(first_name__regex=SINGLE_LINE_FORBIDDEN)
                & ~Q(last_name__regex=SINGLE_LINE_FORBIDDEN),
                name="user_names_single_line",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.username} ({self.role})"

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def is_doctor(self) -> bool:
        return self.role == Role.DOCTOR

    @property
    def is_patient(self) -> bool:
        return self.role == Role.PATIENT

    @property
    def profile(self) -> DoctorProfile | PatientProfile | None:
        """The role's profile (doctors and patients have one), or None."""
        attribute = {Role.DOCTOR: "doctor_profile", Role.PATIENT: "patient_profile"}.get(self.role)
        return getattr(self, attribute, None) if attribute else None


EARLIEST_DATE_OF_BIRTH = dt.date(1900, 1, 1)


def validate_not_in_future(value) -> None:
    if value > timezone.localdate():
        raise ValidationError("The date cannot be in the future.", code="future_date")


phone_validator = RegexValidator(
    regex=r"^\+?[0-9]{9,15}$",
    message="Enter a phone number of 9 to 15 digits, optionally starting with '+'.",
)

MAX_EXPERIENCE_YEARS = 70


class DoctorProfile(models.Model):
    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="doctor_profile")
    specialization = models.CharField(max_length=100, validators=[single_line])
    experience_years = models.PositiveSmallIntegerField(
        default=0, validators=[MaxValueValidator(MAX_EXPERIENCE_YEARS)]
    )
    gender = models.CharField(max_length=6, choices=Gender.choices)

    class Meta:
        indexes = [
            # ?specialization= matches case-insensitively: UPPER(specialization) = UPPER(%s).
            models.Index(Upper("specialization"), name="doctor_specialization_ci_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(experience_years__gte=0, experience_years__lte=MAX_EXPERIENCE_YEARS),
                name="doctor_experience_range",
            ),
            models.CheckConstraint(condition=Q(gender__in=Gender.values), name="doctor_gender_valid"),
            models.CheckConstraint(
                condition=~Q(specialization__regex=SINGLE_LINE_FORBIDDEN),
                name="doctor_specialization_single_line",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user.username}: {self.specialization}"


class PatientProfile(models.Model):
    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="patient_profile")
    phone = models.CharField(max_length=16, validators=[phone_validator])
    # 1900-01-01 ... today: the lower bound is also a constraint; "today" moves, so it cannot be one.
    date_of_birth = models.DateField(
        null=True,
        blank=True,
        validators=[
            MinValueValidator(EARLIEST_DATE_OF_BIRTH, message="The date cannot be before 1900-01-01."),
            validate_not_in_future,
        ],
    )
    gender = models.CharField(max_length=6, choices=Gender.choices)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(gender__in=Gender.values), name="patient_gender_valid"),
            models.CheckConstraint(
                condition=Q(phone__regex=r"^\+?[0-9]{9,15}$"), name="patient_phone_format"
            ),
            models.CheckConstraint(
                condition=Q(date_of_birth__gte=EARLIEST_DATE_OF_BIRTH), name="patient_birth_after_1900"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user.username}: {self.phone}"
