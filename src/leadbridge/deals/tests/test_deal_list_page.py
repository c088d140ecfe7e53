"""The deals list page: its own filters (and only there), the stage choice limited to the
chosen pipeline, sortable pipeline, stage and owner columns."""

import re

import pytest

from leadbridge.core.tests.helpers import make_record
from leadbridge.deals.services import pipeline_create

pytestmark = pytest.mark.django_db


def test_the_deal_filters_show_on_the_deals_list_only(admin_web):
    page = admin_web.get("/deals/").content.decode()
    for name in ("pipeline_id", "stage_id", "owner_id", "currency", "value_min", "close_before"):
        assert f'name="{name}"' in page, name
    clients = admin_web.get("/clients/").content.decode()
    for name in ("pipeline_id", "stage_id", "value_min", "close_after"):
        assert f'name="{name}"' not in clients, name


def test_only_the_chosen_pipelines_stages_are_offered(admin_web, admin_user):
    projects = pipeline_create(actor=admin_user, name="Projects", stages=["Brief", "Offer"])
    page = admin_web.get(f"/deals/?pipeline_id={projects.pk}").content.decode()
    groups = dict(re.findall(r'<optgroup label="[^"]*" data-group="(\d+)"([^>]*)>', page))
    assert groups[str(projects.pk)] == ""
    assert all("hidden" in attrs for key, attrs in groups.items() if key != str(projects.pk))
    assert len(groups) >= 2
    # With no pipeline chosen, every pipeline's stages are offered under its name.
    page = admin_web.get("/deals/").content.decode()
    assert "hidden" not in "".join(re.findall(r"<optgroup[^>]*>", page))


def test_pipeline_stage_and_owner_headers_sort(admin_web):
    make_record("deal", title="One")
    page = admin_web.get("/deals/?currency=EUR&ordering=stage").content.decode()
    for key in ("pipeline", "owner"):
        assert f'href="?currency=EUR&amp;ordering={key}"' in page, key
    assert 'href="?currency=EUR&amp;ordering=-stage"' in page


def test_a_table_swap_does_not_load_the_filter_choices(admin_web):
    full = admin_web.get("/deals/")
    assert "filter_choices" in full.context and full.context["filter_choices"]["pipelines"]
    swap = admin_web.get("/deals/", HTTP_HX_REQUEST="true")
    assert "filter_choices" not in swap.context
