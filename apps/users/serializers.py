"""Shapes of users and profiles on the wire. Rules live in services.py."""

from __future__ import annotations

from django.contrib.auth.password_validation import validate_password
from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema_field
from rest_framework import serializers
from rest_framework_simplejwt.exceptions import InvalidToken
from rest_framework_simplejwt.serializers import TokenRefreshSerializer
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.utils import get_md5_hash_password

from core.validators import single_line

from .authentication import REVOKED, issued_before_revocation
from .models import DoctorProfile, PatientProfile, Role, User
from .services import SELF_REGISTRATION_CHOICES, USERNAME_TAKEN, username_taken


class DoctorProfileSerializer(serializers.ModelSerializer):
    class Meta:
        model = DoctorProfile
        fields = ["specialization", "experience_years", "gender"]


class PatientProfileSerializer(serializers.ModelSerializer):
    class Meta:
        model = PatientProfile
        fields = ["phone", "date_of_birth", "gender"]


PROFILE_SERIALIZERS = {Role.DOCTOR: DoctorProfileSerializer, Role.PATIENT: PatientProfileSerializer}


class UserSerializer(serializers.ModelSerializer):
    """A user as every endpoint shows it: the role and, for doctors and patients, the profile."""

    profile = serializers.SerializerMethodField()
    # Shown as stored: empty when the user gave none (so not format "email").
    email = serializers.CharField(read_only=True)

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "email",
            "first_name",
            "last_name",
            "role",
            "is_active",
            "is_approved",
            "created_at",
            "profile",
        ]
        read_only_fields = fields

    @extend_schema_field(
        PolymorphicProxySerializer(
            component_name="Profile",
            serializers=[DoctorProfileSerializer, PatientProfileSerializer],
            resource_type_field_name=None,
            allow_null=True,
        )
    )
    def get_profile(self, user: User):
        profile = user.profile
        return PROFILE_SERIALIZERS[user.role](profile).data if profile is not None else None


class FlatProfileInputSerializer(serializers.Serializer):
    """Takes the profile fields of the role flat beside the user fields.

    Field formats come from the profile serializers (and so from the models); ``validate``
    gathers them into ``profile``, requires the role's required ones on create and names
    any field that belongs to another role's profile.
    """

    def get_fields(self):
        fields = super().get_fields()
        for serializer_class in PROFILE_SERIALIZERS.values():
            for name, field in serializer_class().get_fields().items():
                if name not in fields:
                    field.required = False
                    fields[name] = field
        return fields

    def _role(self, attrs) -> str:
        return attrs.get("role") or getattr(self.instance, "role", "")

    def validate(self, attrs):
        attrs = super().validate(attrs)
        names = {n for cls in PROFILE_SERIALIZERS.values() for n in cls.Meta.fields}
        profile = {name: attrs.pop(name) for name in names if name in attrs}
        serializer_class = PROFILE_SERIALIZERS.get(self._role(attrs))
        own = serializer_class().get_fields() if serializer_class else {}
        errors = {
            name: [f"Not a field of the {self._role(attrs)} profile."] for name in profile if name not in own
        }
        if not self.partial:
            errors.update(
                {
                    name: ["This field is required."]
                    for name, field in own.items()
                    if field.required and name not in profile
                }
            )
        if errors:
            raise serializers.ValidationError(errors)
        attrs["profile"] = profile
        return attrs


class _PasswordMixin:
    def validate_password(self, value: str) -> str:
        user = User(
            username=self.initial_data.get("username") or getattr(self.instance, "username", ""),
            first_name=str(self.initial_data.get("first_name") or ""),
            last_name=str(self.initial_data.get("last_name") or ""),
        )
        validate_password(value, user=user)
        return value


class UserCreateSerializer(_PasswordMixin, FlatProfileInputSerializer):
    username = serializers.RegexField(
        User.username_validator.regex,
        max_length=150,
        error_messages={"invalid": User.username_validator.message},
    )
    password = serializers.CharField(write_only=True, max_length=128, style={"input_type": "password"})
    role = serializers.ChoiceField(choices=Role.choices)
    first_name = serializers.CharField(
        max_length=150, required=False, allow_blank=True, validators=[single_line]
    )
    last_name = serializers.CharField(
        max_length=150, required=False, allow_blank=True, validators=[single_line]
    )
    email = serializers.EmailField(max_length=254, required=False, allow_blank=True)

    def validate_username(self, value: str) -> str:
        if username_taken(value):
            raise serializers.ValidationError(USERNAME_TAKEN)
        return value


class RegisterSerializer(UserCreateSerializer):
    role = serializers.ChoiceField(choices=SELF_REGISTRATION_CHOICES)


