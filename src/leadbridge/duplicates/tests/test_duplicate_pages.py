"""The duplicate pages: finder, compare and merge, not duplicates, merge log with undo."""

import re

from leadbridge.duplicates.models import MergeRecord, NotDuplicate
from leadbridge.leads.models import Lead

NOVAK = {"first_name": "Jan", "last_name": "Novák", "email": "jan.novak@porost.cz"}


def test_finder_compare_merge_and_undo(
    client, admin_user, make_lead, django_assert_max_num_queries
):
    a = make_lead(**NOVAK, city="Brno")
    b = make_lead(**{**NOVAK, "last_name": "Novak", "phone": "+420603123456"})
    make_lead(first_name="Eva", last_name="Malá", email="eva@mala.cz")
    client.force_login(admin_user)
    page = client.get("/duplicates/", {"record_type": "lead", "run": "1"}).content.decode()
    assert page.count('data-testid="group"') == 1 and "same e-mail" in page

    page = client.get(f"/duplicates/compare/?record_type=lead&ids={a.pk}&ids={b.pk}")
    assert page.status_code == 200
    html = page.content.decode()
    assert (
        'name="choice_last_name"' in html and 'name="choice_city"' not in html
    )  # only differences

    r = client.post(
        "/duplicates/compare/",
        {"record_type": "lead", "ids": [a.pk, b.pk], "survivor_id": b.pk, "choice_last_name": a.pk},
    )
    assert r.status_code == 302 and r["Location"] == f"/leads/{b.pk}/"
    survivor = Lead.objects.get(pk=b.pk)
    assert survivor.last_name == "Novák" and survivor.city == "Brno"
    assert Lead.objects.get(pk=a.pk).merged_into == b.pk

    log = client.get("/duplicates/merges/").content.decode()
    merge = MergeRecord.objects.get()
    assert f"/duplicates/merges/{merge.pk}/undo/" in log
    client.post(f"/duplicates/merges/{merge.pk}/undo/")
    assert Lead.objects.get(pk=a.pk).deleted_at is None
    assert "undone" in client.get("/duplicates/merges/").content.decode()


def test_not_duplicates_from_the_finder(client, admin_user, make_lead):
    a, b = make_lead(**NOVAK), make_lead(**NOVAK)
    client.force_login(admin_user)
    client.post("/duplicates/not-duplicate/", {"record_type": "lead", "ids": [a.pk, b.pk]})
    assert NotDuplicate.objects.count() == 1
    page = client.get("/duplicates/", {"record_type": "lead", "run": "1"}).content.decode()
    assert 'data-testid="group"' not in page


def test_mass_merge_and_merge_with_existing_on_the_card(client, admin_user, make_lead):
    a, b = make_lead(**NOVAK), make_lead(**NOVAK)
    client.force_login(admin_user)
    r = client.post("/leads/mass/", {"action": "merge", "ids": [a.pk, b.pk]})
    assert r.status_code == 302 and r["Location"].startswith("/duplicates/compare/")
    card = client.get(f"/leads/{b.pk}/").content.decode()
    assert "Possible duplicates" in card
    assert re.search(rf"compare/\?record_type=lead&amp;ids={b.pk}&amp;ids={a.pk}", card)


def test_compare_hides_records_the_user_cannot_see(client, users, make_lead, teams):
    north, south = teams
    a = make_lead(**NOVAK, team_id=south.pk)
    b = make_lead(**NOVAK, team_id=south.pk)
    client.force_login(users["manager_north"])
    r = client.get(f"/duplicates/compare/?record_type=lead&ids={a.pk}&ids={b.pk}")
    assert r.status_code == 302  # fewer than two visible records: back to the finder


def test_the_form_check_names_possible_duplicates(client, admin_user, make_lead):
    a = make_lead(**NOVAK)
    client.force_login(admin_user)
    typed = {"email": "JAN.NOVAK@porost.cz", "first_name": "Jan", "last_name": "Novak"}
    html = client.get("/duplicates/check/", {"record_type": "lead", **typed}).content.decode()
    assert "Jan Novák" in html and f"/leads/{a.pk}/edit/" in html
    b = make_lead(**NOVAK)
    html = client.get(
        "/duplicates/check/", {**NOVAK, "record_type": "lead", "exclude": b.pk}
    ).content.decode()
    assert f"ids={b.pk}&amp;ids={a.pk}" in html
    assert client.get("/duplicates/check/", {"record_type": "lead"}).content.strip() == b""
    form = client.get("/leads/new/").content.decode()
    assert 'hx-get="/duplicates/check/?record_type=lead"' in form


def test_the_form_check_takes_any_typing_without_a_500(client, admin_user, make_lead):
    """Issue 19 item 1: the form's duplicate hint reads what is typed; NUL,
    a huge value or id never reach the database, and the rest still finds the match."""
    a = make_lead(**NOVAK)
    client.force_login(admin_user)
    many_words = " ".join(f"w{i:04d}" for i in range(3_000))
    typed = {
        "record_type": "lead",
        "email": NOVAK["email"],
        "first_name": "Jan\x00",
        "last_name": "Nov\x00ák",
        "company_name": many_words,
        "postcode": "11000",
        "exclude": "9" * 40,
    }
    r = client.get("/duplicates/check/", typed)
    assert r.status_code == 200
    assert f"/leads/{a.pk}/edit/" in r.content.decode()
