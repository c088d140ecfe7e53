"""`leadbridge import FILE --mapping …` in the terminal."""

import json

from leadbridge.cli import main
from leadbridge.leads.models import Lead

from .files import csv_bytes


def test_cli_import_with_mapping_constant_and_error_report(admin_user, tmp_path, capsys):
    path = tmp_path / "old-crm.csv"
    path.write_bytes(
        csv_bytes(
            [["Mail", "Firma", "Ignored"], ["a@x.cz", "Alfa", "1"], ["bad", "Beta", "2"]],
            encoding="cp1250",
            delimiter=";",
        )
    )
    errors = tmp_path / "errors.csv"
    code = main(
        [
            "import",
            str(path),
            "--user",
            admin_user.username,
            "--mapping",
            json.dumps({"Mail": "email", "Firma": "company_name"}),
            "--constant",
            "city=Brno",
            "--errors",
            str(errors),
        ]
    )
    out = capsys.readouterr()
    assert code == 0, out
    assert "created 1" in out.out and "failed 1" in out.out
    assert "rows/s" in out.err
    assert Lead.objects.get().city == "Brno"
    assert "Line" in errors.read_text(encoding="utf-8-sig").splitlines()[0]
