"""The lists a new install starts with, in the seed language (LEADBRIDGE_SEED_LANGUAGE).

Called by the data migrations that create them (leads 0003, deals 0003) with historical models,
and by the demo with the real ones; both only fill empty tables, so the lists stay the
administrators' editable data once made.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

from .locales import for_language


def seed_language() -> str:
    return getattr(settings, "LEADBRIDGE_SEED_LANGUAGE", "") or settings.LANGUAGE_CODE


def seed_lead_lists(apps: Any, language: str | None = None) -> None:
    """Lead statuses and sources, when there are none yet."""
    texts = for_language(language or seed_language())
    LeadStatus = apps.get_model("leads", "LeadStatus")
    LeadSource = apps.get_model("leads", "LeadSource")
    if not LeadStatus.objects.exists():
        LeadStatus.objects.bulk_create(
            LeadStatus(name=n, color=c, kind=k, on_board=b, order=i)
            for i, (n, c, k, b) in enumerate(texts.STATUSES)
        )
    if not LeadSource.objects.exists():
        LeadSource.objects.bulk_create(
            LeadSource(name=n, order=i) for i, n in enumerate(texts.SOURCES)
        )
    seed_lost_reasons(apps, language)


def seed_lost_reasons(apps: Any, language: str | None = None) -> None:
    """Lost reasons, when there are none yet (and once the table exists: the migration that
    made the statuses runs before the one that adds lost reasons)."""
    try:
        LostReason = apps.get_model("leads", "LostReason")
    except LookupError:
        return
    if not LostReason.objects.exists():
        texts = for_language(language or seed_language())
        LostReason.objects.bulk_create(
            LostReason(name=n, order=i) for i, n in enumerate(texts.LOST_REASONS)
        )


def seed_pipeline(apps: Any, language: str | None = None) -> None:
    """The default pipeline and its stages, when there is no pipeline yet."""
    texts = for_language(language or seed_language())
    Pipeline = apps.get_model("deals", "Pipeline")
    Stage = apps.get_model("deals", "Stage")
    if not Pipeline.objects.exists():
        pipeline = Pipeline.objects.create(name=texts.PIPELINE, is_default=True)
        Stage.objects.bulk_create(
            Stage(pipeline=pipeline, name=n, kind=k, probability=p, order=i)
            for i, (n, k, p) in enumerate(texts.STAGES)
        )
