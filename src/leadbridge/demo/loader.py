"""Demo data, made through the services so history, search and access are as in real use."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from anyascii import anyascii
from django.db import transaction
from django.utils import timezone

from leadbridge.activities.services import activity_create
from leadbridge.automation.models import TaskTemplate
from leadbridge.clients.services import client_create, contact_create
from leadbridge.core.models import Setting
from leadbridge.deals.models import Pipeline, Stage
from leadbridge.deals.services import deal_create, pipeline_create
from leadbridge.history.models import HistoryEvent
from leadbridge.leads.conversion import leads_convert_bulk
from leadbridge.leads.models import Lead, LeadSource, LeadStatus
from leadbridge.leads.services import lead_create
from leadbridge.people.models import Role, Team, User
from leadbridge.people.services import system_actor

from . import data
from .locales import for_language
from .seeding import seed_language

MARKER = "demo_loaded"


def demo_loaded() -> bool:
    return Setting.objects.filter(key=MARKER).exists()


def _phone(rng: random.Random, pattern: str) -> str:
    return pattern.format(*(rng.randint(0, 9) for _ in range(8)))


def _person(rng: random.Random, country: dict) -> tuple[str, str]:
    first, gender = rng.choice(country["first"])
    male, female = rng.choice(country["last"])
    return first, male if gender == "m" else female


def _ascii(text: str) -> str:
    return "".join(c for c in anyascii(text).lower() if c.isalnum())


def ensure_lists(actor, texts=None) -> None:
    """The demo's extra sources, second pipeline and task templates, in the texts' language."""

    texts = texts or for_language("en")
    for i, name in enumerate(texts.EXTRA_SOURCES):
        LeadSource.objects.get_or_create(name=name, defaults={"order": 20 + i})
    name, stages = texts.PARTNER_PIPELINE
    if not Pipeline.objects.filter(name=name).exists():
        pipeline_create(actor=actor, name=name, stages=stages)
        pipeline = Pipeline.objects.get(name=name)
        Stage.objects.filter(pipeline=pipeline, name=stages[-2]).update(kind="won")
        Stage.objects.filter(pipeline=pipeline, name=stages[-1]).update(kind="lost")
    if not TaskTemplate.objects.exists():
        statuses = list(LeadStatus.objects.order_by("order", "id"))
        for subject, body, days, status_index in texts.TASK_TEMPLATES:
            template = TaskTemplate.objects.create(subject=subject, body=body, due_in_days=days)
            if status_index < len(statuses):
                template.statuses.set([statuses[status_index]])


def ensure_users(language: str = "", texts=None) -> list[User]:
    """The demo users in their teams; the teams are named in the demo's language."""
    names = localized_teams(texts or for_language(language or "en"))
    teams = {name: Team.objects.get_or_create(name=names[name])[0] for name, _c in data.TEAMS}
    users = []
    for username, first, last, role_key, team_names in data.DEMO_USERS:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "first_name": first,
                "last_name": last,
                "email": f"{username}@demo.leadbridge.example",
                "role": Role.objects.get(key=role_key),
                "language": language,
            },
        )
        if created:
            user.set_password(data.DEMO_PASSWORD)
            user.save()
            user.teams.set([teams[t] for t in team_names])
        users.append(user)
    return users


def localized_teams(texts) -> dict[str, str]:
    """data.TEAMS' English names -> the team names in the texts' language."""
    return {name: texts.TEAMS.get(code, name) for name, code in data.TEAMS}


