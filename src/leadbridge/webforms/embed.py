"""The HTML a site owner pastes: a form that works without JavaScript (a plain post to the
hosted endpoint, which answers with its own thank-you page or the redirect) and is enhanced
by webform.js (fill-time token, JSON post with an Idempotency-Key, messages in place)."""

from __future__ import annotations

from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext as _

from .fields import form_fields
from .models import WebForm


def _control(f: dict) -> str:
    required = " required" if f["required"] else ""
    if f["widget"] == "textarea":
        return f'<textarea name="{f["name"]}"{required}></textarea>'
    if f["widget"] == "select":
        options = "".join(f"<option>{escape(c)}</option>" for c in f["choices"])
        return f'<select name="{f["name"]}"{required}><option value="">—</option>{options}</select>'
    if f["widget"] == "checkbox":
        return f'<input name="{f["name"]}" type="checkbox" value="true"{required}>'
    mode = f' inputmode="{f["inputmode"]}"' if f.get("inputmode") else ""
    return f'<input name="{f["name"]}" type="{f["type"]}"{mode}{required}>'


def snippet(form: WebForm, base: str) -> str:
    with translation.override(form.language or "en"):
        return _snippet(form, base)


def _snippet(form: WebForm, base: str) -> str:
    action = f"{base}/f/{form.key}"
    lines = [f'<form action="{escape(action)}" method="post" data-leadbridge-form>']
    for f in form_fields(form, {}, {}):
        label = escape(f["label"]) + (" *" if f["required"] else "")
        if f["widget"] == "checkbox":
            lines.append(f"  <p><label>{_control(f)} {label}</label></p>")
        else:
            lines.append(f"  <p><label>{label} {_control(f)}</label></p>")
    if form.consent_text:
        lines.append(
            f'  <p><label><input type="checkbox" name="consent" value="1"> '
            f"{escape(form.consent_text)}</label></p>"
        )
    lines += [
        '  <p style="position:absolute;left:-10000px" aria-hidden="true">'
        '<input name="_lb_hp" tabindex="-1" autocomplete="off"></p>',
        f'  <button type="submit">{escape(_("Send"))}</button>',
        "</form>",
        f'<script src="{escape(base)}/static/leadbridge/webform.js" defer></script>',
    ]
    return "\n".join(lines)


def fallback(form: WebForm, base: str) -> str:
    """No JavaScript at all on the site: frame the hosted form (or link to it)."""
    url = escape(f"{base}/f/{form.key}")
    return (
        f'<iframe src="{url}" title="{escape(form.name)}" width="100%" height="600" '
        f'loading="lazy"></iframe>\n<noscript><a href="{url}">{escape(form.name)}</a></noscript>'
    )
