"""One domain error type for every service; the API and the forms render it."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _


@dataclass
class FieldIssue:
    field: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "message": self.message}


class DomainError(Exception):
    """A business rule refused the operation.

    `status` is the HTTP status the API answers with: 422 invalid values, 409 conflict
    with the stored state, 403 not allowed, 404 not found (or not visible).
    """

    status = 422
    default_code = "invalid"

    def __init__(
        self,
        detail: str,
        *,
        code: str | None = None,
        errors: list[FieldIssue] | None = None,
        status: int | None = None,
        extra: dict | None = None,
    ):
        super().__init__(detail)
        self.detail = detail
        self.code = code or self.default_code
        self.errors = errors or []
        if status is not None:
            self.status = status
        self.extra = extra or {}

    def as_dict(self) -> dict:
        body = {
            "detail": self.detail,
            "code": self.code,
            "errors": [e.as_dict() for e in self.errors],
        }
        body.update(self.extra)
        return body


class ValidationFailed(DomainError):
    status = 422
    default_code = "invalid"


class Conflict(DomainError):
    status = 409
    default_code = "conflict"


class Forbidden(DomainError):
    status = 403
    default_code = "forbidden"


class NotFound(DomainError):
    status = 404
    default_code = "not_found"


class Merged(NotFound):
    """A record merged into another: not found, as for the API, but pages can follow it to
    the survivor (core/middleware.DomainErrorPages)."""

    def __init__(self, detail: str, *, record_type: str, pk: int, survivor_id: int):
        super().__init__(detail)
        self.record_type = record_type
        self.pk = pk
        self.survivor_id = survivor_id


def field_error(field: str, message: str, *, code: str = "invalid") -> ValidationFailed:
    return ValidationFailed(message, code=code, errors=[FieldIssue(field, message)])


class Collector:
    """Gathers field issues so that a form or request is answered with all of them at once."""

    def __init__(self) -> None:
        self.errors: list[FieldIssue] = []
        self.warnings: list[FieldIssue] = []

    def add(self, field: str, message: str) -> None:
        issue = FieldIssue(field, str(message))
        # Two checks may find the same problem (a reference that does not exist is also not
        # visible): the answer lists it once.
        if issue not in self.errors:
            self.errors.append(issue)

    def warn(self, field: str, message: str) -> None:
        self.warnings.append(FieldIssue(field, str(message)))

    def raise_if_any(self, detail: str | None = None, code: str = "invalid"):
        if self.errors:
            detail = detail or _("Some values are not valid.")
            raise ValidationFailed(detail, code=code, errors=list(self.errors))
