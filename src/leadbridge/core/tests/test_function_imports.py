"""An import inside a function says why on its line (docs/architecture.md, rule 1); any other
import belongs at the top of its module, where readers and the import contracts see it.
Tests and migrations are left out: their imports follow the test's needs."""

from __future__ import annotations

import ast
from pathlib import Path

import leadbridge

PACKAGE = Path(leadbridge.__file__).resolve().parent


def function_imports(source: str) -> list[tuple[int, str, bool]]:
    """(line, first line's text, has a `#` comment on its first or last line) for every import
    statement inside a function body, nested functions and methods included."""
    lines = source.splitlines()
    found: dict[int, tuple[int, str, bool]] = {}
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for sub in ast.walk(node):
            if isinstance(sub, ast.Import | ast.ImportFrom):
                first = lines[sub.lineno - 1]
                last = lines[(sub.end_lineno or sub.lineno) - 1]
                # An import statement holds no string, so a `#` on its lines is a comment.
                found[sub.lineno] = (sub.lineno, first.strip(), "#" in first or "#" in last)
    return sorted(found.values())


def checked_modules() -> list[Path]:
    return [
        path
        for path in sorted(PACKAGE.rglob("*.py"))
        if "tests" not in path.relative_to(PACKAGE).parts
        and "migrations" not in path.relative_to(PACKAGE).parts
        and not path.name.startswith("test_")
        and path.name != "conftest.py"
    ]


def test_every_function_level_import_says_why():
    unexplained, total = [], 0
    for path in checked_modules():
        for line, text, explained in function_imports(path.read_text(encoding="utf-8")):
            total += 1
            if not explained:
                unexplained.append(f"{path.relative_to(PACKAGE)}:{line}: {text}")
    assert total > 0, "the walk found no function-level import at all: is PACKAGE right?"
    assert not unexplained, (
        "Function-level imports without a reason on their line (`# <why>`); move them to the "
        "top of the module unless something stops that:\n" + "\n".join(unexplained)
    )


def test_an_import_without_a_reason_is_found():
    source = """
import os

def top():
    from django.conf import settings

    def inner():
        import uuid  # optional heavy dependency
        import io

class Thing:
    async def method(self):
        from leadbridge.core.errors import (  # models load only in ready()
            DomainError,
        )
        from leadbridge.core.errors import (
            NotFound,
        )
"""
    unexplained = [(line, text) for line, text, why in function_imports(source) if not why]
    assert unexplained == [
        (5, "from django.conf import settings"),
        (9, "import io"),
        (16, "from leadbridge.core.errors import ("),
    ]
    assert len(function_imports(source)) == 5  # `import os` is at module level


def test_tests_and_migrations_are_left_out():
    parts = {part for path in checked_modules() for part in path.relative_to(PACKAGE).parts}
    assert "tests" not in parts and "migrations" not in parts
    assert PACKAGE / "cli.py" in checked_modules()
