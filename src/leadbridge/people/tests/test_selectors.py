"""`people.selectors.assignable_users`: the one query behind every people list."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from leadbridge.people.models import User
from leadbridge.people.selectors import assignable_users
from leadbridge.people.services import system_actor

pytestmark = pytest.mark.django_db


def test_assignable_users_are_the_active_people_and_a_teams_members(users, teams, admin_web):
    north, south = teams
    robot = system_actor("web form")
    gone = users["sales_south"]
    gone.is_active = False
    gone.save(update_fields=["is_active"])
    everyone = set(assignable_users())
    assert robot not in everyone and gone not in everyone
    assert {users["marketing"], users["sales_north"], users["manager_north"]} <= everyone
    assert set(assignable_users(team_id=north.pk)) == {
        users["marketing"],
        users["sales_north"],
        users["manager_north"],
    }
    assert list(assignable_users(team_id=south.pk)) == []  # its one member left
    # The pages' owner lists offer exactly these people.
    html = admin_web.get(reverse("leads:board")).content.decode()
    owners = html.split('<select id="id_owner"', 1)[1].split("</select>", 1)[0]
    offered = {int(pk) for pk in re.findall(r'<option value="(\d+)"', owners)}
    assert offered == {u.pk for u in everyone}
    assert User.objects.exclude(pk__in=offered).count() == 2  # the robot and the one gone
