"""The API's JSON error body where Django or ninja answer before the API's handlers do.

- A body over DATA_UPLOAD_MAX_MEMORY_SIZE: Django raises `RequestDataTooBig` when the body
  is read and answers it with an HTML 400; the API answers 413.
- A method the path does not take: ninja answers a plain-text 405; the API answers JSON,
  with the `Allow` header kept.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _

from .errors import error_body

PREFIX = "/api/"


def _json(response: HttpResponse) -> bool:
    return response.get("Content-Type", "").startswith("application/json")


class ApiErrorContract:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code == 405 and request.path_info.startswith(PREFIX):
            if not _json(response):
                allowed = response.get("Allow", "")
                detail = _("This path does not take %(method)s; it takes %(allowed)s.") % {
                    "method": request.method,
                    "allowed": allowed,
                }
                response = JsonResponse(error_body(detail, "method_not_allowed"), status=405)
                response["Allow"] = allowed
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, RequestDataTooBig) and request.path_info.startswith(PREFIX):
            limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
            message = _("The body is larger than %(n)s bytes.") % {"n": limit}
            errors = [{"field": "body", "message": message}]
            return JsonResponse(error_body(message, "too_large", errors), status=413)
        return None
