"""Take the README's screenshots from the demo data, so they stay current.

    .venv/bin/python scripts/screenshots.py            # writes docs/screenshots/*.png
    .venv/bin/python scripts/screenshots.py --lang cs  # docs/screenshots/cs/*.png, demo in Czech

Each run also photographs the phone size (390×844) into a `phone/` folder beside them.

Starts `leadbridge demo` in a throwaway data directory on a free port, logs in as the
administrator it prints, and photographs the leads list, a lead card, the board, the
conversion wizard and the API docs (and the list, menu, card and board on a phone) with
Playwright driving Debian's chromium.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"the demo did not answer at {url}")


def main() -> int:
    language = sys.argv[sys.argv.index("--lang") + 1] if "--lang" in sys.argv else None
    out = OUT / language if language else OUT
    out.mkdir(parents=True, exist_ok=True)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    data_dir = tempfile.mkdtemp(prefix="leadbridge-shots-")
    env = dict(os.environ, LEADBRIDGE_DATA_DIR=data_dir)
    env.pop("SECRET_KEY", None)
    demo = subprocess.Popen(
        [sys.executable, "-m", "leadbridge", "demo", "--port", str(port), "--no-worker"]
        + (["--lang", language] if language else []),
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        output = []
        password = None
        deadline = time.monotonic() + 300
        while password is None and time.monotonic() < deadline:
            line = demo.stdout.readline()
            if not line:
                break
            output.append(line)
            match = re.search(r"admin\W+password\W+(\S+)", line, re.IGNORECASE)
            if match:
                password = match.group(1)
        if password is None:
            raise SystemExit("no admin password in the demo's output:\n" + "".join(output))
        wait_for(base + "/healthz")
        shoot(base, password, out, api_docs=language is None)
    finally:
        demo.terminate()
        demo.wait(timeout=30)
    return 0


PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


def logged_in(browser, base: str, password: str, **context):
    page = browser.new_page(base_url=base, **context)
    page.goto("/login/")
    page.fill("#id_username", "admin")
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_url("**/leads/**")
    return page


def shoot(base: str, password: str, out: Path = OUT, api_docs: bool = True) -> None:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = logged_in(browser, base, password, viewport={"width": 1360, "height": 860})
        page.screenshot(path=out / "leads-list.png")
        first = page.locator("#lead-rows tbody tr a").first
        first.click()
        page.wait_for_load_state("networkidle")
        lead_url = page.url
        page.screenshot(path=out / "lead-card.png", full_page=True)
        page.goto("/leads/board/")
        page.wait_for_load_state("networkidle")
        page.screenshot(path=out / "board.png")
        page.goto(lead_url + "convert/")
        page.wait_for_load_state("networkidle")
        page.screenshot(path=out / "wizard.png", full_page=True)
        shoot_document(page, lead_url, out)
        if api_docs:
            page.goto("/api/docs")
            page.wait_for_load_state("networkidle")
            page.screenshot(path=out / "api-docs.png")
        shoot_phone(browser, base, password, out / "phone", lead_url)
        browser.close()


def shoot_document(page, lead_url: str, out: Path) -> None:
    """A quote on the lead: two lines at two VAT rates, saved, its page with the preview."""
    page.goto(lead_url)
    page.click("#related-tabs >> text=Quotes & invoices")
    page.click("#related-tabs a[href*='/quote/']")
    page.wait_for_selector("[data-line-list] tr[data-line]")
    lines = page.locator("[data-line-list] tr[data-line]")
    for i, (text, qty, unit, price, discount, rate) in enumerate(
        [
            ("Implementation workshop", "2", "day", "18500", "10", "21"),
            ("Printed handbook", "12", "pcs", "349", "", "12"),
        ]  # fmt: skip
    ):
        if i:
            page.click("[data-add-line]")
        row = lines.nth(i)
        for name, value in (("description", text), ("quantity", qty), ("unit", unit),
                            ("unit_price", price), ("discount_percent", discount),
                            ("vat_rate", rate)):  # fmt: skip
            row.locator(f"[name=line_{name}]").fill(value)
    page.click("[data-testid=save]")
    page.wait_for_selector("[data-testid=preview]")
    page.screenshot(path=out / "document.png", full_page=True)


def shoot_phone(browser, base: str, password: str, out: Path, lead_url: str) -> None:
    """The same pages on a phone (390×844): list, open menu, lead card, board."""
    out.mkdir(parents=True, exist_ok=True)
    page = logged_in(browser, base, password, **PHONE)
    page.screenshot(path=out / "leads-list.png")
    page.click(".menu-toggle")
    page.screenshot(path=out / "menu.png")
    page.goto(lead_url)
    page.wait_for_load_state("networkidle")
    page.screenshot(path=out / "lead-card.png")
    page.goto("/leads/board/")
    page.wait_for_load_state("networkidle")
    page.screenshot(path=out / "board.png")
    page.close()


if __name__ == "__main__":
    sys.exit(main())
