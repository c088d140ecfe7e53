"""The conversion wizard, the one-click conversions of the lead card and the assignment,
driven like a browser without JavaScript: each step's form is read from the page and sent
back with the button pressed."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.urls import reverse

from leadbridge.clients.models import Client, Contact
from leadbridge.deals.models import Deal, Pipeline, Stage
from leadbridge.leads.models import ConversionLink, Lead, LeadStatus


class _Form(HTMLParser):
    """The successful controls of the wizard's form, as a browser would send them."""

    def __init__(self):
        super().__init__()
        self.inside = False
        self.fields: list[tuple[str, str]] = []
        self.select: str | None = None
        self.options: list[tuple[str, bool]] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and "data-testid" in a and a["data-testid"].startswith("wizard-step"):
            self.inside = True
        if not self.inside:
            return
        if tag == "input" and a.get("name"):
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self.fields.append((a["name"], a.get("value", "on")))
            elif kind not in ("submit", "button"):
                self.fields.append((a["name"], a.get("value") or ""))
        elif tag == "select":
            self.select, self.options = a.get("name"), []
        elif tag == "option" and self.select:
            self.options.append((a.get("value", ""), "selected" in a))

    def handle_endtag(self, tag):
        if tag == "select" and self.select:
            chosen = [v for v, sel in self.options if sel] or [v for v, _ in self.options[:1]]
            self.fields.append((self.select, chosen[0] if chosen else ""))
            self.select = None
        elif tag == "form":
            self.inside = False


def form_data(response) -> list[tuple[str, str]]:
    parser = _Form()
    parser.feed(response.content.decode())
    return parser.fields


def submit(admin_web, lead, response, *, press=("action", "next"), **changes):
    """Send the step's form back with `changes` (name -> value, list of values, or None to
    drop the control, e.g. untick a checkbox)."""
    data: dict[str, list[str]] = {}
    for name, value in form_data(response):
        data.setdefault(name, []).append(value)
    for name, value in changes.items():
        name = name.replace("__", ".")
        if value is None:
            data.pop(name, None)
        else:
            data[name] = [str(v) for v in value] if isinstance(value, list) else [str(value)]
    data[press[0]] = [str(press[1])]
    return admin_web.post(reverse("leads:convert", args=[lead.pk]), data)


def step_of(response) -> int:
    html = response.content.decode()
    marker = 'data-testid="wizard-step-'
    return int(html[html.index(marker) + len(marker)])


@pytest.fixture
def two_pipelines(db):
    second = Pipeline.objects.create(name="Projects", order=5)
    Stage.objects.create(pipeline=second, name="Brief", order=0)
    offer = Stage.objects.create(pipeline=second, name="Offer", order=1)
    Stage.objects.create(pipeline=second, name="Won", order=2, kind=Stage.Kind.WON)
    return second, offer


def lead_activity(lead, actor, subject="First call"):
    from leadbridge.activities.services import activity_create

    return activity_create(
        actor=actor,
        record_type="lead",
        record_id=lead.pk,
        data={"type": "call", "subject": subject},
    ).obj


