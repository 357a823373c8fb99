"""Real races on accounts: threads with their own database connections, committed transactions."""

import pytest
from django.db import IntegrityError, transaction
from rest_framework.test import APIClient

from apps.users.models import User
from apps.users.tests.factories import PatientFactory
from core.testing import race

pytestmark = pytest.mark.django_db(transaction=True)


def patient_body(username: str) -> dict:
    return {
        "username": username,
        "password": "s3cure-Passw0rd",
        "role": "patient",
        "phone": "+998901234567",
        "gender": "female",
    }


def test_twelve_registrations_of_one_name_in_three_spellings_give_one_account():
    spellings = ["malika", "MALIKA", "Malika"] * 4
    # Each from its own address, so the registration throttle stays out of the race.
    responses = race(
        [
            lambda i=i, name=name: APIClient(REMOTE_ADDR=f"127.0.0.{i + 1}").post(
                "/api/auth/register/", patient_body(name)
            )
            for i, name in enumerate(spellings)
        ]
    )

    assert all(not isinstance(r, Exception) for r in responses), responses
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201] + [400] * 11, statuses
    for refused in (r for r in responses if r.status_code == 400):
        assert refused.json()["error"]["fields"] == {
            "username": ["A user with that username already exists."]
        }
    assert User.objects.filter(username__iexact="malika").count() == 1


def test_database_refuses_a_username_differing_only_in_case():
    PatientFactory(username="malika")
    with pytest.raises(IntegrityError, match="user_username_ci_unique"), transaction.atomic():
        User.objects.create(username="MaLiKa", role="patient")


def test_migration_renames_later_case_duplicates_and_keeps_the_oldest():
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    before, after = (
        [("users", "0004_doctor_approval")],
        [("users", "0005_username_unique_case_insensitive")],
    )
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    try:
        OldUser = executor.loader.project_state(before).apps.get_model("users", "User")
        oldest = OldUser.objects.create(username="malika", role="patient")
        upper = OldUser.objects.create(username="MALIKA", role="patient")
        capital = OldUser.objects.create(username="Malika", role="patient")
        taken = OldUser.objects.create(username=f"malika-{capital.pk}", role="patient")
        other = OldUser.objects.create(username="aziz", role="doctor")

        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(after)
    finally:
        MigrationExecutor(connection).migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())

    names = dict(User.objects.values_list("pk", "username"))
    assert names[oldest.pk] == "malika"
    assert names[upper.pk] == f"MALIKA-{upper.pk}"
    assert names[capital.pk] == f"Malika-{capital.pk}-1"  # malika-<id> was taken already
    assert names[taken.pk] == f"malika-{capital.pk}"
    assert names[other.pk] == "aziz"
