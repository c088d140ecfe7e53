from django.contrib import admin

from .models import AuditEvent, UserTotp


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the audit log is written by the login and the API only."""

    list_display = ("at", "kind", "username", "ip", "token_id")
    list_filter = ("kind",)
    search_fields = ("username", "ip")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(UserTotp)
class UserTotpAdmin(admin.ModelAdmin):
    """Deleting a row turns two-factor login off for a user who lost their phone."""

    list_display = ("user", "confirmed_at")
    fields = ("user", "confirmed_at")
    readonly_fields = ("user", "confirmed_at")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
