"""The settings pages' POSTs read into their services' data (automation/views.ACTIONS).

Nothing is judged here: every field takes what was sent, as the API would pass it, and the
service validates, so the page refuses exactly what the API refuses and shows the same
messages at the same fields. (Django's own fields would refuse some values first, a NUL
character or a non-number, with other words.)
"""

from __future__ import annotations

from typing import Any

from django import forms


def _int(value: Any) -> int | None:
    return int(value) if isinstance(value, str) and value.strip().isdigit() else None


class Text(forms.Field):
    """A text as sent ("" when absent), stripped if asked; `default` stands in for ""."""

    def __init__(self, *, strip: bool = False, default: str = "", **kwargs: Any):
        super().__init__(required=False, **kwargs)
        self.strip, self.default = strip, default

    def to_python(self, value: Any) -> str:
        text = value if isinstance(value, str) else ""
        return (text.strip() if self.strip else text) or self.default


class Raw(forms.Field):
    """The value as sent, None when absent (an id the service looks up and reports)."""

    def __init__(self, **kwargs: Any):
        super().__init__(required=False, **kwargs)

    def to_python(self, value: Any) -> Any:
        return value


class Number(forms.Field):
    """A whole number, or `default` when the field is empty or not a number."""

    def __init__(self, *, default: int | None = None, **kwargs: Any):
        super().__init__(required=False, **kwargs)
        self.default = default

    def to_python(self, value: Any) -> int | None:
        number = _int(value)
        return number if number is not None else self.default


class Flag(forms.Field):
    """A checkbox: ticked when sent as "on"."""

    def __init__(self, **kwargs: Any):
        super().__init__(required=False, **kwargs)

    def to_python(self, value: Any) -> bool:
        return value == "on"


class Texts(forms.Field):
    """Every value sent under the name (checkboxes, a multiple select)."""

    widget = forms.MultipleHiddenInput

    def __init__(self, **kwargs: Any):
        super().__init__(required=False, **kwargs)

    def to_python(self, value: Any) -> list[str]:
        return [str(v) for v in value or []]


class Ids(Texts):
    """Every id sent under the name; what is not a number is left out."""

    def to_python(self, value: Any) -> list[int]:  # type: ignore[override]
        return [int(v) for v in super().to_python(value) if v.isdigit()]


class Lines(forms.Field):
    """A list typed one per line or separated by commas."""

    def __init__(self, **kwargs: Any):
        super().__init__(required=False, **kwargs)

    def to_python(self, value: Any) -> list[str]:
        text = value if isinstance(value, str) else ""
        return [v.strip() for v in text.replace(",", "\n").splitlines() if v.strip()]


class ServiceForm(forms.Form):
    """A POST as its service's `data`."""

    def service_data(self) -> dict:
        if not self.is_valid():  # the fields above refuse nothing: a bug, not the user's
            raise AssertionError(self.errors)
        return dict(self.cleaned_data)


class WebFormForm(ServiceForm):
    name = Text(strip=True)
    language = Text(default="en")
    fields = Texts()
    required_fields = Texts()
    consent_text = Text()
    source_id = Number()
    status_id = Number()
    pipeline_id = Number()
    owner_id = Number()
    team_id = Number()
    allowed_origins = Lines()
    thank_you_message = Text()
    redirect_url = Text(strip=True)
    autoresponder_subject = Text()
    autoresponder_body = Text()
    on_duplicate = Text(default="link")
    min_fill_seconds = Number(default=0)
    active = Flag()


class WebhookForm(ServiceForm):
    url = Text()
    events = Texts()
    description = Text()


class PickForm(ServiceForm):
    """An action on one row of a list, by its id."""

    id = Number()


class DeliveryForm(ServiceForm):
    id = Raw()


class TaskTemplateForm(ServiceForm):
    subject = Text(strip=True)
    body = Text()
    due_in_days = Number(default=0)
    assignee = Text(default="owner")
    user_id = Number()
    team_id = Number()
    status_ids = Ids()


class AssignmentRuleForm(ServiceForm):
    name = Text(strip=True)
    order = Number(default=0)
    channel = Text(default="any")
    country = Text()
    source_id = Number()
    user_id = Number()
    team_id = Number()
