"""Client pages."""

from django.utils.translation import gettext_lazy as _

from leadbridge.core.record_views import Column, RecordPages
from leadbridge.core.selectors import base_queryset
from leadbridge.leads.models import ConversionLink

from . import services

SHOWN_LEADS = 50


def source_leads(actor, record_type: str, pk: int, also: tuple[int, ...] = ()) -> list:
    """The live leads a client or contact came from (converted into it, or `also`: a
    contact's own lead) that `actor` may see: a card names no record the user could not open."""
    lead_ids = {
        *ConversionLink.objects.filter(target_type=record_type, target_id=pk).values_list(
            "lead_id", flat=True
        ),
        *also,
    }
    visible = base_queryset(actor, "lead").filter(pk__in=lead_ids).order_by("pk")
    return list(visible[:SHOWN_LEADS])


class ClientPages(RecordPages):
    def extra_context(self, obj, *, actor):
        return {"leads": source_leads(actor, "client", obj.pk)}


pages = ClientPages(
    record_type="client",
    namespace="clients",
    title=_("Clients"),
    singular=_("Client"),
    new_title=_("New client"),
    columns=[
        Column(_("Name"), "name", sort="name"),
        Column(_("Kind"), "kind"),
        Column(_("E-mail"), "email"),
        Column(_("Phone"), "phone"),
        Column(_("City"), "city", sort="city"),
        Column(_("Owner"), "owner"),
    ],
    create=services.client_create,
    update=services.client_update,
    delete=services.client_delete,
    card_fields=[
        (_("Kind"), "kind"),
        (_("Registration number"), "registration_number"),
        (_("VAT id"), "vat_id"),
        (_("E-mail"), "email"),
        (_("Phone"), "phone"),
        (_("Mobile"), "mobile"),
        (_("Website"), "website"),
        (_("Street"), "street"),
        (_("City"), "city"),
        (_("Postcode"), "postcode"),
        (_("Country"), "country"),
        (_("Source"), "source.name"),
        (_("Owner"), "owner"),
        (_("Sales team"), "team.name"),
        (_("Tags"), "tags"),
    ],
)
_views = pages.views()
client_list = _views["list"]
client_detail = _views["detail"]
client_create = _views["create"]
client_edit = _views["edit"]
client_delete = _views["delete"]
