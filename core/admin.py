from django.contrib import admin


class ReadOnlyAdmin(admin.ModelAdmin):
    """For models whose writes must go through the API's services (they lock and check)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
