"""Every accounts endpoint x every role x own/someone else's object, in one table."""

import pytest

from apps.users.tests.factories import AdminFactory, DoctorFactory, PatientFactory

pytestmark = pytest.mark.django_db

NEW_USER = {
    "username": "made-by-admin",
    "password": "s3cure-Passw0rd",
    "role": "patient",
    "phone": "+998901234567",
    "gender": "female",
}

# (caller, method, path, target, body, expected status)
# target: whose id fills {id}: "self", or "doctor"/"patient"/"admin" = someone else of that role,
# "unapproved" = a doctor who registered himself and waits for approval.
MATRIX = [
    ("anonymous", "get", "/api/auth/me/", None, None, 401),
    ("admin", "get", "/api/auth/me/", None, None, 200),
    ("doctor", "get", "/api/auth/me/", None, None, 200),
    ("patient", "get", "/api/auth/me/", None, None, 200),
    # users administration: admins only
    ("anonymous", "get", "/api/users/", None, None, 401),
    ("admin", "get", "/api/users/", None, None, 200),
    ("doctor", "get", "/api/users/", None, None, 403),
    ("patient", "get", "/api/users/", None, None, 403),
    ("anonymous", "post", "/api/users/", None, NEW_USER, 401),
    ("admin", "post", "/api/users/", None, NEW_USER, 201),
    ("doctor", "post", "/api/users/", None, NEW_USER, 403),
    ("patient", "post", "/api/users/", None, NEW_USER, 403),
    ("anonymous", "get", "/api/users/{id}/", "patient", None, 401),
    ("admin", "get", "/api/users/{id}/", "patient", None, 200),
    ("admin", "get", "/api/users/{id}/", "self", None, 200),
    ("doctor", "get", "/api/users/{id}/", "self", None, 403),
    ("doctor", "get", "/api/users/{id}/", "patient", None, 403),
    ("patient", "get", "/api/users/{id}/", "self", None, 403),
    ("patient", "get", "/api/users/{id}/", "patient", None, 403),
    ("admin", "patch", "/api/users/{id}/", "doctor", {"first_name": "New"}, 200),
    ("admin", "patch", "/api/users/{id}/", "self", {"first_name": "New"}, 200),
    ("doctor", "patch", "/api/users/{id}/", "self", {"first_name": "New"}, 403),
    ("patient", "patch", "/api/users/{id}/", "patient", {"first_name": "New"}, 403),
    ("anonymous", "delete", "/api/users/{id}/", "patient", None, 401),
    ("admin", "delete", "/api/users/{id}/", "patient", None, 204),
    ("admin", "delete", "/api/users/{id}/", "self", None, 400),
    ("doctor", "delete", "/api/users/{id}/", "patient", None, 403),
    ("patient", "delete", "/api/users/{id}/", "self", None, 403),
    # approving a doctor: admins only (non-doctors: 400, see test_approval.py)
    ("anonymous", "post", "/api/users/{id}/approve/", "doctor", None, 401),
    ("admin", "post", "/api/users/{id}/approve/", "doctor", None, 200),
    ("admin", "post", "/api/users/{id}/approve/", "unapproved", None, 200),
    ("doctor", "post", "/api/users/{id}/approve/", "unapproved", None, 403),
    ("patient", "post", "/api/users/{id}/approve/", "unapproved", None, 403),
    ("admin", "post", "/api/users/{id}/approve/", "self", None, 400),
    ("admin", "post", "/api/users/{id}/approve/", "patient", None, 400),
    ("doctor", "post", "/api/users/{id}/approve/", "self", None, 403),
    ("doctor", "post", "/api/users/{id}/approve/", "doctor", None, 403),
    ("patient", "post", "/api/users/{id}/approve/", "doctor", None, 403),
    ("patient", "post", "/api/users/{id}/approve/", "self", None, 403),
    # doctor directory: patients and admins
    ("anonymous", "get", "/api/doctors/", None, None, 401),
    ("admin", "get", "/api/doctors/", None, None, 200),
    ("doctor", "get", "/api/doctors/", None, None, 403),
    ("patient", "get", "/api/doctors/", None, None, 200),
    ("anonymous", "get", "/api/doctors/{id}/", "doctor", None, 401),
    ("admin", "get", "/api/doctors/{id}/", "doctor", None, 200),
    ("patient", "get", "/api/doctors/{id}/", "doctor", None, 200),
    ("patient", "get", "/api/doctors/{id}/", "patient", None, 404),
    ("patient", "get", "/api/doctors/{id}/", "unapproved", None, 404),
    ("admin", "get", "/api/doctors/{id}/", "unapproved", None, 404),
    ("patient", "get", "/api/doctors/{id}/timeslots/", "unapproved", None, 404),
    ("admin", "get", "/api/doctors/{id}/timeslots/", "unapproved", None, 404),
    ("doctor", "get", "/api/doctors/{id}/", "self", None, 403),
    ("doctor", "get", "/api/doctors/{id}/", "doctor", None, 403),
    ("patient", "get", "/api/doctors/{id}/timeslots/", "doctor", None, 200),
    ("admin", "get", "/api/doctors/{id}/timeslots/", "doctor", None, 200),
    ("doctor", "get", "/api/doctors/{id}/timeslots/", "self", None, 403),
    ("anonymous", "get", "/api/doctors/{id}/timeslots/", "doctor", None, 401),
    # own profiles
    ("anonymous", "get", "/api/doctor/profile/", None, None, 401),
    ("doctor", "get", "/api/doctor/profile/", None, None, 200),
    ("patient", "get", "/api/doctor/profile/", None, None, 403),
    ("admin", "get", "/api/doctor/profile/", None, None, 403),
    ("doctor", "patch", "/api/doctor/profile/", None, {"experience_years": 9}, 200),
    ("patient", "patch", "/api/doctor/profile/", None, {"experience_years": 9}, 403),
    ("anonymous", "get", "/api/patient/profile/", None, None, 401),
    ("patient", "get", "/api/patient/profile/", None, None, 200),
    ("doctor", "get", "/api/patient/profile/", None, None, 403),
    ("admin", "get", "/api/patient/profile/", None, None, 403),
    ("patient", "patch", "/api/patient/profile/", None, {"phone": "+998907654321"}, 200),
    ("doctor", "patch", "/api/patient/profile/", None, {"phone": "+998907654321"}, 403),
]


@pytest.mark.parametrize(
    ("caller", "method", "path", "target", "body", "expected"),
    MATRIX,
    ids=[f"{c}-{m}-{p}-{t or ''}" for c, m, p, t, _, _ in MATRIX],
)
def test_permission_matrix(api, caller, method, path, target, body, expected):
    people = {"admin": AdminFactory(), "doctor": DoctorFactory(), "patient": PatientFactory()}
    me = people.get(caller)
    if target == "self":
        target_user = me
    elif target:
        target_user = {
            "admin": AdminFactory,
            "doctor": DoctorFactory,
            "patient": PatientFactory,
            "unapproved": lambda: DoctorFactory(is_approved=False),
        }[target]()
    url = path.format(id=target_user.id) if target else path
    response = getattr(api.as_user(me), method)(url, body)
    assert response.status_code == expected, response.content
    if expected >= 400:
        assert response.json()["error"]["message"]


def test_a_refusal_says_which_roles_may(api, doctor):
    response = api.as_user(doctor).get("/api/doctors/")
    assert response.status_code == 403
    assert response.json()["error"]["message"] == "Only patients and admins may do this."