def test_full_path_new_client_contact_and_deal_in_second_pipeline(
    admin_web, make_lead, admin_user, admin_api, two_pipelines
):
    second, offer = two_pipelines
    lead = make_lead(
        first_name="Jan",
        last_name="Novák",
        company_name="Porost s.r.o.",
        email="jan@porost.cz",
        expected_value="1200.50",
        currency="CZK",
    )
    lead_activity(lead, admin_user)
    page = admin_web.get(reverse("leads:convert", args=[lead.pk]))
    assert page.status_code == 200 and step_of(page) == 1
    page = submit(admin_web, lead, page)  # all three ticked by default
    assert step_of(page) == 2
    html = page.content.decode()
    assert 'value="Porost s.r.o."' in html  # the client's name from the lead
    page = submit(admin_web, lead, page)
    assert step_of(page) == 3
    assert 'value="jan@porost.cz"' in page.content.decode()
    page = submit(admin_web, lead, page)
    assert step_of(page) == 4
    html = page.content.decode()
    # Two pipelines: the default one is preselected, with only its stages, and no error
    # before anything was touched (issue 18.11).
    default = Pipeline.objects.order_by("-is_default", "order", "id").first()
    assert default != second
    assert 'id="err_deal_pipeline_id"' not in html
    assert f'<option value="{default.pk}" selected>' in html
    assert ">Offer</option>" not in html
    assert 'value="Porost s.r.o."' in html and 'value="1200.50"' in html  # title, value
    # Another pipeline chosen (what htmx posts on change): its stages replace the others;
    # a stage of the old pipeline is forgotten.
    old_stage = Stage.objects.filter(pipeline=default, kind="open").order_by("order").last()
    again = submit(
        admin_web, lead, page, press=("action", "stay"), deal_pipeline_id=second.pk,
        deal_stage_id=old_stage.pk,
    )  # fmt: skip
    html = again.content.decode()
    assert again.status_code == 200 and step_of(again) == 4
    assert ">Offer</option>" in html and f">{old_stage.name}</option>" not in html
    assert not Lead.objects.get(pk=lead.pk).is_converted
    done = submit(
        admin_web,
        lead,
        again,
        press=("action", "finish_open"),
        deal_pipeline_id=second.pk,
        deal_stage_id=offer.pk,
        f__deal__title="Porost web",
    )
    deal = Deal.objects.get(source_lead_id=lead.pk)
    assert done.status_code == 302
    assert done["Location"] == reverse("deals:detail", args=[deal.pk])
    assert (deal.pipeline_id, deal.stage_id, deal.title) == (second.pk, offer.pk, "Porost web")
    assert str(deal.value) == "1200.50" and deal.client.name == "Porost s.r.o."
    assert deal.contact.email == "jan@porost.cz"
    lead.refresh_from_db()
    assert lead.is_converted
    r = admin_api.get("/api/activities", record_type="deal", record_id=deal.pk)
    assert r.status_code == 200 and r.json()["count"] == 1
    assert r.json()["items"][0]["subject"] == "First call"


def test_double_submit_makes_one_deal(admin_web, make_lead):
    lead = make_lead(company_name="Twice s.r.o.")
    page = admin_web.get(reverse("leads:convert", args=[lead.pk]))
    first = submit(admin_web, lead, page, press=("action", "finish"))
    assert first.status_code == 302 and first["Location"] == reverse("leads:detail", args=[lead.pk])
    second = submit(admin_web, lead, page, press=("action", "finish"))
    assert second.status_code == 409
    html = second.content.decode()
    assert 'data-testid="already-converted"' in html
    deal = Deal.objects.get(source_lead_id=lead.pk)
    assert reverse("deals:detail", args=[deal.pk]) in html
    assert Deal.objects.filter(source_lead_id=lead.pk).count() == 1
    assert Client.objects.filter(name="Twice s.r.o.").count() == 1


def test_existing_client_and_existing_contact(admin_web, make_lead, admin_user):
    from leadbridge.clients.services import client_create, contact_create

    acme = client_create(actor=admin_user, data={"name": "Acme a.s.", "city": "Brno"}).obj
    petra = contact_create(
        actor=admin_user, data={"first_name": "Petra", "last_name": "Malá", "client_id": acme.pk}
    ).obj
    contact_create(actor=admin_user, data={"last_name": "Other person"})
    lead = make_lead(
        first_name="Petra",
        last_name="Malá",
        company_name="ACME",
        city="Praha",
        email="petra@acme.cz",
    )
    lead_activity(lead, admin_user)
    page = admin_web.get(reverse("leads:convert", args=[lead.pk]))
    page = submit(admin_web, lead, page, want_deal=None)
    assert step_of(page) == 2
    # Choose "existing" and search.
    page = submit(
        admin_web, lead, page, press=("action", "stay"), client_mode="existing", client_q="acme"
    )
    html = page.content.decode()
    assert 'data-testid="client-results"' in html and "Acme a.s." in html
    assert f'name="pick_client" value="{acme.pk}"' in html
    page = submit(admin_web, lead, page, press=("pick_client", acme.pk))
    html = page.content.decode()
    assert 'data-testid="picked-client"' in html
    # Conflicts field by field: the client is in Brno, the lead in Praha.
    assert 'data-testid="conflicts"' in html and "Brno" in html and "Praha" in html
    page = submit(admin_web, lead, page, client_overwrite=["city"])
    assert step_of(page) == 3
    page = submit(admin_web, lead, page, press=("action", "stay"), contact_mode="existing")
    html = page.content.decode()
    assert 'data-testid="contact-results"' in html
    assert "Petra Malá" in html and "Other person" not in html  # contacts of that client
    page = submit(admin_web, lead, page, press=("pick_contact", petra.pk))
    assert 'data-testid="picked-contact"' in page.content.decode()
    done = submit(admin_web, lead, page, press=("action", "finish_open"))
    assert done.status_code == 302
    assert done["Location"] == reverse("contacts:detail", args=[petra.pk])
    assert Client.objects.count() == 1 and Contact.objects.count() == 2
    acme.refresh_from_db()
    assert acme.city == "Praha"  # overwritten as ticked
    links = set(
        ConversionLink.objects.filter(lead_id=lead.pk).values_list("target_type", "target_id")
    )
    assert links == {("client", acme.pk), ("contact", petra.pk)}
    assert not Deal.objects.exists()


