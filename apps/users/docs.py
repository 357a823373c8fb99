"""OpenAPI descriptions and examples of the accounts endpoints, kept out of the views."""

from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)

from core.openapi import TOKEN_NOT_VALID, errors, field_error, list_errors, ok

from .serializers import (
    OwnDoctorProfileSerializer,
    OwnPatientProfileSerializer,
    OwnProfileUpdateSerializer,
    PasswordChangeSerializer,
    TokenPairSerializer,
    UserSerializer,
)

DOCTOR_EXAMPLE = {
    "id": 7,
    "username": "dr.karimov",
    "email": "",
    "first_name": "Aziz",
    "last_name": "Karimov",
    "role": "doctor",
    "is_active": True,
    "is_approved": True,
    "created_at": "2026-11-27T09:00:00+05:00",
    "profile": {"specialization": "Cardiology", "experience_years": 12, "gender": "male"},
}
PATIENT_EXAMPLE = {
    "id": 12,
    "username": "malika",
    "email": "",
    "first_name": "Malika",
    "last_name": "Tosheva",
    "role": "patient",
    "is_active": True,
    "is_approved": True,
    "created_at": "2026-11-27T09:05:00+05:00",
    "profile": {"phone": "+998901234567", "date_of_birth": "1994-03-18", "gender": "female"},
}

TokenPair = TokenPairSerializer
TOKENS = {"access": "eyJhbGciOiJIUzI1NiIs...access", "refresh": "eyJhbGciOiJIUzI1NiIs...refresh"}


register = extend_schema(
    tags=["auth"],
    summary="Register as a doctor or a patient",
    description=(
        "Public. Creates the user and its profile in one transaction. `role` is `doctor` or "
        "`patient` (admins are created by admins). Profile fields go flat beside the user "
        "fields: doctors send `specialization`, `gender`, optional `experience_years` (0-70); "
        "patients send `phone`, `gender`, optional `date_of_birth` (1900-01-01 to today). "
        "Fields such as `is_staff` and `is_approved` are ignored. A username taken in any case "
        "(`Malika` when `malika` exists) is a 400 on `username`, also when both register at the "
        "same instant. A doctor starts with "
        "`is_approved: false` while `DOCTOR_APPROVAL_REQUIRED` is on (the default): he can sign "
        "in, edit his profile and open slots, but patients neither find nor book him until an "
        "admin approves him (`POST /api/users/{id}/approve/`). Throttled (`THROTTLE_RATE_REGISTER`)."
    ),
    examples=[
        OpenApiExample(
            "Patient",
            request_only=True,
            value={
                "username": "malika",
                "password": "s3cure-Passw0rd",
                "role": "patient",
                "first_name": "Malika",
                "last_name": "Tosheva",
                "phone": "+998901234567",
                "date_of_birth": "1994-03-18",
                "gender": "female",
            },
        ),
        OpenApiExample(
            "Doctor",
            request_only=True,
            value={
                "username": "dr.karimov",
                "password": "s3cure-Passw0rd",
                "role": "doctor",
                "first_name": "Aziz",
                "last_name": "Karimov",
                "specialization": "Cardiology",
                "experience_years": 12,
                "gender": "male",
            },
        ),
    ],
    responses={
        201: OpenApiResponse(
            UserSerializer,
            examples=[
                OpenApiExample(
                    "Patient registered", value=PATIENT_EXAMPLE, response_only=True, status_codes=["201"]
                ),
                OpenApiExample(
                    "Doctor registered, waiting for approval",
                    value={**DOCTOR_EXAMPLE, "is_approved": False},
                    response_only=True,
                    status_codes=["201"],
                ),
            ],
        ),
        **errors(
            400,
            429,
            examples={
                400: [
                    (
                        "invalid",
                        "Some fields are invalid.",
                        {"username": ["A user with that username already exists."]},
                    ),
                    ("invalid", "Some fields are invalid.", {"role": ['"admin" is not a valid choice.']}),
                ]
            },
        ),
    },
)

