"""Browser test of the duplicates pages: find, compare, merge, undo (marked e2e)."""

import pytest

from leadbridge.conftest import login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_find_compare_merge_and_undo(browser_page, make_lead):
    from leadbridge.leads.models import Lead
    from leadbridge.people.models import User

    User.objects.create_superuser("boss", "boss@example.com", "x-Secret-123")
    older = make_lead(
        first_name="Šárka", last_name="Kopřivová", email="sarka@porost.cz", city="Brno"
    )
    newer = make_lead(
        first_name="Sarka", last_name="Koprivova", email="SARKA@porost.cz", phone="+420603123456"
    )
    make_lead(first_name="Eva", last_name="Malá", email="eva@mala.cz")
    page = browser_page
    page.on("dialog", lambda dialog: dialog.accept())
    login(page, "boss")
    page.click("nav >> text=Duplicates")
    page.click("#finder-form button[name=run]")
    groups = page.locator("[data-testid=group]")
    groups.first.wait_for()
    assert groups.count() == 1 and "same e-mail" in groups.first.inner_text()

    groups.first.locator("text=Compare and merge").click()
    page.wait_for_url("**/duplicates/compare/**")
    page.check(f"input[name=choice_first_name][value='{older.pk}']")
    page.click("#merge-form button[type=submit]")
    page.wait_for_url(f"**/leads/{older.pk}/")
    assert "Merged 2 records" in page.locator(".messages").inner_text()
    survivor = Lead.objects.get(pk=older.pk)
    assert survivor.first_name == "Šárka" and survivor.phone_normalized == "+420603123456"
    assert Lead.objects.get(pk=newer.pk).merged_into == older.pk

    page.goto("/duplicates/merges/")
    page.click("[data-testid=merges] button:has-text('Undo')")
    page.wait_for_selector("text=The merge was undone.")
    assert Lead.objects.get(pk=newer.pk).deleted_at is None
    assert Lead.objects.get(pk=older.pk).phone == ""
    assert page.console_errors == []


def test_three_way_merge_in_the_compare_screen_keeps_every_email_and_phone(browser_page, make_lead):
    from leadbridge.leads.models import Lead
    from leadbridge.people.models import User

    boss = User.objects.create_superuser("boss", "boss@example.com", "x-Secret-123")
    jana = User.objects.create_user("jana", first_name="Jana", last_name="Nováková")
    first = make_lead(
        last_name="Šťastný", email="zdenek@agro.cz", phone="603 111 222", owner_id=boss.pk
    )
    second = make_lead(
        last_name="Šťastný",
        email="z.stastny@gmail.com",
        phone="777 123 456",
        other_emails=["ZDENEK@agro.cz"],
        owner_id=jana.pk,
    )
    third = make_lead(last_name="Stastny", email="zs@sumava.cz", other_phones=["+420603111222"])
    page = browser_page
    login(page, "boss")
    page.goto(f"/duplicates/compare/?record_type=lead&ids={first.pk},{second.pk},{third.pk}")
    # The owner differs: offered by name, not by id.
    owner_row = page.locator("tr[data-field=owner_id]")
    assert "Jana Nováková" in owner_row.inner_text()
    page.check(f"input[name=choice_email][value='{third.pk}']")
    page.check(f"input[name=choice_owner_id][value='{second.pk}']")
    page.click("#merge-form button[type=submit]")
    page.wait_for_url(f"**/leads/{first.pk}/")
    page.reload()
    card = page.locator("main").inner_text()
    for value in ("zs@sumava.cz", "zdenek@agro.cz", "z.stastny@gmail.com", "777 123 456"):
        assert value in card
    survivor = Lead.objects.get(pk=first.pk)
    assert survivor.email == "zs@sumava.cz"
    assert survivor.other_emails == ["zdenek@agro.cz", "z.stastny@gmail.com"]
    assert survivor.phone == "603 111 222" and survivor.other_phones == ["777 123 456"]
    assert survivor.owner_id == jana.pk
    assert page.console_errors == []