def test_missing_required_field_is_asked_at_its_step(admin_web, make_lead):
    from leadbridge.customfields.models import RequiredField

    RequiredField.objects.create(record_type="client", field="vat_id")
    RequiredField.objects.create(record_type="contact", field="phone")
    lead = make_lead(last_name="Kováč", company_name="Bez DIČ s.r.o.")
    page = admin_web.get(reverse("leads:convert", args=[lead.pk]))
    # Finish at once: the wizard lands on the first step with a problem.
    page = submit(admin_web, lead, page, press=("action", "finish"), want_deal=None)
    assert page.status_code == 422 and step_of(page) == 2
    html = page.content.decode()
    assert 'id="err_fclientvat_id"' in html and "This field is required." in html
    # "Next" does not leave the step while its field is missing.
    page = submit(admin_web, lead, page)
    assert step_of(page) == 2 and page.status_code == 422
    page = submit(admin_web, lead, page, f__client__vat_id="CZ12345678")
    assert step_of(page) == 3
    html = page.content.decode()
    assert 'id="err_fcontactphone"' in html  # the contact's rule, on the contact step
    assert "err_fclientvat_id" not in html
    done = submit(
        admin_web, lead, page, press=("action", "finish_open"), f__contact__phone="+420 601 123 456"
    )
    assert done.status_code == 302
    client = Client.objects.get()
    assert client.vat_id == "CZ12345678"
    assert done["Location"] == reverse("contacts:detail", args=[Contact.objects.get().pk])


def test_back_keeps_the_choices(admin_web, make_lead):
    lead = make_lead(company_name="Zpět s.r.o.")
    page = admin_web.get(reverse("leads:convert", args=[lead.pk]))
    page = submit(admin_web, lead, page, want_contact=None)
    page = submit(admin_web, lead, page, f__client__name="Zpět a spol.")
    assert step_of(page) == 4  # no contact step
    page = submit(admin_web, lead, page, press=("action", "back"))
    assert step_of(page) == 2
    assert 'value="Zpět a spol."' in page.content.decode()
    page = submit(admin_web, lead, page, press=("action", "back"))
    assert step_of(page) == 1
    html = page.content.decode()
    assert 'name="want_contact" value="1">' in html  # still unticked
    done = submit(admin_web, lead, page, press=("action", "finish"))
    assert done.status_code == 302
    assert Client.objects.get().name == "Zpět a spol."
    assert not Contact.objects.exists() and Deal.objects.count() == 1


def test_nothing_chosen_is_refused(admin_web, make_lead):
    lead = make_lead()
    page = admin_web.get(reverse("leads:convert", args=[lead.pk]))
    page = submit(admin_web, lead, page, want_client=None, want_contact=None, want_deal=None)
    assert page.status_code == 422 and step_of(page) == 1