login = extend_schema(
    tags=["auth"],
    summary="Log in: get an access and a refresh token",
    description="Public. The username is matched whatever its case (usernames are unique "
    "case-insensitively). Wrong credentials or a deactivated account answer 401. Throttled per "
    "client address (`THROTTLE_RATE_LOGIN`, 429 `throttled`), and failed logins are counted per "
    "username from any address: after `AXES_FAILURE_LIMIT` of them the username is locked for "
    "`AXES_COOLOFF_MINUTES` (429 `locked_out`, even with the right password).",
    examples=[
        OpenApiExample(
            "Login", request_only=True, value={"username": "malika", "password": "s3cure-Passw0rd"}
        )
    ],
    responses={
        200: ok(TokenPair, TOKENS, "Tokens"),
        **errors(
            400,
            401,
            429,
            examples={
                401: [("no_active_account", "No active account found with the given credentials", None)],
                429: [
                    ("throttled", "Request was throttled. Expected available in 42 seconds.", None),
                    (
                        "locked_out",
                        "Too many failed logins for this account; try again in 15 minutes.",
                        None,
                    ),
                ],
            },
        ),
    },
)

refresh = extend_schema(
    tags=["auth"],
    summary="Get a new access token from a refresh token",
    description="The refresh token is rotated: the answer carries a new one and the old one "
    "is blacklisted. Blacklisted or expired tokens and deactivated users answer 401.",
    examples=[OpenApiExample("Refresh", request_only=True, value={"refresh": TOKENS["refresh"]})],
    responses={
        200: ok(TokenPair, TOKENS, "Rotated tokens"),
        **errors(
            400,
            401,
            examples={
                401: [
                    (
                        "token_not_valid",
                        "The token was revoked (logged out, already rotated, or the password changed).",
                        None,
                    ),
                    TOKEN_NOT_VALID,
                ]
            },
        ),
    },
)

logout = extend_schema(
    tags=["auth"],
    summary="Log out: blacklist a refresh token",
    description="The refresh token can no longer be used. Access tokens expire on their own "
    "(`JWT_ACCESS_LIFETIME_MINUTES`).",
    examples=[OpenApiExample("Logout", request_only=True, value={"refresh": TOKENS["refresh"]})],
    responses={
        200: ok(inline_serializer("Empty", fields={}), {}, "Logged out"),
        **errors(400, 401),
    },
)

password_change = extend_schema(
    tags=["auth"],
    summary="Change one's own password",
    description="Any signed-in user. `old_password` must be the current one; `new_password` "
    "passes the password rules (length, not common, not all digits, not like the username). "
    "Answers a fresh token pair: every token issued before, refresh and access, stops working "
    "at once (401 `token_not_valid`), on every device. An admin setting the password through "
    "`PATCH /api/users/{id}/` ends the user's tokens the same way. Throttled like login, and a "
    "wrong `old_password` is a failed login for the username's lockout: after "
    "`AXES_FAILURE_LIMIT` failures (here or at login) this and login answer 429 `locked_out` "
    "for `AXES_COOLOFF_MINUTES`, even with the right password.",
    request=PasswordChangeSerializer,
    examples=[
        OpenApiExample(
            "Change",
            request_only=True,
            value={"old_password": "s3cure-Passw0rd", "new_password": "an0ther-Long-passw0rd"},
        )
    ],
    responses={
        200: ok(TokenPair, TOKENS, "New tokens"),
        **errors(
            400,
            401,
            429,
            examples={
                400: [
                    field_error("old_password", "The old password is not correct."),
                    field_error(
                        "new_password", "This password is too short. It must contain at least 8 characters."
                    ),
                ],
                429: [
                    ("throttled", "Request was throttled. Expected available in 42 seconds.", None),
                    (
                        "locked_out",
                        "Too many failed logins for this account; try again in 15 minutes.",
                        None,
                    ),
                ],
            },
        ),
    },
)

me = extend_schema(
    tags=["auth"],
    summary="The signed-in user",
    description="Any signed-in user: the user with role and profile.",
    responses={200: ok(UserSerializer, PATIENT_EXAMPLE, "Patient"), **errors(401)},
)


def _flat(example: dict) -> dict:
    keep = ["id", "username", "role", "is_approved", "first_name", "last_name", "email"]
    return {**{key: example[key] for key in keep}, **example["profile"]}


