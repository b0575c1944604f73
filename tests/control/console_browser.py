"""Headless Chromium for the console's browser tests and screenshots: Debian's `chromium` package
(.ci/run installs it with apt-get), driven by Playwright's Python package. Playwright's own
browser downloads are never used (`playwright install` is not run)."""
from __future__ import annotations

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def launch(playwright):
    return playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