class UserUpdateSerializer(_PasswordMixin, FlatProfileInputSerializer):
    """Admin PATCH: names, email, password, ``is_active``, profile fields.

    ``username`` and ``role`` are shown for clarity but refused when sent with a new value.
    """

    username = serializers.CharField(required=False)
    role = serializers.CharField(required=False)
    password = serializers.CharField(write_only=True, required=False, max_length=128)
    first_name = serializers.CharField(
        max_length=150, required=False, allow_blank=True, validators=[single_line]
    )
    last_name = serializers.CharField(
        max_length=150, required=False, allow_blank=True, validators=[single_line]
    )
    email = serializers.EmailField(max_length=254, required=False, allow_blank=True)
    is_active = serializers.BooleanField(required=False)

    def _refuse_change(self, field: str, value):
        if value != getattr(self.instance, field):
            raise serializers.ValidationError(f"The {field} cannot be changed.")
        return value

    def validate_username(self, value):
        return self._refuse_change("username", value)

    def validate_role(self, value):
        return self._refuse_change("role", value)

    def validate(self, attrs):
        attrs.pop("username", None)
        attrs.pop("role", None)
        return super().validate(attrs)


class OwnProfileUpdateSerializer(FlatProfileInputSerializer):
    """PATCH of one's own profile: names, email and the role's profile fields."""

    first_name = serializers.CharField(
        max_length=150, required=False, allow_blank=True, validators=[single_line]
    )
    last_name = serializers.CharField(
        max_length=150, required=False, allow_blank=True, validators=[single_line]
    )
    email = serializers.EmailField(max_length=254, required=False, allow_blank=True)


class _OwnProfileSerializer(serializers.ModelSerializer):
    """One's own profile as the profile endpoints answer it: in the shape PATCH takes, the
    profile fields flat beside the user's names and email (plus id, username and role)."""

    role_profile: str

    class Meta:
        model = User
        fields = ["id", "username", "role", "is_approved", "first_name", "last_name", "email"]
        read_only_fields = fields

    def get_fields(self):
        fields = super().get_fields()
        fields["email"] = serializers.CharField(read_only=True)  # as stored, possibly empty
        attribute = {Role.DOCTOR: "doctor_profile", Role.PATIENT: "patient_profile"}[self.role_profile]
        for name, field in PROFILE_SERIALIZERS[self.role_profile]().get_fields().items():
            field.source = f"{attribute}.{name}"
            field.read_only = True
            fields[name] = field
        return fields


class OwnDoctorProfileSerializer(_OwnProfileSerializer):
    role_profile = Role.DOCTOR

    class Meta(_OwnProfileSerializer.Meta):
        ref_name = "OwnDoctorProfile"


class OwnPatientProfileSerializer(_OwnProfileSerializer):
    role_profile = Role.PATIENT

    class Meta(_OwnProfileSerializer.Meta):
        ref_name = "OwnPatientProfile"


class DoctorSerializer(serializers.ModelSerializer):
    """A doctor in the directory; ``id`` is the doctor's user id."""

    specialization = serializers.CharField(source="doctor_profile.specialization", read_only=True)
    experience_years = serializers.IntegerField(source="doctor_profile.experience_years", read_only=True)
    gender = serializers.CharField(source="doctor_profile.gender", read_only=True)

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "first_name",
            "last_name",
            "specialization",
            "experience_years",
            "gender",
            "is_approved",
        ]
        read_only_fields = fields


class LogoutSerializer(serializers.Serializer):
    refresh = serializers.CharField()


class PasswordChangeSerializer(serializers.Serializer):
    old_password = serializers.CharField(write_only=True, max_length=128, style={"input_type": "password"})
    new_password = serializers.CharField(write_only=True, max_length=128, style={"input_type": "password"})

    def validate_new_password(self, value: str) -> str:
        validate_password(value, user=self.context["request"].user)
        return value


class TokenPairSerializer(serializers.Serializer):
    access = serializers.CharField(read_only=True)
    refresh = serializers.CharField(read_only=True)


class RefreshSerializer(TokenRefreshSerializer):
    """simplejwt's refresh, which also refuses a refresh token issued before the user's
    password last changed.

    simplejwt compares its password claim (``CHECK_REVOKE_TOKEN``) on access tokens only;
    ``user_set_password`` blacklists the refresh tokens outstanding at the change, and this
    check covers the rest: a password set elsewhere (``manage.py changepassword``) or a
    refresh token rotated while the password was being changed. It also refuses a refresh
    token issued before the account was last deactivated (``tokens_valid_after``), in the
    same query.
    """

    def validate(self, attrs):
        if not jwt_settings.CHECK_REVOKE_TOKEN:
            return super().validate(attrs)
        refresh = self.token_class(attrs["refresh"])
        user_id = refresh.payload.get(jwt_settings.USER_ID_CLAIM)
        row = User.objects.filter(pk=user_id).values_list("password", "tokens_valid_after").first()
        if row is None:
            return super().validate(attrs)
        password, tokens_valid_after = row
        if refresh.payload.get(jwt_settings.REVOKE_TOKEN_CLAIM) != get_md5_hash_password(password):
            raise InvalidToken(
                {"detail": "The user's password has been changed.", "code": "password_changed"}
            )
        if issued_before_revocation(refresh.payload, tokens_valid_after):
            raise InvalidToken({"detail": REVOKED, "code": "user_inactive"})
        return super().validate(attrs)
