"""The Django admin site changes users only through the services (driven over its HTTP views)."""

from html.parser import HTMLParser

import pytest
from rest_framework.test import APIClient

from apps.appointments.models import Appointment, Status
from apps.doctors.tests.factories import TimeSlotFactory
from apps.users.models import DoctorProfile, PatientProfile, Role, User
from apps.users.tests.factories import PASSWORD, DoctorFactory, PatientFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "an0ther-Long-passw0rd"


class _FormFields(HTMLParser):
    """The values a browser would submit from the page's main form."""

    def __init__(self):
        super().__init__()
        self.data: dict[str, str] = {}
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        name = attrs.get("name")
        if tag == "input" and name and attrs.get("type") not in ("submit", "button"):
            if attrs.get("type") in ("checkbox", "radio") and "checked" not in attrs:
                return
            self.data[name] = attrs.get("value") or ("on" if attrs.get("type") == "checkbox" else "")
        elif tag == "select" and name:
            self._select = name
            self.data.setdefault(name, "")
        elif tag == "option" and self._select and "selected" in attrs:
            self.data[self._select] = attrs.get("value", "")
        elif tag == "textarea" and name:
            self._textarea = name
            self.data[name] = ""

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        if tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self.data[self._textarea] += data


def form_of(response) -> dict[str, str]:
    assert response.status_code == 200
    parser = _FormFields()
    parser.feed(response.content.decode())
    return {k: v for k, v in parser.data.items() if k != "csrfmiddlewaretoken"}


@pytest.fixture
def site(client, admin):
    client.force_login(admin)
    return client


def change_url(user) -> str:
    return f"/admin/users/user/{user.pk}/change/"


def test_role_is_read_only_on_the_change_page(site, patient):
    page = site.get(change_url(patient))
    data = form_of(page)
    assert not {"role", "username", "is_staff", "is_superuser"} & set(data)
    response = site.post(
        change_url(patient), {**data, "role": "admin", "is_staff": "on", "first_name": "New"}
    )
    assert response.status_code == 302
    patient.refresh_from_db()
    assert (patient.role, patient.is_staff, patient.first_name) == (Role.PATIENT, False, "New")


def test_unticking_active_deactivates_through_the_service(site, patient):
    slot = TimeSlotFactory()
    booked = APIClient()
    tokens = booked.post("/api/auth/login/", {"username": patient.username, "password": PASSWORD}).json()
    booked.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    appointment = booked.post("/api/appointments/", {"timeslot": slot.id}).json()

    data = form_of(site.get(change_url(patient)))
    data.pop("is_active")
    assert site.post(change_url(patient), data).status_code == 302

    patient.refresh_from_db()
    assert patient.is_active is False
    assert Appointment.objects.get(pk=appointment["id"]).status == Status.CANCELLED
    slot.refresh_from_db()
    assert slot.is_available is True
    assert APIClient().post("/api/auth/token/refresh/", {"refresh": tokens["refresh"]}).status_code == 401


def test_an_admin_cannot_deactivate_himself_on_the_admin_site(site, admin):
    data = form_of(site.get(change_url(admin)))
    data.pop("is_active")
    response = site.post(change_url(admin), data, follow=True)
    assert "You cannot deactivate your own account." in response.content.decode()
    admin.refresh_from_db()
    assert admin.is_active is True


def test_users_cannot_be_deleted_on_the_admin_site(site, patient):
    assert site.get(f"/admin/users/user/{patient.pk}/delete/").status_code == 403
    assert site.post(f"/admin/users/user/{patient.pk}/delete/", {"post": "yes"}).status_code == 403
    changelist = site.get("/admin/users/user/").content.decode()
    assert "delete_selected" not in changelist
    site.post(
        "/admin/users/user/", {"action": "delete_selected", "_selected_action": [patient.pk], "post": "yes"}
    )
    assert User.objects.filter(pk=patient.pk).exists()


def test_bulk_deactivation_goes_through_the_service(site, patient):
    other = PatientFactory()
    response = site.post(
        "/admin/users/user/", {"action": "deactivate_selected", "_selected_action": [patient.pk, other.pk]}
    )
    assert response.status_code == 302
    assert not User.objects.filter(pk__in=[patient.pk, other.pk], is_active=True).exists()


@pytest.mark.parametrize(
    ("role", "profile", "model"),
    [
        (
            "doctor",
            {"specialization": "Cardiology", "experience_years": "12", "gender": "male"},
            DoctorProfile,
        ),
        (
            "patient",
            {"phone": "+998901234567", "gender": "female", "date_of_birth": "1994-03-18"},
            PatientProfile,
        ),
    ],
)
def test_a_user_added_on_the_admin_site_gets_a_profile(site, role, profile, model):
    data = form_of(site.get("/admin/users/user/add/"))
    data.update(
        {
            "username": "newcomer",
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
            "role": role,
            **profile,
        }
    )
    response = site.post("/admin/users/user/add/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    user = User.objects.get(username="newcomer")
    assert (user.role, user.is_staff) == (role, False)
    assert model.objects.filter(user=user).exists()
    assert user.check_password(NEW_PASSWORD)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"role": "doctor", "gender": "male"}, "specialization"),
        ({"role": "patient", "gender": "male", "phone": "call me"}, "phone"),
        ({"role": "patient", "gender": "male", "phone": "+998901234567", "username": "MALIKA"}, "username"),
    ],
)
def test_adding_on_the_admin_site_applies_the_registration_checks(site, changes, field):
    PatientFactory(username="malika")
    data = form_of(site.get("/admin/users/user/add/"))
    data.update({"username": "newcomer", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD, **changes})
    response = site.post("/admin/users/user/add/", data)
    assert response.status_code == 200
    assert field in response.context["adminform"].form.errors
    assert not User.objects.filter(username__iexact=data["username"]).exclude(username="malika").exists()


def test_a_password_set_on_the_admin_site_ends_the_users_tokens(site, patient):
    tokens = APIClient().post("/api/auth/login/", {"username": patient.username, "password": PASSWORD}).json()
    url = f"/admin/users/user/{patient.pk}/password/"
    data = form_of(site.get(url))
    data.update({"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"})
    assert site.post(url, data).status_code == 302
    assert APIClient().post("/api/auth/token/refresh/", {"refresh": tokens["refresh"]}).status_code == 401
    me = APIClient().get("/api/auth/me/", HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    assert me.status_code == 401


def test_profile_fields_change_on_the_admin_site(site, patient):
    data = form_of(site.get(change_url(patient)))
    data["patient_profile-0-phone"] = "+998907654321"
    assert site.post(change_url(patient), data).status_code == 302
    assert PatientProfile.objects.get(user=patient).phone == "+998907654321"


def test_doctors_are_approved_on_the_admin_site_through_the_service(site, patient):
    waiting = DoctorFactory(is_approved=False)
    response = site.post(
        "/admin/users/user/", {"action": "approve_selected", "_selected_action": [waiting.pk, patient.pk]}
    )
    assert response.status_code == 302
    waiting.refresh_from_db()
    assert waiting.is_approved is True
    data = form_of(site.get(change_url(waiting)))
    assert "is_approved" not in data  # shown, never edited by hand
