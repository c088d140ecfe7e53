"""Which database errors mean "unavailable" (503) rather than a fault of the app (500)."""

from __future__ import annotations

import psycopg
import pytest
from django.db import utils


def _wrapped(django_error: type, cause: Exception) -> Exception:
    exc = django_error(str(cause))
    exc.__cause__ = cause
    return exc


@pytest.mark.parametrize(
    ("exc", "unavailable"),
    [
        (_wrapped(utils.OperationalError, psycopg.OperationalError("connection refused")), True),
        (_wrapped(utils.InterfaceError, psycopg.InterfaceError("connection closed")), True),
        # PostgreSQL refused a value or a query: the app's fault, a 500 to be fixed.
        (_wrapped(utils.DataError, psycopg.DataError("cannot contain NUL (0x00) bytes")), False),
        (_wrapped(utils.ProgrammingError, psycopg.ProgrammingError("syntax")), False),
        (ValueError("not a database error"), False),
        (None, False),
    ],
)
def test_database_unavailable(exc, unavailable):
    from leadbridge.ops.views import database_unavailable

    assert database_unavailable(exc) is unavailable
