"""Two people editing one record: the second save shows what the first changed, and the
user keeps either value per field; nothing is overwritten unseen (issue 18, item 5)."""

from __future__ import annotations

import pytest
from django.test import Client

from leadbridge.conftest import make_user
from leadbridge.core.tests.helpers import make_record

pytestmark = pytest.mark.django_db


def _browser(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _form(client: Client, url: str) -> dict:
    """The edit form's fields as the browser would post them back unchanged."""
    page = client.get(url)
    assert page.status_code == 200
    return _values(page)


@pytest.fixture
def two(teams):
    north, _south = teams
    jana = make_user("sales_manager", [north], first_name="Jana", last_name="Nováková")
    petr = make_user("sales_manager", [north], first_name="Petr", last_name="Dvořák")
    return jana, petr


def test_second_save_shows_the_conflict_and_keeps_the_chosen_values(two):
    jana, petr = two
    client = make_record(
        "client",
        actor=jana,
        name="Agro Šumava s.r.o.",
        city="Vimperk",
        phone="+420 777 100 200",
        team_id=jana.teams.first().pk,
    )
    url = f"/clients/{client.pk}/edit/"
    jana_web, petr_web = _browser(jana), _browser(petr)
    jana_form, petr_form = _form(jana_web, url), _form(petr_web, url)

    jana_form.update(city="Prachatice", phone="+420 777 999 000")
    assert jana_web.post(url, jana_form).status_code == 302

    petr_form.update(city="Strakonice", website="https://agro.example")
    page = petr_web.post(url, petr_form)
    assert page.status_code == 200
    conflict = page.context["conflict"]
    assert [c.name for c in conflict.conflicts] == ["city"]  # phone: only Jana; web: only Petr
    (city,) = conflict.conflicts
    assert (city.label, city.theirs, city.mine) == ("City", "Prachatice", "Strakonice")
    assert "Jana Nováková" in city.who
    body = page.content.decode()
    assert "Prachatice" in body and "Strakonice" in body and "Jana Nováková" in body
    # Jana's other change is said too, as kept: the form now holds her phone.
    assert [(c.label, c.theirs) for c in conflict.kept] == [("Phone", "+420 777 999 000")]
    client.refresh_from_db()
    assert client.city == "Prachatice"  # nothing saved yet

    resolved = _resubmit(page)
    assert resolved["version"] == str(client.version)
    assert resolved["phone"] == "+420 777 999 000"  # Jana's change is in the form now
    assert resolved["website"] == "https://agro.example"

    # Saving without a choice is refused at the panel, and still saves nothing.
    page = petr_web.post(url, resolved)
    assert page.status_code == 200 and page.context["conflict"].undecided
    client.refresh_from_db()
    assert (client.city, client.website) == ("Prachatice", "")

    resolved["keep_city"] = "theirs"
    assert petr_web.post(url, resolved).status_code == 302
    client.refresh_from_db()
    assert (client.city, client.phone, client.website) == (
        "Prachatice",
        "+420 777 999 000",
        "https://agro.example",
    )


def test_keeping_mine_saves_mine_and_a_third_save_in_between_is_caught(two):
    jana, petr = two
    deal = make_record(
        "deal",
        actor=jana,
        title="Tractors",
        value="1000.00",
        currency="CZK",
        team_id=jana.teams.first().pk,
    )
    url = f"/deals/{deal.pk}/edit/"
    jana_web, petr_web = _browser(jana), _browser(petr)
    jana_form, petr_form = _form(jana_web, url), _form(petr_web, url)
    jana_form["value"] = "2000"
    assert jana_web.post(url, jana_form).status_code == 302
    petr_form["value"] = "3500"
    page = petr_web.post(url, petr_form)
    (value,) = page.context["conflict"].conflicts
    assert value.name == "value" and "2,000.00" in value.theirs and "3,500.00" in value.mine

    resolved = _resubmit(page)
    resolved["keep_value"] = "mine"
    # Jana saves once more before Petr presses Save: Petr is asked again, not overwritten.
    jana_form = _form(jana_web, url)
    jana_form["title"] = "Tractors and ploughs"
    assert jana_web.post(url, jana_form).status_code == 302
    page = petr_web.post(url, resolved)
    assert page.status_code == 200 and page.context["conflict"] is not None
    deal.refresh_from_db()
    assert (deal.title, str(deal.value)) == ("Tractors and ploughs", "2000.00")

    resolved = _resubmit(page)
    resolved["keep_value"] = "mine"
    assert petr_web.post(url, resolved).status_code == 302
    deal.refresh_from_db()
    assert (deal.title, str(deal.value)) == ("Tractors and ploughs", "3500.00")


def test_lead_status_and_owner_conflict_on_the_lead_form(two, make_lead):
    from leadbridge.leads.models import LeadStatus

    jana, petr = two
    north = jana.teams.first()
    eva = make_user("sales", [north], first_name="Eva", last_name="Malá")
    lead = make_lead(actor=jana, last_name="Horák", team_id=north.pk, owner_id=eva.pk)
    url = f"/leads/{lead.pk}/edit/"
    jana_web, petr_web = _browser(jana), _browser(petr)
    jana_form, petr_form = _form(jana_web, url), _form(petr_web, url)
    statuses = [s for s in LeadStatus.objects.all() if s.kind == LeadStatus.Kind.OPEN]
    jana_form.update(status_id=str(statuses[1].pk), owner_id=str(jana.pk))
    assert jana_web.post(url, jana_form).status_code == 302
    petr_form.update(status_id=str(statuses[2].pk), owner_id=str(petr.pk))
    page = petr_web.post(url, petr_form)
    by_name = {c.name: c for c in page.context["conflict"].conflicts}
    assert set(by_name) == {"status_id", "owner_id"}
    assert by_name["owner_id"].theirs == "Jana Nováková"
    assert by_name["owner_id"].mine == "Petr Dvořák"
    assert by_name["status_id"].theirs == statuses[1].name
    resolved = _resubmit(page)
    resolved.update(keep_status_id="mine", keep_owner_id="theirs")
    assert petr_web.post(url, resolved).status_code == 302
    lead.refresh_from_db()
    assert (lead.status_id, lead.owner_id) == (statuses[2].pk, jana.pk)


def test_without_a_concurrent_change_a_save_is_plain(two):
    jana, _petr = two
    client = make_record("client", actor=jana, name="Solo s.r.o.", team_id=jana.teams.first().pk)
    url = f"/clients/{client.pk}/edit/"
    web = _browser(jana)
    form = _form(web, url)
    form["city"] = "Písek"
    assert web.post(url, form).status_code == 302
    client.refresh_from_db()
    assert client.city == "Písek"


def _resubmit(page) -> dict:
    """The re-shown form's values, as the browser would post them back."""
    data = _values(page)
    data["base_version"] = str(page.context["conflict"].base_version)
    data["conflict"] = [c.name for c in page.context["conflict"].conflicts]
    return data


def _values(page) -> dict:
    form = page.context["form"]
    data = {}
    for name in form.fields:
        value = form[name].value()
        data[name] = "" if value is None else str(value)
    data["version"] = str(page.context["form_version"])
    return data


def test_a_converted_status_on_the_lead_form_opens_the_conversion(two, make_lead):
    from leadbridge.leads.models import LeadStatus

    jana, _petr = two
    lead = make_lead(actor=jana, last_name="Konvertovaný", team_id=jana.teams.first().pk)
    converted = LeadStatus.objects.filter(kind=LeadStatus.Kind.CONVERTED).first()
    url = f"/leads/{lead.pk}/edit/"
    web = _browser(jana)
    form = _form(web, url)
    form["status_id"] = str(converted.pk)
    answer = web.post(url, form)
    assert answer.status_code == 302
    assert answer["Location"] == f"/leads/{lead.pk}/convert/?status_id={converted.pk}"
    lead.refresh_from_db()
    assert lead.status_id != converted.pk and not lead.is_converted
