from django.contrib import admin


class ReadOnlyAdmin(admin.ModelAdmin):
    """For tables the product writes through its services only: the admin lists and shows their rows."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
