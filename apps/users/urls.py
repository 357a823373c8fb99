from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("users", views.UserViewSet, basename="user")

urlpatterns = [
    path("auth/register/", views.RegisterView.as_view(), name="register"),
    path("auth/login/", views.LoginView.as_view(), name="login"),
    path("auth/token/refresh/", views.RefreshView.as_view(), name="token-refresh"),
    path("auth/logout/", views.LogoutView.as_view(), name="logout"),
    path("auth/me/", views.MeView.as_view(), name="me"),
    path("auth/password/change/", views.PasswordChangeView.as_view(), name="password-change"),
    path("doctor/profile/", views.DoctorProfileView.as_view(), name="doctor-profile"),
    path("patient/profile/", views.PatientProfileView.as_view(), name="patient-profile"),
    *router.urls,
]
