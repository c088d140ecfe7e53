"""The HTML a site owner pastes: a form that works without JavaScript (a plain post to the
hosted endpoint, which answers with its own thank-you page or the redirect) and is enhanced
by webform.js (fill-time token, JSON post with an Idempotency-Key, messages in place)."""

from __future__ import annotations

from django.utils.html import escape

from .models import WebForm


def snippet(form: WebForm, base: str) -> str:
    from .views import _fields

    action = f"{base}/f/{form.key}"
    lines = [f'<form action="{escape(action)}" method="post" data-leadbridge-form>']
    for f in _fields(form, {}, {}):
        required = " required" if f["required"] else ""
        label = escape(f["label"]) + (" *" if f["required"] else "")
        if f["long"]:
            control = f'<textarea name="{f["name"]}"{required}></textarea>'
        else:
            control = f'<input name="{f["name"]}" type="{f["type"]}"{required}>'
        lines.append(f"  <p><label>{label} {control}</label></p>")
    if form.consent_text:
        lines.append(
            f'  <p><label><input type="checkbox" name="consent" value="1"> '
            f"{escape(form.consent_text)}</label></p>"
        )
    lines += [
        '  <p style="position:absolute;left:-10000px" aria-hidden="true">'
        '<input name="_lb_hp" tabindex="-1" autocomplete="off"></p>',
        '  <button type="submit">Send</button>',
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
