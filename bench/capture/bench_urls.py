"""The app's URLs plus `/bench/bare`: a bare Django view that parses the same JSON and
inserts one lead row with one ORM call (no services, checks, history or spam checks)."""

import json

from django.contrib.auth.decorators import login_not_required
from django.http import JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from leadbridge.urls import urlpatterns as app_urlpatterns

STATUS_ID: list[int] = []


@csrf_exempt
@login_not_required
def bare(request):
    from leadbridge.leads.models import Lead, LeadStatus

    if not STATUS_ID:
        STATUS_ID.append(LeadStatus.objects.filter(kind="open").order_by("order", "id")[0].pk)
    data = json.loads(request.body)
    lead = Lead.objects.create(
        first_name=data.get("first_name", ""),
        last_name=data.get("last_name", ""),
        email=data.get("email", ""),
        status_id=STATUS_ID[0],
        description="bare",
    )
    return JsonResponse({"ok": True, "id": lead.pk}, status=201)


urlpatterns = [path("bench/bare", bare), *app_urlpatterns]