def test_status_from_the_board_is_the_plans_status(admin_web, make_lead):
    won = LeadStatus.objects.create(name="Won", kind=LeadStatus.Kind.CONVERTED, order=9)
    lead = make_lead(company_name="Status s.r.o.")
    page = admin_web.get(reverse("leads:convert", args=[lead.pk]) + f"?status_id={won.pk}")
    done = submit(admin_web, lead, page, press=("action", "finish"), want_deal=None)
    assert done.status_code == 302
    lead.refresh_from_db()
    assert lead.is_converted and lead.status_id == won.pk


def test_open_deal_of_an_existing_client_is_proposed(admin_web, make_lead, admin_user):
    from leadbridge.clients.services import client_create
    from leadbridge.deals.services import deal_create

    acme = client_create(actor=admin_user, data={"name": "Acme a.s."}).obj
    open_deal = deal_create(
        actor=admin_user, data={"title": "Acme renewal", "client_id": acme.pk}
    ).obj
    lead = make_lead(company_name="Acme a.s.", last_name="Dvořák")
    page = admin_web.get(reverse("leads:convert", args=[lead.pk]))
    page = submit(admin_web, lead, page, want_contact=None)
    page = submit(admin_web, lead, page, press=("pick_client", acme.pk))
    page = submit(admin_web, lead, page)
    assert step_of(page) == 4
    assert 'data-testid="open-deals-hint"' in page.content.decode()
    page = submit(admin_web, lead, page, press=("action", "stay"), deal_mode="existing")
    html = page.content.decode()
    assert 'data-testid="open-deals"' in html and "Acme renewal" in html
    done = submit(admin_web, lead, page, press=("action", "finish_open"), deal_id=open_deal.pk)
    assert done["Location"] == reverse("deals:detail", args=[open_deal.pk])
    assert Deal.objects.count() == 1


def test_custom_fields_to_create_are_listed_once(admin_web, make_lead, admin_user):
    from leadbridge.customfields.services import custom_field_create

    custom_field_create(
        actor=admin_user, record_type="lead", key="budget_note", label="Budget note", type="text"
    )
    lead = make_lead(company_name="Custom s.r.o.", custom_fields={"budget_note": "approx"})
    page = admin_web.get(reverse("leads:convert", args=[lead.pk]))
    page = submit(admin_web, lead, page, want_contact=None, want_deal=None)
    html = page.content.decode()
    assert step_of(page) == 2
    assert html.count('data-testid="custom-fields-to-create"') == 1
    assert 'name="create_missing_fields" value="1" checked' in html
    done = submit(admin_web, lead, page, press=("action", "finish"))
    assert done.status_code == 302
    assert Client.objects.get().custom_fields == {"budget_note": "approx"}


def test_quick_convert_client_contact_then_deal(admin_web, make_lead, admin_user):
    lead = make_lead(
        first_name="Eva",
        last_name="Horváthová",
        company_name="Sever s.r.o.",
        email="eva@sever.sk",
        expected_value="500",
    )
    r = admin_web.post(reverse("leads:quick_convert", args=[lead.pk, "client_contact"]))
    assert r.status_code == 302 and r["Location"] == reverse("leads:detail", args=[lead.pk])
    lead.refresh_from_db()
    assert lead.is_converted
    client, contact = Client.objects.get(), Contact.objects.get()
    assert contact.client_id == client.pk and not Deal.objects.exists()
    r = admin_web.post(reverse("leads:quick_convert", args=[lead.pk, "deal"]))
    assert r.status_code == 302 and r["Location"] == reverse("leads:detail", args=[lead.pk])
    deal = Deal.objects.get()
    assert (deal.client_id, deal.contact_id) == (client.pk, contact.pk)
    assert Client.objects.count() == 1 and Contact.objects.count() == 1
    # A second "Create client and contact" makes no second client: it opens the wizard.
    r = admin_web.post(reverse("leads:quick_convert", args=[lead.pk, "client_contact"]))
    assert r["Location"] == reverse("leads:convert", args=[lead.pk]) + "?preset=client_contact"
    assert Client.objects.count() == 1 and Contact.objects.count() == 1
    page = admin_web.get(r["Location"])
    assert 'data-testid="converted-before"' in page.content.decode()


