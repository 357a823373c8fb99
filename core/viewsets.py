"""What every viewset of the API shares."""

from __future__ import annotations

from rest_framework.exceptions import MethodNotAllowed

from core.filtering import ListFiltersOnlyMixin


class MethodFirstMixin:
    """A method the URL does not take is 405 for everyone, before authentication and
    permissions: DRF checks permissions first, so ``PUT /api/appointments/1/`` was 403 "Only
    admins may do this." for a doctor (no action, so the admin-only default) and 405 for an
    admin. ``self.action`` is None when the router routes no action to the method; a method
    left out of ``http_method_names`` (PUT where only PATCH is offered) is not allowed either."""

    def initial(self, request, *args, **kwargs):
        if self.action is None or request.method.lower() not in self.http_method_names:
            raise MethodNotAllowed(request.method)
        super().initial(request, *args, **kwargs)


class ApiViewSetMixin(MethodFirstMixin, ListFiltersOnlyMixin):
    """Mixed into every viewset: 405 first, list filters on lists only."""