@transaction.atomic
def load_demo(*, seed: int = 1, leads: int = 300, language: str | None = None) -> dict:
    """Create the demo data once; returns counts. Deterministic for a seed.

    `language` (default: the seed language) picks the texts and, unless it is English, the
    country whose people, companies, phones and addresses the demo shows; English shows all five.
    """
    if demo_loaded():
        return {"leads": 0, "already": True}
    texts = for_language(language or seed_language())
    rng = random.Random(seed)
    actor = system_actor("demo")
    ensure_lists(User.objects.filter(is_superuser=True).first() or actor, texts)
    users = ensure_users(language or "", texts)
    teams = {t.name: t for t in Team.objects.all()}
    names = localized_teams(texts)
    team_of_country = {c: teams[names[name]] for name, c in data.TEAMS}
    statuses = list(LeadStatus.objects.filter(kind__in=["open", "lost"]))
    sources = list(LeadSource.objects.filter(active=True))
    owners_by_team: dict[int, list[User]] = {}
    for user in users:
        for team in user.teams.all():
            owners_by_team.setdefault(team.pk, []).append(user)
    now = timezone.now()
    made = []
    codes = [texts.COUNTRY] if texts.COUNTRY else list(data.COUNTRIES)
    for i in range(leads):
        code = codes[i % len(codes)]
        country = data.COUNTRIES[code]
        first, last = _person(rng, country)
        company = rng.choice(country["company"]).format(rng.choice(country["words"]))
        with_company = rng.random() < 0.7
        city, postcode = rng.choice(country["cities"])
        team = team_of_country[code]
        owner = rng.choice(owners_by_team.get(team.pk) or users)
        local = f"{_ascii(first)}.{_ascii(last)}"
        domain = _ascii(company)[:20] if with_company else "mail"
        lead = lead_create(
            actor=owner if owner.role.key != "sales" else actor,
            data={
                "first_name": first,
                "last_name": last,
                "job_title": rng.choice(texts.JOB_TITLES),
                "company_name": company if with_company else "",
                "registration_number": str(rng.randint(10_000_000, 99_999_999))
                if with_company
                else "",
                "email": f"{local}{i}@{domain}.{country['domain']}",
                "phone": _phone(rng, country["phone"]),
                "street": f"{rng.choice(country['streets'])} {rng.randint(1, 120)}",
                "city": city,
                "postcode": postcode,
                "country": code,
                "source_id": rng.choice(sources).pk,
                "status_id": rng.choice(statuses).pk,
                "owner_id": owner.pk,
                "team_id": team.pk,
                "expected_value": Decimal(rng.randrange(5, 500) * 1000)
                if rng.random() < 0.6
                else None,
                "currency": country["currency"],
                "tags": rng.sample(texts.TAGS, rng.randint(0, 2)),
                "description": rng.choice(texts.NOTES) if rng.random() < 0.3 else "",
            },
        ).obj
        made.append(lead)
        for _ in range(rng.randint(1, 3)):
            kind = rng.choice(["task", "task", "call", "note", "meeting"])
            activity_create(
                actor=actor,
                record_type="lead",
                record_id=lead.pk,
                data={
                    "type": kind,
                    "subject": rng.choice(texts.TASKS) if kind != "note" else texts.NOTE_SUBJECT,
                    "body": rng.choice(texts.NOTES) if kind == "note" else "",
                    "due_at": now + dt.timedelta(days=rng.randint(-5, 14))
                    if kind == "task"
                    else None,
                    "owner_id": owner.pk,
                },
            )
    duplicates = _duplicates(rng, actor, made)
    converted = _convert_some(rng, actor, made)
    _spread_over_the_year(rng, now, made + duplicates, converted)
    clients = _clients_and_deals(rng, actor, users, team_of_country, texts)
    Setting.objects.create(
        key=MARKER, value={"seed": seed, "leads": leads, "language": texts.__name__[-2:]}
    )
    return {
        "leads": len(made),
        "duplicates": len(duplicates),
        "converted": len(converted),
        "clients": clients,
        "already": False,
    }


