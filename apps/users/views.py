"""HTTP for accounts: thin views; serializers check shape, services apply the rules."""

from __future__ import annotations

from django.conf import settings
from rest_framework import filters, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework_simplejwt import views as jwt_views
from rest_framework_simplejwt.tokens import RefreshToken

from core.exceptions import InvalidInput
from core.security import lockout_response
from core.viewsets import ApiViewSetMixin

from . import docs, selectors, services
from .filters import UserFilter
from .permissions import IsAdmin, IsDoctor, IsPatient
from .serializers import (
    OwnDoctorProfileSerializer,
    OwnPatientProfileSerializer,
    OwnProfileUpdateSerializer,
    PasswordChangeSerializer,
    RefreshSerializer,
    RegisterSerializer,
    UserCreateSerializer,
    UserSerializer,
    UserUpdateSerializer,
)


class RegisterView(GenericAPIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "register"
    serializer_class = RegisterSerializer

    @docs.register
    def post(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = services.user_register(
            **serializer.validated_data, doctor_approval_required=settings.DOCTOR_APPROVAL_REQUIRED
        )
        return Response(UserSerializer(user).data, status=status.HTTP_201_CREATED)


@docs.login
class LoginView(jwt_views.TokenObtainPairView):
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "login"

    def post(self, request, *args, **kwargs):
        try:
            return super().post(request, *args, **kwargs)
        except AuthenticationFailed:
            # django-axes refused (or just locked) this username: 429, not "wrong password".
            if getattr(request, "axes_locked_out", False):
                return lockout_response(request)
            raise


@docs.refresh
class RefreshView(jwt_views.TokenRefreshView):
    serializer_class = RefreshSerializer


class PasswordChangeView(GenericAPIView):
    """Any signed-in user changes their own password and gets a fresh token pair."""

    serializer_class = PasswordChangeSerializer
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "login"  # a wrong old_password is a guess like a failed login

    @docs.password_change
    def post(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            user = services.user_change_password(
                user=request.user, request=request, **serializer.validated_data
            )
        except InvalidInput:
            # The guess was counted like a failed login: a locked-out username answers as login does.
            if getattr(request, "axes_locked_out", False):
                return lockout_response(request)
            raise
        refresh = RefreshToken.for_user(user)
        return Response({"access": str(refresh.access_token), "refresh": str(refresh)})


@docs.logout
class LogoutView(jwt_views.TokenBlacklistView):
    pass


class MeView(GenericAPIView):
    serializer_class = UserSerializer

    @docs.me
    def get(self, request):
        return Response(UserSerializer(request.user).data)


class _OwnProfileView(GenericAPIView):
    """Reads and writes one's own profile in one flat shape (``answer_serializer``)."""

    serializer_class = OwnProfileUpdateSerializer
    answer_serializer: type

    def get(self, request):
        return Response(self.answer_serializer(request.user).data)

    def patch(self, request):
        serializer = self.get_serializer(instance=request.user, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        user = services.user_update(user=request.user, by=request.user, data=serializer.validated_data)
        return Response(self.answer_serializer(user).data)


@docs.own_profile("doctor")
class DoctorProfileView(_OwnProfileView):
    permission_classes = [IsDoctor]
    answer_serializer = OwnDoctorProfileSerializer


@docs.own_profile("patient")
class PatientProfileView(_OwnProfileView):
    permission_classes = [IsPatient]
    answer_serializer = OwnPatientProfileSerializer


@docs.users
class UserViewSet(
    ApiViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Users administration, admins only."""

    lookup_value_regex = r"[0-9]{1,18}"
    permission_classes = [IsAdmin]
    filterset_class = UserFilter
    filter_backends = [*viewsets.GenericViewSet.filter_backends, filters.SearchFilter]
    search_fields = ["username", "first_name", "last_name", "email"]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        return selectors.user_list()

    def get_serializer_class(self):
        if self.action == "create":
            return UserCreateSerializer
        if self.action == "partial_update":
            return UserUpdateSerializer
        return UserSerializer

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = services.user_create(**serializer.validated_data)
        return Response(UserSerializer(user).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        user = self.get_object()
        serializer = self.get_serializer(instance=user, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        user = services.user_update(user=user, by=request.user, data=serializer.validated_data)
        return Response(UserSerializer(selectors.user_list().get(pk=user.pk)).data)

    def destroy(self, request, *args, **kwargs):
        services.user_deactivate(user=self.get_object(), by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @action(detail=True, methods=["post"], serializer_class=None)
    def approve(self, request, pk=None):
        user = services.user_approve(user=self.get_object(), by=request.user)
        return Response(UserSerializer(user).data)
