"""What the document page's form sends, parsed into the service's `data` (contract names).

The form only parses: numbers typed in the user's locale ("1 234,50" in Czech, "1,234.50" in
English) become `Decimal`, and a value that is not a number is refused at its line and field
before the service runs; the service validates the rest (the same rules as the API), and its
field errors (`lines.2.quantity`) are put back at the line and field they name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.conf import settings
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from leadbridge.core.choices import country_choices, currency_choices
from leadbridge.core.errors import DomainError

LINE_FIELDS = ("product_id", "description", "quantity", "unit", "unit_price")
LINE_FIELDS += ("discount_percent", "vat_rate")
NUMBER_FIELDS = ("quantity", "unit_price", "discount_percent", "vat_rate")
MAX_LINES = 200  # bounded before any work; the service has its own limit too
CUSTOMER_FIELDS = (
    ("name", gettext_lazy("Customer")),
    ("contact_name", gettext_lazy("Contact person")),
    ("registration_number", gettext_lazy("Registration number")),
    ("vat_id", gettext_lazy("VAT id")),
    ("street", gettext_lazy("Street")),
    ("city", gettext_lazy("City")),
    ("postcode", gettext_lazy("Postcode")),
    ("country", gettext_lazy("Country")),
    ("email", gettext_lazy("E-mail")),
)


def decimal_separator() -> str:
    return str(formats.get_format("DECIMAL_SEPARATOR"))


def parse_decimal(text: str, decimal_sep: str | None = None) -> Decimal | None:
    """A number as typed: spaces and grouping marks go; the last of ',' and '.' is the
    decimal point when both appear; a lone mark is one unless it is the locale's grouping
    mark before exactly three digits. The same rule as documents.js. None when empty;
    ValueError when not a number."""
    sep = decimal_sep or decimal_separator()
    s = re.sub(r"[\s\u00a0\u202f']", "", text or "")
    if not s:
        return None
    commas, dots = s.count(","), s.count(".")
    if commas and dots:
        last = max(s.rfind(","), s.rfind("."))
        s = re.sub(r"[.,]", "", s[:last]) + "." + s[last + 1 :]
    elif commas + dots > 1:
        s = re.sub(r"[.,]", "", s)
    elif commas + dots == 1:
        mark = "," if commas else "."
        after = len(s) - s.index(mark) - 1
        s = s.replace(mark, "" if (mark != sep and after == 3) else ".")
    if not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)", s):
        raise ValueError(s)
    try:
        return Decimal(s)
    except InvalidOperation:
        raise ValueError(s) from None


def plain_number(value: Any, min_places: int = 0) -> str:
    """A stored Decimal for an input, in the locale's notation without grouping and without
    trailing zeros beyond `min_places` ("2", "1250,50" in Czech)."""
    if value in (None, ""):
        return ""
    amount = Decimal(str(value))
    text = f"{amount:f}"
    if "." in text:
        whole, frac = text.split(".")
        frac = frac.rstrip("0").ljust(min_places, "0")
    else:
        whole, frac = text, "0" * min_places
    return whole + (decimal_separator() + frac if frac else "")


class HeaderForm(forms.Form):
    """The document's header: dates, currency, language, the customer's details, notes."""

    issue_date = forms.DateField(
        label=gettext_lazy("Issue date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    valid_until = forms.DateField(
        label=gettext_lazy("Valid until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    due_date = forms.DateField(
        label=gettext_lazy("Due date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    currency = forms.ChoiceField(label=gettext_lazy("Currency"), required=False)
    language = forms.ChoiceField(label=gettext_lazy("Language of the PDF"), required=False)
    reverse_charge = forms.BooleanField(
        label=gettext_lazy("Reverse charge (EU customer with a valid VAT id: no VAT)"),
        required=False,
    )
    notes = forms.CharField(
        label=gettext_lazy("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, kind: str, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.kind = kind
        del self.fields["valid_until" if kind == "proforma" else "due_date"]
        currency = self.fields["currency"]
        assert isinstance(currency, forms.ChoiceField)
        currency.choices = currency_choices()
        current = self.initial.get("currency") or self.data.get("currency") or ""
        if current and current not in {code for code, _shown in currency.choices}:
            currency.choices = [*currency.choices, (current, current)]
        language = self.fields["language"]
        assert isinstance(language, forms.ChoiceField)
        language.choices = [("", _("The site's language")), *settings.LANGUAGES]
        for name, label in CUSTOMER_FIELDS:
            key = f"customer_{name}"
            if name == "country":
                self.fields[key] = forms.ChoiceField(
                    label=label,
                    required=False,
                    choices=[("", "—"), *country_choices()],
                    widget=forms.Select(attrs={"data-names": "cldr"}),
                )
            else:
                self.fields[key] = forms.CharField(label=label, required=False, max_length=500)

    def header_fields(self):
        return [self[n] for n in ("issue_date", "valid_until", "due_date") if n in self.fields]

    def customer_fields(self):
        return [self[f"customer_{name}"] for name, _label in CUSTOMER_FIELDS]

    def to_data(self) -> dict:
        """The header for the service. The reverse charge is left to the caller (it may
        start a VIES check, so it is sent only when the user changes it)."""
        cleaned = self.cleaned_data
        data: dict[str, Any] = {
            "language": cleaned.get("language") or "",
            "notes": cleaned.get("notes") or "",
            "customer": {
                name: cleaned.get(f"customer_{name}") or "" for name, _l in CUSTOMER_FIELDS
            },
        }
        if cleaned.get("currency"):
            data["currency"] = cleaned["currency"]
        for name in ("issue_date", "valid_until", "due_date"):
            if name in cleaned:
                data[name] = cleaned[name]
        return data


def header_initial(document) -> dict:
    initial = {
        "issue_date": document.issue_date,
        "valid_until": document.valid_until,
        "due_date": document.due_date,
        "currency": document.currency,
        "language": document.language,
        "reverse_charge": document.reverse_charge,
        "notes": document.notes,
    }
    for name, _label in CUSTOMER_FIELDS:
        initial[f"customer_{name}"] = (document.customer or {}).get(name, "")
    return initial


@dataclass
class LineRow:
    """One line as the editor shows it: the values as typed and its errors by field."""

    values: dict[str, str]
    errors: dict[str, list[str]] = field(default_factory=dict)

    @property
    def has_errors(self) -> bool:
        return bool(self.errors)


def rows_from_lines(lines) -> list[LineRow]:
    """The stored lines, shown in the user's locale."""
    rows = []
    for line in lines:
        rows.append(
            LineRow(
                values={
                    "product_id": str(line.product_id or ""),
                    "description": line.description,
                    "quantity": plain_number(line.quantity),
                    "unit": line.unit,
                    "unit_price": plain_number(line.unit_price, 2),
                    "discount_percent": plain_number(line.discount_percent),
                    "vat_rate": plain_number(line.vat_rate),
                }
            )
        )
    return rows


