"""The documents app's part of other apps' pages, registered at start-up (hooks.register):
the "Quotes & invoices" tab of the lead, client and deal cards (activities/tabs.py)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _


def register_ui() -> None:
    from leadbridge.activities.tabs import ExtraTab, register_tab

    from .views import tab_context

    register_tab(
        ExtraTab(
            key="documents",
            label=_("Quotes & invoices"),
            record_types=("lead", "client", "deal"),
            template="documents/_tab.html",
            context=tab_context,
        )
    )
