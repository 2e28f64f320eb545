"""The diffusion flow in headless Chromium: an agent composes a newsletter from recent items (an upcoming
public meeting, an achievement), previews it and sends it; the worker queues one message per recipient,
the outbox delivers them to a real SMTP server with RFC 8058 headers; a recipient unsubscribes in one
click; the public archive shows the newsletter."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest

from tests.browser.conftest import axe_violations, log_in, run_management, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

AGENT = ("agent", "agent-maillage-demo")
TITLE = "Lettre E2E de la coopération"


def serious(violations: list[dict]) -> list[str]:
    return [v["id"] for v in violations if v.get("impact") in ("serious", "critical")]


def test_compose_send_and_unsubscribe_in_one_click(page, server, mailbox):
    log_in(page, *AGENT)
    page.goto("/diffusion/lettres/nouvelle/")
    violations = {"form": serious(axe_violations(page))}
    page.fill("#id_title", TITLE)
    page.fill("#id_intro", "Des nouvelles du territoire.")
    page.select_option("#id_audience", label="Démonstration : personnes consentantes")
    # Recent items offered by the editor: the upcoming public meeting and an achievement.
    page.get_by_label(re.compile("Conférence métropolitaine des maires")).first.check()
    page.locator("input[name=achievements]").first.check()
    page.fill("#id_sections-0-heading", "Le mot de la direction")
    page.fill("#id_sections-0-body", "Merci aux communes du G 131.")
    with page.expect_navigation():
        page.get_by_role("button", name="Enregistrer et prévisualiser").click()
    assert "/apercu/" in page.url
    # The e-mail is previewed in a sandboxed frame, with the meeting announced.
    page.frame_locator("iframe").get_by_role("heading", name="Prochaines réunions").wait_for()
    violations["preview"] = serious(axe_violations(page))
    screenshot(page, "newsletter-preview")

    page.goto(page.url.replace("/apercu/", "/envoi/"))
    with page.expect_navigation():
        page.get_by_role("button", name="Envoyer maintenant").click()
    assert page.get_by_text("Envoi lancé pour").count() == 1

    # The worker runs the sending task, then the outbox delivers to the real SMTP server.
    before = len(mailbox.messages)
    run_management("db_worker", "--batch", "--no-startup-delay")
    run_management("send_outbox", OUTBOX_RATE="0")
    letters = [message for _rcpt, message in mailbox.messages[before:] if message["Subject"] == TITLE]
    assert letters, "no newsletter reached the SMTP server"
    assert len({m["To"] for m in letters}) == len(letters)  # one message per recipient, none twice
    letter = letters[0]
    assert letter["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    [unsubscribe_url] = re.findall(r"<(https?://[^>]+)>", letter["List-Unsubscribe"])
    html = letter.get_body(("html",)).get_content()
    assert "Conférence métropolitaine des maires" in html

    # One click: the link opens a page with a single button.
    page.goto(urlsplit(unsubscribe_url).path)
    violations["unsubscribe"] = serious(axe_violations(page))
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    status = page.locator("main [role=status]").last.inner_text()
    assert letter["To"].split("<")[-1].rstrip(">") in status and "plus" in status
    screenshot(page, "newsletter-unsubscribed")

    # The public archive shows the newsletter, without personal links.
    page.goto("/diffusion/archives/")
    page.get_by_role("link", name=TITLE).click()
    page.wait_for_load_state()
    violations["archive"] = serious(axe_violations(page))
    assert violations == {name: [] for name in violations}
