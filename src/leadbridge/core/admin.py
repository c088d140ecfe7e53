from django.contrib import admin


class ReadOnlyRecordAdmin(admin.ModelAdmin):
    """Records change only through services (history, access, derived columns): the admin
    shows them, the API and the web UI change them."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
