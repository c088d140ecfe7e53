"""File readers for imports: CSV, XLSX and XLS as a header plus a stream of rows. Pure (no ORM).

Every reader yields `(line, cells)` with the spreadsheet's own 1-based line number (the header
is line 1), so an error report can point the user at the row to fix.

Memory: CSV is streamed row by row (only the caller's batch is held). XLSX and XLS go through
python-calamine, which is fast but holds one whole sheet in memory; an XLSX whose members
unpack to more than `XLSX_STREAM_ABOVE` bytes is read with openpyxl's read-only mode instead,
which streams rows from the zip at a lower speed. XLS (the old binary format) has no streaming
reader: calamine holds the sheet (an .xls sheet has at most 65,536 rows, so that is bounded
anyway, and it is not compressed: its size is the upload's).

An XLSX is a zip: a few hundred kilobytes can unpack to gigabytes (one repeated cell
compresses about a thousand to one). `check_archive` reads only the zip's directory and refuses
an archive above the settings' total size or compression ratio before any reader opens it; a
cell longer than the cell limit reaches the caller as a `TooLong` value (a row error), never as
the text itself.
"""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from django.conf import settings
from django.utils.translation import gettext as _
from python_calamine import CalamineError, CalamineWorkbook

FORMATS = ("csv", "xlsx", "xls")
SAMPLE_BYTES = 64 * 1024
# Unpacked bytes of an XLSX above which its sheet is streamed rather than held by calamine
# (about what a 20 MB workbook of ordinary rows unpacks to).
XLSX_STREAM_ABOVE = 200 * 1024 * 1024
# A member smaller than this is not judged by its ratio: tiny XML parts of a normal workbook
# compress very well and hold no memory worth the name.
RATIO_FROM_BYTES = 1024 * 1024
DELIMITERS = ";,\t|"
# Legacy encodings of the seed markets' files (Windows and ISO code pages of Central Europe
# and the Baltics, Vietnamese, Western Europe, DOS Czech): the detector picks among these
# only, so a short Czech file is not mistaken for an East Asian code page.
CANDIDATE_ENCODINGS = [
    "cp1250",
    "iso8859_2",
    "cp1257",
    "iso8859_13",
    "cp1258",
    "cp1252",
    "iso8859_1",
    "cp852",
    "utf_16",
]
csv.field_size_limit(10 * 1024 * 1024)


class ReadError(ValueError):
    """The file cannot be read as the format it claims; the message is for the user."""


class TooLarge(ReadError):
    """The file would unpack to more than the limits allow; the message is for the user."""


class TooLong(str):
    """A cell longer than `IMPORT_MAX_CELL_CHARS` in place of its text: the row checker
    reports it as the row's error. As text it is the cell's start, for the error report."""

    length: int

    def __new__(cls, text: str, limit: int) -> TooLong:
        cell = super().__new__(cls, text[:80] + "…")
        cell.length = len(text)
        return cell


def max_cell_chars() -> int:
    return int(settings.IMPORT_MAX_CELL_CHARS)


def _capped(value: Any, limit: int) -> Any:
    if type(value) is str and len(value) > limit:
        return TooLong(value, limit)
    return value


