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