def own_profile(role: str):
    example = _flat(DOCTOR_EXAMPLE if role == "doctor" else PATIENT_EXAMPLE)
    answer = OwnDoctorProfileSerializer if role == "doctor" else OwnPatientProfileSerializer
    patch_example = (
        {"specialization": "Cardiology", "experience_years": 13}
        if role == "doctor"
        else {"phone": "+998907654321"}
    )
    other = "patient" if role == "doctor" else "doctor"
    return extend_schema_view(
        get=extend_schema(
            tags=["profiles"],
            summary=f"The {role}'s own profile",
            description=f"{role.capitalize()}s only; other roles get 403. The answer has the "
            "shape PATCH takes: the profile fields flat beside the names and email.",
            responses={200: ok(answer, example, role.capitalize()), **errors(401, 403)},
        ),
        patch=extend_schema(
            tags=["profiles"],
            summary=f"Change the {role}'s own profile",
            description=(
                f"{role.capitalize()}s only. Names, email and the {role} profile fields; "
                f"{other} profile fields are refused with 400. Role and username never change."
            ),
            request=OwnProfileUpdateSerializer,
            examples=[OpenApiExample("Change", request_only=True, value=patch_example)],
            responses={200: ok(answer, example, role.capitalize()), **errors(400, 401, 403)},
        ),
    )


users = extend_schema_view(
    list=extend_schema(
        tags=["users"],
        summary="List users",
        description="Admins only. Filter with `?role=`, `?is_active=` and `?is_approved=`; "
        "`?search=` matches username, first and last name, email.",
        parameters=[
            OpenApiParameter(
                "is_approved",
                bool,
                description="`false`: doctors waiting for approval (admins and patients are always "
                "approved).",
            )
        ],
        responses={200: ok(UserSerializer, DOCTOR_EXAMPLE, "Users", many=True), **list_errors()},
    ),
    create=extend_schema(
        tags=["users"],
        summary="Create a user of any role",
        description="Admins only. Same body as registration, and `role` may also be `admin`. "
        "A doctor created here is approved at once.",
        examples=[
            OpenApiExample(
                "Doctor",
                request_only=True,
                value={
                    "username": "dr.karimov",
                    "password": "s3cure-Passw0rd",
                    "role": "doctor",
                    "specialization": "Cardiology",
                    "experience_years": 12,
                    "gender": "male",
                },
            )
        ],
        responses={
            201: ok(UserSerializer, DOCTOR_EXAMPLE, "Doctor created", status="201"),
            **errors(400, 401, 403),
        },
    ),
    retrieve=extend_schema(
        tags=["users"],
        summary="One user",
        description="Admins only.",
        responses={200: ok(UserSerializer, DOCTOR_EXAMPLE, "Doctor"), **errors(401, 403, 404)},
    ),
    partial_update=extend_schema(
        tags=["users"],
        summary="Change a user",
        description="Admins only. Names, email, password, `is_active` and the role's profile "
        "fields. `username` and `role` are read-only (400 when sent with a new value). A new "
        "`password` ends every token the user had (401 `token_not_valid` from then on). "
        "Setting `is_active` to false deactivates like DELETE; admins cannot deactivate "
        "themselves (400).",
        examples=[
            OpenApiExample("Rename", request_only=True, value={"first_name": "Aziz", "experience_years": 13})
        ],
        responses={
            200: ok(UserSerializer, DOCTOR_EXAMPLE, "Doctor"),
            **errors(
                400,
                401,
                403,
                404,
                examples={
                    400: [("invalid", "Some fields are invalid.", {"role": ["The role cannot be changed."]})]
                },
            ),
        },
    ),
    destroy=extend_schema(
        tags=["users"],
        summary="Deactivate a user",
        description="Admins only. The user is deactivated, not deleted: history is kept, tokens "
        "stop working, future active appointments are cancelled and their slots freed. "
        "Admins cannot deactivate themselves (400).",
        responses={
            204: None,
            **errors(
                400,
                401,
                403,
                404,
                examples={400: [field_error("is_active", "You cannot deactivate your own account.")]},
            ),
        },
    ),
    approve=extend_schema(
        tags=["users"],
        summary="Approve a doctor",
        description="Admins only. A doctor who registered himself is hidden from `/api/doctors/` "
        "and his slots cannot be booked until this call; from then on patients find and book him. "
        "Approving an approved doctor changes nothing (200 again). Admins and patients are always "
        "approved: approving one is refused with 400 `not_a_doctor`.",
        request=None,
        responses={
            200: ok(UserSerializer, DOCTOR_EXAMPLE, "Approved doctor"),
            **errors(
                400,
                401,
                403,
                404,
                examples={400: [("not_a_doctor", "Only doctors need approval; user 12 is a patient.", None)]},
            ),
        },
    ),
)
