"""The finder page's weights panel: the chart of what the matcher weighs, the model it comes
from, the Train button (admins only) and its progress; each found pair's weighed reasons."""

import re

from leadbridge.duplicates import weights
from leadbridge.duplicates.models import WeightsJob


def _bars(html: str) -> list[tuple[str, str]]:
    return re.findall(
        r'<g class="weight [^"]*" data-field="([a-z_]+)" data-level="([a-z0-9_]+)"', html
    )


def test_an_empty_installation_shows_the_built_in_weights_and_offers_training(client, admin_user):
    client.force_login(admin_user)
    page = client.get("/duplicates/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="weights-chart"' in html
    assert "Built-in weights: not learned from your records yet." in html
    assert 'data-version="0"' in html
    # A bar per field and level, as the weights module lists them, in its order.
    rows = weights.chart_data()
    assert _bars(html) == [(r["field"], r["level"]) for r in rows]
    assert {"first_name", "last_name", "postcode"} <= {f for f, _ in _bars(html)}
    # Evidence for a match is green (right), against is red (left), as the weights say.
    for r in rows:
        side = "pos" if r["weight"] >= 0 else "neg"
        assert re.search(
            rf'<g class="weight {side}" data-field="{r["field"]}" data-level="{r["level"]}"', html
        ), r
    assert 'data-testid="train"' in html and 'data-testid="training"' not in html
    assert "hx-trigger" not in html.split('id="weights"')[1].split(">")[0]  # nothing to poll


def test_a_non_admin_sees_the_chart_but_cannot_train(client, users):
    user = users["sales_north"]
    client.force_login(user)
    html = client.get("/duplicates/").content.decode()
    assert 'data-testid="weights-chart"' in html and 'data-testid="train"' not in html
    assert client.post("/duplicates/weights/train/").status_code == 403
    assert client.post("/duplicates/weights/train/", HTTP_HX_REQUEST="true").status_code == 403
    assert not WeightsJob.objects.exists()


def test_train_queues_one_job_and_the_panel_polls_until_it_ends(client, admin_user):
    client.force_login(admin_user)
    assert client.get("/duplicates/weights/train/").status_code == 405
    answer = client.post("/duplicates/weights/train/")
    assert answer.status_code == 302 and answer["Location"] == "/duplicates/#weights"
    job = WeightsJob.objects.get()
    assert job.status in ("queued", "running") and job.created_by_id == admin_user.pk
    # A second press while it waits starts nothing new.
    fragment = client.post("/duplicates/weights/train/", HTTP_HX_REQUEST="true")
    assert fragment.status_code == 200 and WeightsJob.objects.count() == 1
    html = fragment.content.decode()
    assert html.lstrip().startswith('<section class="panel weights" id="weights"')
    assert 'hx-get="/duplicates/weights/" hx-trigger="every 1s"' in html
    assert 'data-status="queued"' in html and "disabled" in html

    WeightsJob.objects.filter(pk=job.pk).update(status="failed", error="the disk is full")
    html = client.get("/duplicates/weights/", HTTP_HX_REQUEST="true").content.decode()
    assert "hx-trigger" not in html and "the disk is full" in html
    # Outside htmx the fragment's address leads to the page.
    assert client.get("/duplicates/weights/")["Location"] == "/duplicates/#weights"


def test_each_found_pair_shows_its_reasons_with_their_weights(client, admin_user, make_lead):
    make_lead(first_name="Jan", last_name="Novák", email="jan.novak@porost.cz")
    make_lead(first_name="Jan", last_name="Novak", email="jan.novak@porost.cz")
    client.force_login(admin_user)
    html = client.get("/duplicates/", {"record_type": "lead", "run": "1"}).content.decode()
    reasons = re.findall(r'<li class="(pos|neg|)" data-testid="reason">([^<]*)</li>', html)
    assert reasons, html[:2000]
    email = next(text for _, text in reasons if "same e-mail" in text)
    assert re.search(r"\(\+\d+\.\d\)$", email), email  # its weight in bits
    assert all(cls == "pos" for cls, text in reasons if "(+" in text)


def test_training_on_too_few_records_keeps_the_defaults_and_says_so(client, admin_user, make_lead):
    from leadbridge.duplicates.tasks import run_weights_training

    make_lead(first_name="Jan", last_name="Novák", city="Brno")
    client.force_login(admin_user)
    client.post("/duplicates/weights/train/")
    run_weights_training.func(str(WeightsJob.objects.get().pk))  # what the worker does
    html = client.get("/duplicates/").content.decode()
    assert 'data-status="done"' in html and 'data-version="0"' in html
    assert f"too few records to learn from (it needs {weights.MIN_RECORDS})" in html
    assert "Built-in weights" in html
