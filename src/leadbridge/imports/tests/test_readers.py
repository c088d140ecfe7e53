"""Readers, cell parsing and the mapping suggestion: pure functions over test-made files."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from leadbridge.imports import readers
from leadbridge.imports.mapping import (
    CustomField,
    Lookups,
    Mapping,
    check_mapping,
    convert_row,
    header_signature,
    suggest,
)
from leadbridge.imports.parsing import CellError, detect_formats, parse_date, parse_number

from .files import csv_bytes, xls_bytes, xlsx_bytes

CZECH = [
    ["Jméno", "Příjmení", "Název firmy", "IČO", "E-mail", "Telefon", "Město", "Hodnota"],
    [
        "Šárka",
        "Kopřivová",
        "Žluťoučký kůň s.r.o.",
        "27074358",
        "sarka@kun.cz",
        "603 123 456",
        "Říčany",
        "1 234,50",
    ],
    ["Jiří", "Dvořák", "Čerstvé ředkvičky a.s.", "", "jiri@redkev.cz", "", "Ústí", "12,5"],
]


def read(data: bytes, name="f.csv", **kw):
    table = readers.read_table(io.BytesIO(data), filename=name, **kw)
    return table, list(table.rows)


def test_cp1250_semicolon_csv_is_detected():
    table, rows = read(csv_bytes(CZECH * 20, encoding="cp1250", delimiter=";"))
    assert table.dialect.encoding in ("cp1250", "windows-1250")
    assert table.dialect.delimiter == ";"
    assert table.headers == CZECH[0]
    assert rows[0] == (2, CZECH[1])


def test_utf8_bom_csv_header_has_no_bom():
    table, rows = read(csv_bytes(CZECH, bom=True))
    assert table.dialect.encoding == "utf-8-sig"
    assert table.headers[0] == "Jméno"
    assert [line for line, _ in rows] == [2, 3]


def test_quoted_multiline_cells_and_blank_lines_keep_file_line_numbers():
    data = b'name,note\r\n"A","two\r\nlines"\r\n\r\n,\r\n"B","x"\r\n'
    _table, rows = read(data)
    assert rows == [(2, ["A", "two\r\nlines"]), (5, ["B", "x"])]


def test_bad_encoding_is_reported_not_garbled():
    data = b"a;b\r\n" + "x;ž\r\n".encode("cp1250") * 3
    with pytest.raises(readers.ReadError):
        table, _rows = read(data, encoding="utf-8")
        list(table.rows)


def test_xlsx_with_sheet_choice_and_typed_cells():
    rows = [
        ["Imię", "Nazwisko", "NIP", "Data"],
        ["Łukasz", "Wiśniewski", "5260250274", dt.date(2026, 11, 24)],
    ]
    data = xlsx_bytes(rows, extra_sheet="Intro")
    table, got = read(data, name="x.xlsx", sheet="Leads")
    assert table.sheets == ["Intro", "Leads"] and table.sheet == "Leads"
    assert table.headers == rows[0]
    assert got[0][1][:3] == rows[1][:3]
    assert parse_date(got[0][1][3]) == dt.date(2026, 11, 24)
    with pytest.raises(readers.ReadError):
        read(data, name="x.xlsx", sheet="Nope")


def test_large_xlsx_goes_through_openpyxl_streaming(monkeypatch):
    rows = [["Vardas", "Pavardė"], ["Jonas", "Kazlauskas"]]
    monkeypatch.setattr(readers, "XLSX_STREAM_ABOVE", 10)
    data = xlsx_bytes(rows)
    table, got = read(data, name="x.xlsx")
    assert table.headers == rows[0] and got == [(2, rows[1])]


def test_xls_through_calamine():
    rows = [["Vardas", "Pavardė", "Įmonės kodas"], ["Jonas", "Kazlauskas", "302345678"]]
    table, got = read(xls_bytes(rows), name="x.xls")
    assert table.format == "xls"
    assert table.headers == rows[0]
    assert got == [(2, rows[1])]


def test_not_a_workbook():
    with pytest.raises(readers.ReadError):
        read(b"hello", name="x.xlsx")


@pytest.mark.parametrize(
    ("text", "fmt", "expected"),
    [
        ("1 234,50", "auto", "1234.50"),
        ("1\u00a0234,50 Kč", "auto", "1234.50"),
        ("1.234,50", "auto", "1234.50"),
        ("1,234.50", "auto", "1234.50"),
        ("12,5", "auto", "12.5"),
        ("€ 99", "auto", "99"),
        ("1,234", "dot", "1234"),
        (1234.5, "auto", "1234.5"),
    ],
)
def test_numbers(text, fmt, expected):
    assert parse_number(text, fmt) == Decimal(expected)


@pytest.mark.parametrize(
    ("text", "fmt", "expected"),
    [
        ("24.11.2026", "auto", (2026, 11, 24)),  # Czech, Slovak, Polish
        ("24. 11. 2026", "auto", (2026, 11, 24)),
        ("2026-11-24", "auto", (2026, 11, 24)),  # Lithuanian, ISO
        ("2026.11.24", "auto", (2026, 11, 24)),
        ("11/24/2026", "auto", (2026, 11, 24)),
        ("03/04/2026", "mdy", (2026, 3, 4)),
        ("03/04/2026", "dmy", (2026, 4, 3)),
    ],
)
def test_dates(text, fmt, expected):
    assert parse_date(text, fmt) == dt.date(*expected)


@pytest.mark.parametrize("text", ["abc", "31.02.2026", "2026-13-01"])
def test_bad_dates(text):
    with pytest.raises(CellError):
        parse_date(text)


def test_detect_formats():
    assert detect_formats(["1.234,5", "24/11/2026"]) == ("comma", "dmy")
    assert detect_formats(["1,234.5", "11/24/2026"]) == ("dot", "mdy")


@given(st.decimals(min_value=0, max_value=10**9, places=2))
def test_number_round_trip_in_local_writing(value):
    text = f"{value:,.2f}".replace(",", " ").replace(".", ",")
    assert parse_number(text) == value


def test_suggest_localized_headers_and_custom_fields():
    headers = [
        "E-mail",
        "Email address",
        "Telefonas",
        "Název firmy",
        "IČO",
        "NIP",
        "Imię",
        "Nazwisko",
        "Vardas",
        "Pavardė",
        "Số điện thoại",
        "Zdroj",
        "Segment",
        "???",
    ]
    got = suggest(headers, [CustomField("segment", "Segment", "text")])
    assert got == [
        "email",
        "other_emails",
        "phone",
        "company_name",
        "registration_number",
        "vat_id",
        "first_name",
        "last_name",
        "",
        "",
        "other_phones",
        "source",
        "custom_fields.segment",
        "",
    ]


def test_signature_ignores_order_and_spelling():
    assert header_signature(["E-mail", "Jméno"]) == header_signature(["jmeno", "e mail"])
    assert header_signature(["E-mail"]) != header_signature(["E-mail", "Jméno"])


def test_mapping_problems():
    m = Mapping(columns=["email", "email", "nonsense"], constants={"email": "x"})
    problems = dict(check_mapping(m, ["a", "b", "c"], []))
    assert set(problems) == {"columns.1", "columns.2", "constants.email"}
    assert check_mapping(Mapping(columns=["", ""]), ["a", "b"], [])


def test_convert_row_lookups_constants_and_cell_errors():
    lookups = Lookups(status={"novy": 1}, source={"veletrh 2026": 5}, custom_types={"d": "date"})
    m = Mapping(
        columns=["last_name", "status", "expected_value", "tags", "custom_fields.d", "status"],
        constants={"source": "Veletrh 2026"},
    )
    r = convert_row(["Nováková", "Nový", "1 200,5", "vip; trade", "24.11.2026"], m, lookups)
    assert r.errors == []
    assert r.data == {
        "last_name": "Nováková",
        "status_id": 1,
        "expected_value": Decimal("1200.5"),
        "tags": ["vip", "trade"],
        "source_id": 5,
        "custom_fields": {"d": "2026-11-24"},
    }
    bad = convert_row(["X", "Zrušený", "lots", "", "yesterday"], m, lookups)
    assert {f for f, _m in bad.errors} == {"status", "expected_value", "custom_fields.d"}
    assert bad.unknown == [("status", "Zrušený")]


@pytest.mark.parametrize(
    ("rows", "encoding"),
    [
        ([["E-mail", "Příjmení"], ["a@firma.cz", "Dvořák"]], "cp1250"),
        ([["Imię", "Nazwisko"], ["Łukasz", "Wiśniewski"]], "cp1250"),
        ([["Meno", "Priezvisko"], ["Ľubomír", "Šťastný"]], "cp1250"),
        ([["Vardas", "Pavardė", "Įmonė"], ["Jonas", "Kazlauskaitė", "Žalgiris"]], "cp1257"),
        ([["Tên", "Họ"], ["Nguyễn", "Thị Hương"]], "utf-8"),
    ],
)
def test_short_legacy_files_decode_right(rows, encoding):
    table, got = read(csv_bytes(rows, encoding=encoding, delimiter=";"))
    assert table.headers == rows[0] and got == [(2, rows[1])]
