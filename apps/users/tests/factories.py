import factory

from apps.users.models import DoctorProfile, Gender, PatientProfile, Role, User

PASSWORD = "Corr3ct-Horse-Battery"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    role = Role.PATIENT
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class AdminFactory(UserFactory):
    role = Role.ADMIN
    is_staff = True
    is_superuser = True
    username = factory.Sequence(lambda n: f"admin{n}")


class DoctorFactory(UserFactory):
    role = Role.DOCTOR
    username = factory.Sequence(lambda n: f"doctor{n}")
    profile = factory.RelatedFactory(
        "apps.users.tests.factories.DoctorProfileFactory", factory_related_name="user"
    )


class PatientFactory(UserFactory):
    role = Role.PATIENT
    username = factory.Sequence(lambda n: f"patient{n}")
    profile = factory.RelatedFactory(
        "apps.users.tests.factories.PatientProfileFactory", factory_related_name="user"
    )


class DoctorProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DoctorProfile

    specialization = "Cardiology"
    experience_years = 5
    gender = Gender.MALE


class PatientProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PatientProfile

    phone = factory.Sequence(lambda n: f"+99890{n:07d}")
    gender = Gender.FEMALE
