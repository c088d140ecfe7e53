"""Browser tests of the leads list's row and bulk actions (issue 18: 1, 2).

Each test chooses values no other row shows, so a form that posts another control's value
cannot pass by chance; what was saved is read back from the page after a reload and from
the database.
"""

import pytest

from leadbridge.conftest import login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def statuses(baseline_data):
    """The seeded statuses by kind: open ones in board order, plus lost."""
    from leadbridge.leads.models import LeadStatus

    open_ = list(LeadStatus.objects.filter(kind="open").order_by("order"))
    lost = LeadStatus.objects.get(kind="lost")
    assert len(open_) >= 4
    return open_, lost


def _saved_statuses(leads):
    from leadbridge.leads.models import Lead

    return dict(Lead.objects.filter(pk__in=[x.pk for x in leads]).values_list("pk", "status_id"))


def test_row_and_bulk_status_save_exactly_the_chosen_status(
    browser_page, boss, make_lead, statuses
):
    (new, not_contacted, contacted, qualified, *_), lost = statuses
    first = make_lead(last_name="Řádková", status_id=new.pk)
    others = [
        make_lead(last_name="Ztracená", status_id=lost.pk),
        make_lead(last_name="Nová", status_id=new.pk),
        make_lead(last_name="Neoslovená", status_id=not_contacted.pk),
    ]
    page = browser_page
    page.on("dialog", lambda dialog: dialog.accept())
    login(page, "boss")

    # A row: "Qualified" is shown by no row and not chosen in the bulk toolbar.
    before = _saved_statuses(others)
    with page.expect_response(f"**/leads/{first.pk}/status/"):
        page.select_option(f"#status-{first.pk} select", str(qualified.pk))
    page.reload()
    assert page.input_value(f"#status-{first.pk} select") == str(qualified.pk)
    assert _saved_statuses([first]) == {first.pk: qualified.pk}
    assert _saved_statuses(others) == before

    # In bulk: "Contacted" is shown by no row; the first lead is not ticked.
    for lead in others:
        page.check(f"input[name=ids][value='{lead.pk}']")
    page.select_option("#mass-action", "status")
    page.select_option("#mass-form select[name=status_id]", str(contacted.pk))
    with page.expect_navigation():
        page.click("#mass-form button[type=submit]")
    page.wait_for_selector("text=Done for 3 leads.")
    page.reload()
    for lead in others:
        assert page.input_value(f"#status-{lead.pk} select") == str(contacted.pk)
    assert _saved_statuses(others) == {lead.pk: contacted.pk for lead in others}
    assert _saved_statuses([first]) == {first.pk: qualified.pk}


def test_status_posted_twice_is_refused(client, boss, make_lead, statuses):
    """The server never picks one of two posted statuses."""
    (new, _nc, contacted, qualified, *_), _lost = statuses
    lead = make_lead(last_name="Dvojitá", status_id=new.pk)
    client.force_login(boss)
    response = client.post(
        f"/leads/{lead.pk}/status/",
        {"status_id": [str(contacted.pk), str(qualified.pk)]},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 422
    response = client.post(
        "/leads/mass/",
        {"ids": [lead.pk], "action": "status", "status_id": [contacted.pk, qualified.pk]},
        follow=True,
    )
    assert "Choose one value only." in response.content.decode()
    assert _saved_statuses([lead]) == {lead.pk: new.pk}


def _bulk_delete_question(page, leads) -> str:
    """Tick exactly these leads, choose Delete, press Apply and cancel: the question asked."""
    for box in page.query_selector_all("input[name=ids]:checked"):
        box.uncheck()
    for lead in leads:
        page.check(f"input[name=ids][value='{lead.pk}']")
    page.select_option("#mass-action", "delete")
    questions = []
    page.once("dialog", lambda dialog: (questions.append(dialog.message), dialog.dismiss()))
    page.click("#mass-form button[type=submit]")
    page.wait_for_timeout(300)  # a dismissed question sends nothing; give a stray post time
    assert len(questions) == 1
    return questions[0]


def test_bulk_delete_asks_with_the_count(browser_page, boss, make_lead):
    from leadbridge.leads.models import Lead

    chosen = [make_lead(last_name=f"Mazaná {i}") for i in range(3)]
    kept = make_lead(last_name="Zůstává")
    page = browser_page
    login(page, "boss")
    assert _bulk_delete_question(page, chosen) == "Delete 3 leads?"
    assert Lead.objects.filter(pk__in=[x.pk for x in chosen], deleted_at__isnull=True).count() == 3

    questions = []
    page.once("dialog", lambda dialog: (questions.append(dialog.message), dialog.accept()))
    with page.expect_navigation():
        page.click("#mass-form button[type=submit]")
    page.wait_for_selector("text=Done for 3 leads.")
    assert questions == ["Delete 3 leads?"]
    assert not Lead.objects.filter(pk__in=[x.pk for x in chosen], deleted_at__isnull=True).exists()
    assert Lead.objects.filter(pk=kept.pk, deleted_at__isnull=True).exists()
    assert "Zůstává" in page.inner_text("#lead-table")


def test_bulk_delete_question_in_czech_plural(browser_page, boss, make_lead):
    from leadbridge.leads.models import Lead
    from leadbridge.people.models import User

    User.objects.filter(pk=boss.pk).update(language="cs")
    leads = [make_lead(last_name=f"Mazaná {i}") for i in range(5)]
    page = browser_page
    login(page, "boss")
    assert _bulk_delete_question(page, leads[:1]) == "Smazat 1 lead?"
    assert _bulk_delete_question(page, leads[:2]) == "Smazat 2 leady?"
    assert _bulk_delete_question(page, leads) == "Smazat 5 leadů?"
    assert Lead.objects.filter(deleted_at__isnull=True).count() == 5


def test_bulk_task_needs_a_subject(browser_page, boss, make_lead):
    from leadbridge.activities.models import Activity

    chosen = [make_lead(last_name=f"Úkolová {i}") for i in range(2)]
    page = browser_page
    page.on("dialog", lambda dialog: dialog.accept())
    login(page, "boss")
    for lead in chosen:
        page.check(f"input[name=ids][value='{lead.pk}']")
    page.select_option("#mass-action", "task")
    subject = page.locator("#mass-form input[name=subject]")
    assert subject.is_visible()
    page.click("#mass-form button[type=submit]")
    # Refused at the field: the browser keeps the page and marks the empty subject.
    assert subject.evaluate("el => el.validity.valueMissing")
    assert page.url.endswith("/leads/")
    assert not Activity.objects.filter(links__record_id__in=[x.pk for x in chosen]).exists()

    subject.fill("Zavolat kvůli nabídce")
    with page.expect_navigation():
        page.click("#mass-form button[type=submit]")
    page.wait_for_selector("text=Done for 2 leads.")
    subjects = set(
        Activity.objects.filter(links__record_id__in=[x.pk for x in chosen]).values_list(
            "subject", flat=True
        )
    )
    assert subjects == {"Zavolat kvůli nabídce"}


def test_bulk_task_without_subject_refused_by_the_server(client, boss, make_lead, statuses):
    from leadbridge.activities.models import Activity

    lead = make_lead(last_name="Bez předmětu")
    client.force_login(boss)
    response = client.post(
        "/leads/mass/", {"ids": [lead.pk], "action": "task", "subject": "  "}, follow=True
    )
    assert "Enter the subject of the task." in response.content.decode()
    assert not Activity.objects.filter(links__record_id=lead.pk).exists()