def rows_from_post(post) -> list[LineRow]:
    """The lines as sent: every line field is a list, one value per row, in the page's order.
    Rows left entirely empty (an added line never filled) are dropped."""
    columns = {name: post.getlist(f"line_{name}")[: MAX_LINES + 1] for name in LINE_FIELDS}
    count = max((len(values) for values in columns.values()), default=0)
    rows = []
    for i in range(count):
        values = {
            name: (columns[name][i] if i < len(columns[name]) else "") for name in LINE_FIELDS
        }
        if not any(values[name].strip() for name in LINE_FIELDS if name != "vat_rate"):
            continue
        rows.append(LineRow(values={k: v.strip() for k, v in values.items()}))
    return rows


def lines_data(rows: list[LineRow]) -> list[dict] | None:
    """The service's `lines`, or None when a row has a value that is not a number (the
    errors are then set on the rows)."""
    sep = decimal_separator()
    lines, bad = [], False
    if len(rows) > MAX_LINES:
        rows[MAX_LINES].errors.setdefault("description", []).append(
            _("At most %(n)d lines.") % {"n": MAX_LINES}
        )
        return None
    for row in rows:
        line: dict[str, Any] = {}
        product = row.values["product_id"]
        if product:
            if not product.isdigit():
                row.errors.setdefault("product_id", []).append(_("Choose a product."))
                bad = True
            else:
                line["product_id"] = int(product)
        # With a product, what the line leaves empty comes from the product (the service).
        for name in ("description", "unit"):
            if row.values[name] or "product_id" not in line:
                line[name] = row.values[name]
        for name in NUMBER_FIELDS:
            try:
                value = parse_decimal(row.values[name], sep)
            except ValueError:
                row.errors.setdefault(name, []).append(_("Enter a number."))
                bad = True
                continue
            if value is None:
                if name == "quantity" or (name == "unit_price" and "product_id" not in line):
                    row.errors.setdefault(name, []).append(_("Enter a number."))
                    bad = True
                elif name == "vat_rate" and "product_id" not in line:
                    line[name] = Decimal(0)  # an empty rate on a free-text line: no VAT
                continue
            line[name] = value
        lines.append(line)
    return None if bad else lines


LINE_ERROR = re.compile(r"^lines?(?:\.|\[)(\d+)(?:\]|)\.?(\w+)?$")


def place_errors(exc: DomainError, header: HeaderForm, rows: list[LineRow]) -> list[str]:
    """Each field issue at its field: a line's at its row and column, the customer's at its
    input, the header's at the header; what has no field comes back for the top of the page."""
    general: list[str] = []
    if not exc.errors:
        return [exc.detail]
    for issue in exc.errors:
        name = issue.field or ""
        match = LINE_ERROR.match(name)
        if match and int(match.group(1)) < len(rows):
            column = match.group(2) or "description"
            if column not in LINE_FIELDS:
                column = "description"
            rows[int(match.group(1))].errors.setdefault(column, []).append(issue.message)
            continue
        if name.startswith("customer."):
            key = "customer_" + name.split(".", 1)[1]
            if key in header.fields:
                header.add_error(key, issue.message)
                continue
        if name in header.fields:
            header.add_error(name, issue.message)
            continue
        general.append(f"{name}: {issue.message}" if name else issue.message)
    return general
