"""Contact person pages; a contact's card lists the leads assigned to it (Lithuanian seed)."""

from django.utils.translation import gettext_lazy as _

from leadbridge.core.record_views import Column, RecordPages

from . import services
from .views import source_leads


class ContactPages(RecordPages):
    def extra_context(self, obj, *, actor):
        also = (obj.lead_id,) if obj.lead_id else ()
        return {"leads": source_leads(actor, "contact", obj.pk, also)}


pages = ContactPages(
    record_type="contact",
    namespace="contacts",
    title=_("Contacts"),
    singular=_("Contact"),
    new_title=_("New contact person"),
    columns=[
        Column(_("Name"), "display_name", sort="last_name"),
        Column(_("Client"), "client"),
        Column(_("E-mail"), "email"),
        Column(_("Phone"), "phone"),
        Column(_("Owner"), "owner"),
    ],
    create=services.contact_create,
    update=services.contact_update,
    delete=services.contact_delete,
    card_fields=[
        (_("Job title"), "job_title"),
        (_("Client"), "client"),
        (_("E-mail"), "email"),
        (_("Phone"), "phone"),
        (_("Mobile"), "mobile"),
        (_("City"), "city"),
        (_("Country"), "country"),
        (_("Owner"), "owner"),
        (_("Sales team"), "team.name"),
        (_("Tags"), "tags"),
    ],
)
_views = pages.views()
contact_list = _views["list"]
contact_detail = _views["detail"]
contact_create = _views["create"]
contact_edit = _views["edit"]
contact_delete = _views["delete"]
