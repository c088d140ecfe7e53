"""Runtime settings (the Settings page): conversion behaviour and other switches."""

from typing import Literal

from django.db import transaction
from django.http import HttpRequest
from ninja import Field, Router, Schema

from leadbridge.api.records import ERRORS
from leadbridge.api.schemas import Strict

from .runtime_settings import all_settings, set_setting

router = Router(tags=["Settings"])


class RuntimeSettings(Schema):
    conversion_reconvert: bool = Field(
        description="A converted lead can be converted again (Bitrix24's behaviour; default on)"
    )
    conversion_on_status: Literal["ask", "default_plan"] = Field(
        description="Moving a lead to a converted status: answer 409 plan_required (ask) or "
        "convert with a new client and contact (default_plan)"
    )
    leads_enabled: bool = Field(
        description="Use leads (default on). Off: the lead pages and every /api/leads… and "
        "/api/lead-statuses endpoint answer 404 with code `leads_disabled`; web forms and "
        "imports make a contact (and a client for a company) and a deal instead of a lead; "
        "stored leads are kept untouched and are back when it is switched on again"
    )


class RuntimeSettingsPatch(Strict):
    conversion_reconvert: bool | None = None
    conversion_on_status: Literal["ask", "default_plan"] | None = None
    leads_enabled: bool | None = None


def _out() -> dict:
    return {key.replace(".", "_"): value for key, value in all_settings().items()}


@router.get("/settings", response={200: RuntimeSettings, **ERRORS}, operation_id="settings_get")
def get_settings(request: HttpRequest):
    return 200, _out()


@router.patch(
    "/settings", response={200: RuntimeSettings, **ERRORS}, operation_id="settings_update"
)
def update_settings(request: HttpRequest, payload: RuntimeSettingsPatch):
    with transaction.atomic():  # all the changes of one request, or none
        for name, value in payload.model_dump(exclude_unset=True).items():
            if value is not None:
                set_setting(actor=request.auth, key=name.replace("_", ".", 1), value=value)
    return 200, _out()
