"""Test files made by the tests: CSV in any encoding and delimiter, XLSX (openpyxl), XLS (xlwt)."""

from __future__ import annotations

import csv
import datetime as dt
import io


def csv_bytes(rows, *, encoding="utf-8", delimiter=",", bom=False) -> bytes:
    text = io.StringIO()
    csv.writer(text, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    data = text.getvalue().encode(encoding)
    return (b"\xef\xbb\xbf" + data) if bom else data


def xlsx_bytes(rows, *, sheet="Leads", extra_sheet: str | None = None) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    ws = workbook.active
    if extra_sheet:
        ws.title = extra_sheet
        ws.append(["nothing here"])
        ws = workbook.create_sheet(sheet)
    else:
        ws.title = sheet
    for row in rows:
        ws.append(list(row))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def xls_bytes(rows, *, sheet="Leads") -> bytes:
    import xlwt

    workbook = xlwt.Workbook(encoding="utf-8")
    ws = workbook.add_sheet(sheet)
    date_style = xlwt.easyxf(num_format_str="DD.MM.YYYY")
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if isinstance(value, dt.date):
                ws.write(r, c, value, date_style)
            else:
                ws.write(r, c, value)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def xlsx_with_long_cell(length: int, *, char: str = "A") -> bytes:
    """A valid workbook (header E-mail, Příjmení; rows 2 and 3) whose cell B2 holds `length`
    characters, written into the zip in pieces: a 300 MB cell costs the test a few hundred
    kilobytes of memory, as it costs an attacker a few hundred kilobytes of upload."""
    import zipfile

    base = zipfile.ZipFile(io.BytesIO(xlsx_bytes([["E-mail", "Příjmení"], ["x@y.cz", "X"]])))
    sheet = base.namelist()
    sheet = next(n for n in sheet if n.startswith("xl/worksheets/sheet"))

    def cell(ref: str, text: str) -> str:
        return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as bomb:
        for info in base.infolist():
            if info.filename != sheet:
                bomb.writestr(info, base.read(info))
                continue
            with bomb.open(sheet, "w", force_zip64=True) as part:
                part.write(
                    (
                        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
                        '2006/main"><sheetData>'
                        f'<row r="1">{cell("A1", "E-mail")}{cell("B1", "Příjmení")}</row>'
                        f'<row r="2">{cell("A2", "long@firma.cz")}<c r="B2" t="inlineStr"><is><t>'
                    ).encode()
                )
                piece = char * (1 << 20)
                for start in range(0, length, len(piece)):
                    part.write(piece[: min(length - start, len(piece))].encode())
                part.write(
                    (
                        f"</t></is></c></row>"
                        f'<row r="3">{cell("A3", "short@firma.cz")}{cell("B3", "Krátký")}</row>'
                        "</sheetData></worksheet>"
                    ).encode()
                )
    return out.getvalue()


def with_stated_size(workbook: bytes, stated: int) -> bytes:
    """The workbook with its sheet's zip headers (local and central) stating `stated` bytes
    unpacked, whatever the data unpacks to: a forged directory."""
    import struct
    import zipfile

    source = zipfile.ZipFile(io.BytesIO(workbook))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as plain:  # no zip64 extras
        for info in source.infolist():
            plain.writestr(info.filename, source.read(info))
    data = bytearray(out.getvalue())
    sheet = next(n for n in source.namelist() if n.startswith("xl/worksheets/sheet")).encode()
    local = data.index(b"PK\x03\x04")
    while data[local + 30 : local + 30 + len(sheet)] != sheet:
        local = data.index(b"PK\x03\x04", local + 4)
    struct.pack_into("<I", data, local + 22, stated)
    central = data.index(b"PK\x01\x02")
    while data[central + 46 : central + 46 + len(sheet)] != sheet:
        central = data.index(b"PK\x01\x02", central + 4)
    struct.pack_into("<I", data, central + 24, stated)
    return bytes(data)
