from django.contrib import admin
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import path

from leadbridge.api.main import api


def healthz(request):
    return JsonResponse({"status": "ok"})


def home(request):
    if request.user.is_authenticated:
        return redirect("/api/docs")
    return redirect("/admin/login/?next=/api/docs")


urlpatterns = [
    path("", home),
    path("healthz", healthz),
    path("admin/", admin.site.urls),
    path("api/", api.urls),
]