def check_archive(stream: IO[bytes]) -> int:
    """The unpacked size of an XLSX after checking its zip directory against the limits:
    the total (`IMPORT_MAX_UNCOMPRESSED_BYTES`) and each member's compression ratio
    (`IMPORT_MAX_COMPRESSION_RATIO`). Nothing is decompressed; raises `TooLarge`.

    The stated sizes bound what the readers unpack, even in a forged directory: calamine's zip
    reader fails on a member larger than it states, Python's zipfile (openpyxl) stops at the
    stated size and fails the checksum (tested)."""
    try:
        members = zipfile.ZipFile(stream).infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError):
        raise ReadError(_("The file is not a valid Excel workbook.")) from None
    finally:
        stream.seek(0)
    limit = int(settings.IMPORT_MAX_UNCOMPRESSED_BYTES)
    ratio = float(settings.IMPORT_MAX_COMPRESSION_RATIO)
    total = 0
    for member in members:
        total += member.file_size
        if total > limit:
            raise TooLarge(
                _("The workbook unpacks to more than %(mb)s MB; split it or save it as CSV.")
                % {"mb": limit // 1024**2}
            )
        if member.file_size >= RATIO_FROM_BYTES and member.file_size > ratio * max(
            member.compress_size, 1
        ):
            raise TooLarge(
                _(
                    "The workbook is compressed more than %(ratio)s to 1 (a zip bomb or a "
                    "cell of repeated text); it is not read."
                )
                % {"ratio": f"{ratio:g}"}
            )
    return total


@dataclass
class CsvDialect:
    encoding: str
    delimiter: str
    quotechar: str = '"'


@dataclass
class Table:
    """A sheet's header and its rows. `rows` is an iterator: read it once."""

    headers: list[str]
    rows: Iterator[tuple[int, list[Any]]]
    sheets: list[str] = field(default_factory=list)
    sheet: str = ""
    dialect: CsvDialect | None = None
    format: str = "csv"


def detect_format(filename: str, head: bytes) -> str:
    """csv, xlsx or xls from the file's first bytes (the name only breaks ties)."""
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "xls"
    name = filename.lower()
    if name.endswith((".xlsx", ".xlsm", ".xls")):
        raise ReadError(_("The file is not a valid Excel workbook."))
    return "csv"


def detect_encoding(sample: bytes) -> str:
    """UTF-8 (with or without a BOM) when the sample decodes as such, else the best guess of
    charset-normalizer (cp1250 for Czech or Polish files from Windows, for instance)."""
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    try:
        # The sample may end inside a multi-byte character: an incremental decoder tolerates it.
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    guess = _seed_letters_guess(sample)
    if guess:
        return guess
    from charset_normalizer import from_bytes  # 60 ms to import: only for a file that is not UTF-8

    best = from_bytes(sample, cp_isolation=CANDIDATE_ENCODINGS).best()
    if best is None:
        raise ReadError(_("The file's text encoding could not be recognised."))
    return best.encoding


# Letters of the seed languages (Czech, Slovak, Polish, Lithuanian, German names in them).
_SEED_LETTERS = frozenset("áäčďéěíĺľňóôŕřšťúůýžąćęłńśźżėįųūëöüß")
_NEUTRAL = frozenset("€„“”‚‘’–—…°§×·«»\u00a0")


def _seed_letters_guess(sample: bytes) -> str | None:
    """The Windows code page under which the sample reads as most seed-language letters and
    fewest odd symbols. A short file says too little for a statistical detector, and the
    Central European (1250) and Baltic (1257) pages differ in exactly these letters."""
    best, best_score = None, 0
    for encoding in ("cp1250", "cp1257", "cp1252"):
        try:
            text = sample.decode(encoding)
        except UnicodeDecodeError:
            continue
        score = 0
        for ch in text:
            if ord(ch) < 128 or ch in _NEUTRAL:
                continue
            score += 1 if ch.lower() in _SEED_LETTERS else -3
        if score > best_score:
            best, best_score = encoding, score
    return best


def sniff_dialect(text: str) -> tuple[str, str]:
    """(delimiter, quote character) of a CSV sample; `;` files from Czech Excel included."""
    lines = [line for line in text.splitlines()[:50] if line.strip()]
    if not lines:
        return ",", '"'
    try:
        dialect = csv.Sniffer().sniff("\n".join(lines), delimiters=DELIMITERS)
        return dialect.delimiter, dialect.quotechar or '"'
    except csv.Error:
        # One column, or too few lines to tell: the delimiter most frequent in the header.
        counts = {d: lines[0].count(d) for d in DELIMITERS}
        best = max(counts, key=lambda d: counts[d])
        return (best if counts[best] else ","), '"'


def sniff_csv(sample: bytes, *, encoding: str | None = None) -> CsvDialect:
    encoding = encoding or detect_encoding(sample)
    text = codecs.getincrementaldecoder(encoding)(errors="replace").decode(sample, final=False)
    delimiter, quotechar = sniff_dialect(text.lstrip("\ufeff"))
    return CsvDialect(encoding, delimiter, quotechar)


def _clean_header(cells: list[Any]) -> list[str]:
    names = [("" if c is None else str(c)).strip().lstrip("\ufeff") for c in cells]
    return [_capped(name, max_cell_chars()) for name in names]


def _trim(cells: list[Any]) -> list[Any]:
    while cells and cells[-1] in (None, ""):
        cells.pop()
    return cells


def read_csv(
    stream: IO[bytes], *, encoding: str | None = None, delimiter: str | None = None
) -> Table:
    """Stream a CSV file; the encoding and delimiter are detected unless given."""
    sample = stream.read(SAMPLE_BYTES)
    stream.seek(0)
    dialect = sniff_csv(sample, encoding=encoding)
    if delimiter:
        dialect.delimiter = delimiter
    text = io.TextIOWrapper(stream, encoding=dialect.encoding, errors="strict", newline="")
    reader = csv.reader(text, delimiter=dialect.delimiter, quotechar=dialect.quotechar)
    try:
        header = next(reader, [])
    except UnicodeDecodeError:
        raise ReadError(
            _("The file is not valid %(encoding)s text.") % {"encoding": dialect.encoding}
        ) from None
    except csv.Error as exc:
        raise ReadError(_("The first line cannot be read: %(exc)s.") % {"exc": exc}) from None

    limit = max_cell_chars()

    def rows() -> Iterator[tuple[int, list[Any]]]:
        line = 1
        try:
            for cells in reader:
                line += 1
                if any(c.strip() for c in cells):
                    if any(len(c) > limit for c in cells):
                        cells = [_capped(c, limit) for c in cells]
                    yield line, cells
        except UnicodeDecodeError:
            raise ReadError(
                _("Line %(line)s is not valid %(encoding)s text; choose the encoding.")
                % {"line": line + 1, "encoding": dialect.encoding}
            ) from None
        except csv.Error as exc:
            raise ReadError(
                _("Line %(line)s cannot be read: %(exc)s.") % {"line": line + 1, "exc": exc}
            ) from None

    return Table(_clean_header(header), rows(), dialect=dialect)


def sheet_names(stream: IO[bytes]) -> list[str]:
    workbook = CalamineWorkbook.from_filelike(stream)
    try:
        return list(workbook.sheet_names)
    finally:
        workbook.close()
        stream.seek(0)


def _rows_from(iterable, first_line: int = 2) -> Iterator[tuple[int, list[Any]]]:
    limit = max_cell_chars()
    for line, cells in enumerate(iterable, start=first_line):
        cells = _trim([_capped(c, limit) for c in cells])
        if any(c not in (None, "") for c in cells):
            yield line, cells


def read_workbook(stream: IO[bytes], fmt: str, *, sheet: str | None = None) -> Table:
    """An XLSX or XLS sheet (the first unless named) through python-calamine."""
    try:
        workbook = CalamineWorkbook.from_filelike(stream)
    except (CalamineError, ValueError, OSError) as exc:
        raise ReadError(_("The workbook cannot be read: %(exc)s") % {"exc": exc}) from None
    names = list(workbook.sheet_names)
    if not names:
        raise ReadError(_("The workbook has no sheets."))
    if sheet is not None and sheet not in names:
        raise ReadError(f"No sheet named {sheet!r}; sheets: {', '.join(names)}.")
    name = sheet or names[0]
    try:  # the sheet is unpacked and parsed here, whole
        data = workbook.get_sheet_by_name(name).iter_rows()
        first = list(next(data, []))
    except (CalamineError, ValueError, OSError) as exc:
        raise ReadError(_("The workbook cannot be read: %(exc)s") % {"exc": exc}) from None
    header = _clean_header(_trim(first))
    return Table(header, _rows_from(data), sheets=names, sheet=name, format=fmt)


def read_xlsx_streaming(stream: IO[bytes], *, sheet: str | None = None) -> Table:
    """An XLSX sheet through openpyxl's read-only mode: rows come from the zip one by one."""
    from openpyxl import load_workbook  # heavy (0.16 s): only for a large XLSX

    try:
        workbook = load_workbook(stream, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a broken file
        raise ReadError(_("The workbook cannot be read: %(exc)s") % {"exc": exc}) from None
    names = list(workbook.sheetnames)
    if sheet is not None and sheet not in names:
        raise ReadError(f"No sheet named {sheet!r}; sheets: {', '.join(names)}.")
    name = sheet or names[0]
    data = _unbroken(workbook[name].iter_rows(values_only=True))
    header = _clean_header(_trim(list(next(data, ()))))
    return Table(header, _rows_from(data), sheets=names, sheet=name, format="xlsx")


def _unbroken(rows: Iterator[Any]) -> Iterator[Any]:
    """The streamed rows; a zip or XML fault met on the way (a damaged or forged member is
    found only when read) is a `ReadError` with the reason, not the library's exception."""
    try:
        yield from rows
    except Exception as exc:  # openpyxl, zipfile and the XML parser raise many types
        raise ReadError(_("The workbook cannot be read: %(exc)s") % {"exc": exc}) from None


def read_table(
    stream: IO[bytes],
    *,
    filename: str = "",
    sheet: str | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
) -> Table:
    """Open any supported file: the format comes from its first bytes."""
    head = stream.read(8)
    stream.seek(0)
    fmt = detect_format(filename, head)
    if fmt == "csv":
        return read_csv(stream, encoding=encoding, delimiter=delimiter)
    if fmt == "xlsx" and check_archive(stream) > XLSX_STREAM_ABOVE:
        return read_xlsx_streaming(stream, sheet=sheet)
    return read_workbook(stream, fmt, sheet=sheet)


def holds_whole_sheet(stream: IO[bytes], filename: str = "") -> bool:
    """Whether `read_table` reads this file's sheet whole into memory (XLS, a small XLSX)."""
    head = stream.read(8)
    stream.seek(0)
    fmt = detect_format(filename, head)
    return fmt == "xls" or (fmt == "xlsx" and check_archive(stream) <= XLSX_STREAM_ABOVE)