def test_quick_deal_goes_to_the_default_pipeline_of_several(admin_web, make_lead, two_pipelines):
    second, _offer = two_pipelines
    lead = make_lead(company_name="Dva s.r.o.")
    r = admin_web.post(reverse("leads:quick_convert", args=[lead.pk, "deal"]))
    assert r.status_code == 302 and r["Location"] == reverse("leads:detail", args=[lead.pk])
    deal = Deal.objects.get(source_lead_id=lead.pk)
    default = Pipeline.objects.order_by("-is_default", "order", "id").first()
    assert deal.pipeline_id == default.pk != second.pk


def test_quick_convert_falls_back_to_the_wizard(admin_web, make_lead, two_pipelines):
    from leadbridge.customfields.models import RequiredField

    RequiredField.objects.create(record_type="client", field="vat_id")
    lead = make_lead(company_name="Dva s.r.o.")
    r = admin_web.post(reverse("leads:quick_convert", args=[lead.pk, "deal"]))
    assert r.status_code == 302
    assert r["Location"] == reverse("leads:convert", args=[lead.pk]) + "?preset=deal"
    assert not Lead.objects.get(pk=lead.pk).is_converted
    page = admin_web.get(r["Location"])
    assert page.status_code == 200
    assert "The conversion needs your choices" in page.content.decode()
    assert admin_web.post(reverse("leads:quick_convert", args=[lead.pk, "nope"])).status_code == 404
    assert admin_web.get(reverse("leads:quick_convert", args=[lead.pk, "deal"])).status_code == 405


def test_assign_to_an_existing_contact(admin_web, make_lead, admin_user):
    from leadbridge.clients.services import client_create, contact_create

    acme = client_create(actor=admin_user, data={"name": "Acme UAB"}).obj
    jonas = contact_create(
        actor=admin_user, data={"first_name": "Jonas", "last_name": "Kazlas", "client_id": acme.pk}
    ).obj
    lead = make_lead(last_name="Second enquiry", email="jonas@acme.lt")
    lead_activity(lead, admin_user)
    page = admin_web.get(reverse("leads:assign", args=[lead.pk]) + "?kind=contact&q=kazlas")
    html = page.content.decode()
    assert page.status_code == 200 and 'data-testid="assign-results"' in html
    assert f'name="contact_id" value="{jonas.pk}"' in html
    r = admin_web.post(
        reverse("leads:assign", args=[lead.pk]), {"contact_id": jonas.pk, "version": lead.version}
    )
    assert r.status_code == 302 and r["Location"] == reverse("leads:detail", args=[lead.pk])
    lead.refresh_from_db()
    assert lead.is_converted
    links = set(
        ConversionLink.objects.filter(lead_id=lead.pk).values_list("target_type", "target_id")
    )
    assert links == {("contact", jonas.pk), ("client", acme.pk)}
    from leadbridge.activities.models import ActivityLink

    assert ActivityLink.objects.filter(record_type="contact", record_id=jonas.pk).count() == 1


def test_wizard_of_an_invisible_lead_is_not_found(client, make_lead, teams):
    from leadbridge.conftest import make_user

    north, south = teams
    seller = make_user("sales", [north])
    lead = make_lead(team_id=south.pk)
    client.force_login(seller)
    assert client.get(reverse("leads:convert", args=[lead.pk])).status_code == 404
    assert client.post(reverse("leads:quick_convert", args=[lead.pk, "deal"])).status_code == 404
    assert client.get(reverse("leads:assign", args=[lead.pk])).status_code == 404


def test_converted_lead_without_reconversion(admin_web, make_lead, admin_user):
    from leadbridge.core.runtime_settings import set_setting

    set_setting(actor=admin_user, key="conversion.reconvert", value=False)
    lead = make_lead(company_name="Jednou s.r.o.")
    r = admin_web.post(reverse("leads:quick_convert", args=[lead.pk, "client_contact"]))
    assert r["Location"] == reverse("leads:detail", args=[lead.pk])
    r = admin_web.post(reverse("leads:quick_convert", args=[lead.pk, "deal"]))
    assert r["Location"].startswith(reverse("leads:convert", args=[lead.pk]))
    page = admin_web.get(r["Location"])
    html = page.content.decode()
    assert 'data-testid="already-converted"' in html
    assert reverse("clients:detail", args=[Client.objects.get().pk]) in html
    assert not Deal.objects.exists()
