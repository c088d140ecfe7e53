"""The conversion wizard's inputs for a new record come from the form layer (core/forms):
the same widget and options as the record's own form, and lists read as that form reads
them (e-mails and phones one per line, tags separated by commas)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from leadbridge.clients.models import Contact
from leadbridge.core.forms import RecordForm
from leadbridge.customfields.models import RequiredField
from leadbridge.customfields.services import custom_field_create
from leadbridge.leads import wizard
from leadbridge.people.models import User

from .test_wizard import step_of, submit

pytestmark = pytest.mark.django_db


def inputs_for(target: str, names: list[str]) -> dict[str, wizard.Input]:
    """The step's inputs when the rules ask for `names` (each shown with its error)."""
    errors = {f"{target}.{name}": "Required." for name in names}
    shown = wizard._new_inputs(target, {}, {}, errors)
    return {i.name.split(".", 2)[2]: i for i in shown}


def form_options(target: str, name: str) -> set[str]:
    field = RecordForm(record_type=target).fields[name]
    return {str(value) for value, _label in field.choices if str(value) != ""}


def test_inputs_take_the_record_forms_widgets_and_options(admin_user):
    custom_field_create(
        actor=admin_user, record_type="client", key="vip", label="VIP", type="boolean"
    )
    custom_field_create(
        actor=admin_user,
        record_type="client",
        key="tier",
        label="Tier",
        type="choice",
        choices=["gold", "silver"],
    )
    User.objects.create_user("robot", is_system=True)
    client = inputs_for(
        "client",
        ["kind", "country", "description", "other_emails", "tags", "owner_id"]
        + ["custom_fields.vip", "custom_fields.tier"],
    )
    assert client["name"].type == "text"  # the step's usual inputs come first
    assert client["kind"].type == "select"
    assert {v for v, _l in client["kind"].choices} == {""} | form_options("client", "kind")
    # Countries by name with the ISO code as the value, as on the client's form (was: text).
    assert client["country"].type == "select" and ("CZ" in dict(client["country"].choices))
    assert {v for v, _l in client["country"].choices} - {""} == form_options("client", "country")
    assert client["description"].type == "textarea"
    assert client["other_emails"].type == "textarea"
    assert client["tags"].type == "text"
    # Owners: the people the form offers (no system actor), not an id to type.
    owners = {v for v, _l in client["owner_id"].choices} - {""}
    assert client["owner_id"].type == "select" and owners == form_options("client", "owner_id")
    assert str(admin_user.pk) in owners
    assert str(User.objects.get(username="robot").pk) not in owners
    assert client["custom_fields.vip"].choices == [("", "—"), ("true", "Yes"), ("false", "No")]
    assert [v for v, _l in client["custom_fields.tier"].choices] == ["", "gold", "silver"]
    deal = inputs_for("deal", ["value", "expected_close_date", "currency"])
    assert (deal["value"].type, deal["expected_close_date"].type) == ("decimal", "date")
    assert deal["currency"].type == "select" and "CZK" in dict(deal["currency"].choices)
    contact = inputs_for("contact", ["client_id"])
    assert contact["client_id"].type == "number"  # too many clients for a select


def test_a_list_shows_and_reads_back_as_the_record_form_does():
    text = "jan@porost.cz\r\n  petra@porost.cz \n\n"
    form = RecordForm(data={"other_emails": text, "last_name": "X"}, record_type="contact")
    assert form.is_valid(), form.errors
    assert wizard._typed("contact", "other_emails", text, {}) == form.to_data()["other_emails"]
    assert form.to_data()["other_emails"] == ["jan@porost.cz", "petra@porost.cz"]
    # One line is one value, as on the form: a comma does not split it there either.
    assert wizard._typed("contact", "other_phones", "+420 601 123 456, 12", {}) == [
        "+420 601 123 456, 12"
    ]
    assert wizard._typed("client", "tags", "vip, farm ,", {}) == ["vip", "farm"]
    shown = inputs_for("contact", ["other_emails"])["other_emails"]
    assert shown.value == ""
    lead_values = {"other_emails": ["a@example.com", "b@example.com"]}
    filled = wizard._new_inputs("contact", {}, lead_values, {"contact.other_emails": "x"})
    (emails,) = [i for i in filled if i.name == "f.contact.other_emails"]
    assert emails.value == "a@example.com\nb@example.com"
    assert wizard._typed("contact", "other_emails", emails.value, {}) == lead_values["other_emails"]


def test_the_contact_step_asks_for_other_emails_one_per_line(admin_web, make_lead):
    RequiredField.objects.create(record_type="contact", field="other_emails")
    lead = make_lead(first_name="Jana", last_name="Malá", email="jana@mala.cz")
    page = admin_web.get(reverse("leads:convert", args=[lead.pk]))
    page = submit(admin_web, lead, page, want_client=None, want_deal=None)
    assert step_of(page) == 3
    html = page.content.decode()
    assert '<textarea id="id_fcontactother_emails" name="f.contact.other_emails"' in html
    done = submit(
        admin_web,
        lead,
        page,
        press=("action", "finish_open"),
        f__contact__other_emails="jana.mala@firma.cz\njana@domov.cz",
    )
    assert done.status_code == 302, done.content.decode()[:2000]
    contact = Contact.objects.get()
    assert contact.other_emails == ["jana.mala@firma.cz", "jana@domov.cz"]
    assert done["Location"] == reverse("contacts:detail", args=[contact.pk])
