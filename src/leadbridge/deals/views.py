"""Deal pages and the deals board by pipeline stage."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from leadbridge.core.display import local_date
from leadbridge.core.errors import DomainError
from leadbridge.core.record_views import Column, RecordPages, money_of
from leadbridge.core.selectors import base_queryset, record_get
from leadbridge.people.selectors import assignable_users

from . import services
from .models import Pipeline, Stage


class DealPages(RecordPages):
    def extra_context(self, obj, *, actor) -> dict:
        """The deal's pipeline as a stage bar: where it stands, where it can go."""
        return {"stages": list(obj.pipeline.stages.all()), "deal": obj}

    def filter_choices(self, request: HttpRequest) -> dict:
        """Pipelines, their stages (only the chosen pipeline's shown), owners, currencies."""
        pipelines = list(Pipeline.objects.prefetch_related("stages"))
        chosen = request.GET.get("pipeline_id") or ""
        currencies = (
            base_queryset(request.user, "deal")
            .exclude(currency="")
            .order_by("currency")
            .values_list("currency", flat=True)
            .distinct()
        )
        return {
            "pipelines": [(str(p.pk), p.name) for p in pipelines],
            "stages": [
                (p.name, str(p.pk), chosen not in ("", str(p.pk)), _stage_options(p))
                for p in pipelines
            ],
            "owners": [(str(u.pk), u.display_name) for u in assignable_users()],
            "currencies": [(c, c) for c in currencies],
        }


def _stage_options(pipeline: Pipeline) -> list[tuple[str, str]]:
    return [(str(s.pk), s.name) for s in pipeline.stages.all()]


pages = DealPages(
    record_type="deal",
    namespace="deals",
    title=_("Deals"),
    singular=_("Deal"),
    new_title=_("New deal"),
    columns=[
        Column(_("Title"), "title", sort="title"),
        Column(_("Client"), "client"),  # deals of the same title are told apart by it
        Column(_("Pipeline"), "pipeline.name", sort="pipeline"),
        Column(_("Stage"), "stage.name", sort="stage"),
        Column(
            _("Value"),
            money_of("value"),
            sort="value",
            note=_("Sorted by currency first, then by value within each currency."),
        ),
        Column(_("Close"), "expected_close_date", sort="expected_close_date"),
        Column(_("Owner"), "owner", sort="owner"),
    ],
    filters_template="deals/_filters.html",
    create=services.deal_create,
    update=services.deal_update,
    delete=services.deal_delete,
    card_fields=[
        (_("Pipeline"), "pipeline.name"),
        (_("Stage"), "stage.name"),
        (_("Value"), money_of("value")),
        (_("Expected close date"), lambda deal: local_date(deal.expected_close_date)),
        (_("Client"), "client"),
        (_("Contact person"), "contact"),
        (_("Owner"), "owner"),
        (_("Sales team"), "team.name"),
        (_("Tags"), "tags"),
    ],
)
_views = pages.views()
deal_list = _views["list"]
deal_detail = _views["detail"]
deal_create = _views["create"]
deal_edit = _views["edit"]
deal_delete = _views["delete"]

PER_COLUMN = 50


def deal_board(request: HttpRequest) -> HttpResponse:
    pipelines = list(Pipeline.objects.prefetch_related("stages"))
    chosen = next((p for p in pipelines if str(p.pk) == request.GET.get("pipeline_id")), None)
    pipeline = chosen or (pipelines[0] if pipelines else None)
    columns = []
    if pipeline is not None:
        deals = base_queryset(request.user, "deal").filter(pipeline=pipeline)
        deals = deals.select_related("owner", "client").order_by("-created_at", "-id")
        for stage in pipeline.stages.all():
            stage_deals = deals.filter(stage=stage)
            columns.append((stage, list(stage_deals[:PER_COLUMN]), stage_deals.count()))
    return render(
        request,
        "deals/board.html",
        {"pipelines": pipelines, "pipeline": pipeline, "columns": columns},
    )


@require_POST
def deal_board_move(request: HttpRequest) -> HttpResponse:
    try:
        deal_id, stage_id = int(request.POST["id"]), int(request.POST["column"])
        saved = services.deal_update(actor=request.user, pk=deal_id, data={"stage_id": stage_id})
    except (KeyError, ValueError):
        return HttpResponse(_("Bad request."), status=400)
    except DomainError as exc:
        detail = exc.errors[0].message if exc.errors else exc.detail
        return HttpResponse(detail, status=exc.status)
    return render(request, "deals/_card.html", {"deal": saved.obj})


@require_POST
def deal_stage(request: HttpRequest, pk: int) -> HttpResponse:
    """Move a deal to a stage of its pipeline from the stage bar (Won and Lost included)."""
    deal = record_get(actor=request.user, record_type="deal", pk=pk)
    stage = Stage.objects.filter(pk=_int(request.POST.get("stage_id")), pipeline=deal.pipeline_id)
    target = stage.first()
    if target is None:
        messages.error(request, _("Choose a stage of this deal's pipeline."))
    else:
        try:
            services.deal_update(
                actor=request.user,
                pk=pk,
                data={"stage_id": target.pk},
                version=_int(request.POST.get("version")) or deal.version,
            )
        except DomainError as exc:
            messages.error(request, exc.errors[0].message if exc.errors else exc.detail)
        else:
            messages.success(
                request, _("The deal is now in the stage %(stage)s.") % {"stage": target.name}
            )
    return redirect("deals:detail", pk)


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
