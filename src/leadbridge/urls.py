from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.shortcuts import redirect
from django.urls import include, path

from leadbridge.api.main import api


def home(request):
    from leadbridge.leads.switch import leads_on

    return redirect("leads:list" if leads_on(request) else "deals:list")


urlpatterns = [
    path("", home, name="home"),
    path("", include("leadbridge.ops.urls")),
    path("", include("leadbridge.security.urls")),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"
    ),
    path("leads/", include("leadbridge.leads.urls")),
    path("clients/", include("leadbridge.clients.urls")),
    path("contacts/", include("leadbridge.clients.contact_urls")),
    path("deals/", include("leadbridge.deals.urls")),
    path("documents/", include("leadbridge.documents.urls")),
    path("duplicates/", include("leadbridge.duplicates.urls")),
    path("settings/automation/", include("leadbridge.automation.urls")),
    path("settings/documents/", include("leadbridge.documents.settings_urls")),
    path("settings/", include("leadbridge.core.settings_urls")),
    path("imports/", include("leadbridge.imports.urls")),
    path("", include("leadbridge.activities.urls")),
    path("", include("leadbridge.history.urls")),
    path("", include("leadbridge.core.urls")),
    path("", include("leadbridge.privacy.urls")),
    path("f/", include("leadbridge.webforms.urls")),
    path("notifications/", include("leadbridge.mail.urls")),
    path("admin/", admin.site.urls),
    path("api/", api.urls),
]

handler404 = "leadbridge.core.views.page_not_found"
handler403 = "leadbridge.core.views.permission_denied"
handler500 = "leadbridge.ops.views.server_error"