def _duplicates(rng: random.Random, actor, made: list[Lead]) -> list[Lead]:
    """A few leads entered twice, as happens (another form, another colleague), so the
    duplicate finder has something to show on its first run: the same person and company,
    the e-mail typed in capitals, the phone without its spaces."""
    twins = []
    for original in rng.sample(made, min(4, len(made) // 5)):
        twins.append(
            lead_create(
                actor=actor,
                data={
                    "first_name": original.first_name,
                    "last_name": original.last_name,
                    "company_name": original.company_name,
                    "email": original.email.upper(),
                    "phone": original.phone.replace(" ", ""),
                    "city": original.city,
                    "country": original.country,
                    "status_id": original.status_id,
                    "owner_id": original.owner_id,
                    "team_id": original.team_id,
                    "currency": original.currency,
                },
            ).obj
        )
    return twins


def _convert_some(rng: random.Random, actor, made: list[Lead]) -> list[Lead]:
    """About one lead in six converted into a client, contact and deal, as a sales team
    does over a year, so the dashboard's conversion rate by month is not 0 %."""

    chosen = [lead for lead in made if rng.random() < 0.16]
    pipeline = Pipeline.objects.order_by("-is_default", "id").first()
    deal = {"mode": "new", "pipeline_id": pipeline.pk if pipeline else None}
    results = leads_convert_bulk(
        actor=actor, lead_ids=[lead.pk for lead in chosen], plan_data={"deal": deal}
    )
    done = {r["lead_id"] for r in results if r["ok"]}
    return [lead for lead in chosen if lead.pk in done]


def _spread_over_the_year(rng: random.Random, now, leads: list[Lead], converted) -> None:
    """Creation dates over the last year (the dashboard's months, sorting), a conversion some
    days after its lead's creation, and the timeline's events moved along with them."""

    converted_ids = {lead.pk for lead in converted}
    for lead in leads:
        created = now - dt.timedelta(days=rng.randint(0, 360), minutes=rng.randint(0, 999))
        Lead.objects.filter(pk=lead.pk).update(created_at=created)
        events = HistoryEvent.objects.filter(record_type="lead", record_id=lead.pk)
        events.filter(kind="created").update(at=created)
        if lead.pk in converted_ids:
            at = min(created + dt.timedelta(days=rng.randint(1, 40)), now)
            Lead.objects.filter(pk=lead.pk).update(converted_at=at)
            events.filter(kind__in=["converted", "status_changed"]).update(at=at)


def _clients_and_deals(rng: random.Random, actor, users, team_of_country, texts) -> int:
    pipelines = list(Pipeline.objects.prefetch_related("stages"))
    count = 0
    codes = [texts.COUNTRY] if texts.COUNTRY else list(data.COUNTRIES)
    for code in codes:
        country = data.COUNTRIES[code]
        team = team_of_country[code]
        owners = [u for u in users if team in u.teams.all()] or users
        for _ in range(30 // len(codes)):  # as many companies whatever the countries
            owner = rng.choice(owners)
            name = rng.choice(country["company"]).format(rng.choice(country["words"]))
            city, postcode = rng.choice(country["cities"])
            client = client_create(
                actor=actor,
                data={
                    "kind": "company",
                    "name": name,
                    "city": city,
                    "postcode": postcode,
                    "country": code,
                    "owner_id": owner.pk,
                    "team_id": team.pk,
                    "phone": _phone(rng, country["phone"]),
                },
            ).obj
            first, last = _person(rng, country)
            contact = contact_create(
                actor=actor,
                data={
                    "first_name": first,
                    "last_name": last,
                    "client_id": client.pk,
                    "email": f"{_ascii(first)}.{_ascii(last)}@{_ascii(name)[:20]}"
                    f".{country['domain']}",
                    "owner_id": owner.pk,
                    "team_id": team.pk,
                },
            ).obj
            pipeline = rng.choice(pipelines)
            stage = rng.choice(list(pipeline.stages.all()))
            deal_create(
                actor=actor,
                data={
                    "title": f"{name}: {rng.choice(texts.DEAL_WORDS)}",
                    "pipeline_id": pipeline.pk,
                    "stage_id": stage.pk,
                    "value": Decimal(rng.randrange(10, 900) * 1000),
                    "currency": country["currency"],
                    "client_id": client.pk,
                    "contact_id": contact.pk,
                    "expected_close_date": (
                        timezone.now() + dt.timedelta(days=rng.randint(5, 120))
                    ).date(),
                    "owner_id": owner.pk,
                    "team_id": team.pk,
                },
            )
            count += 1
    return count
