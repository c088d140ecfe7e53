"""In-app notifications (reminders that fell due): the user's own list."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from .models import Notification

RECORD_URLS = {"lead": "leads", "client": "clients", "contact": "contacts", "deal": "deals"}


def notifications(request: HttpRequest) -> HttpResponse:
    mine = Notification.objects.filter(user=request.user)
    if request.method == "POST":
        mine.filter(read_at__isnull=True).update(read_at=timezone.now())
        return redirect("mail:notifications")
    items = [
        {
            "n": n,
            "url": f"/{RECORD_URLS[n.record_type]}/{n.record_id}/"
            if n.record_type in RECORD_URLS and n.record_id
            else "",
        }
        for n in mine[:200]
    ]
    return render(request, "mail/notifications.html", {"items": items})
