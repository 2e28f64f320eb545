"""The watch in headless Chromium: an agent adds a feed served by a local HTTP server, fetches it with
« Tester maintenant », triages its items (retains two, discards one), builds a digest with a comment on
each, and turns it into a draft newsletter that diffusion shows. axe-core on every watch page."""

from __future__ import annotations

import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.browser.conftest import axe_violations, log_in, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

AGENT = ("agent", "agent-maillage-demo")
FEEDS = Path(__file__).resolve().parents[1] / "data" / "feeds"
SOURCE = "Blog de la ville (E2E)"
DIGEST = "Veille de la quinzaine (E2E)"
RETAINED = ("Budget participatif : les résultats du vote", "Ouverture de la médiathèque le dimanche")
DISCARDED = "Collecte des encombrants : nouveau calendrier"


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def feed_url():
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(QuietHandler, directory=str(FEEDS)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/rss20_cdata.xml"
    server.shutdown()
    server.server_close()


def submit(page, form_selector: str = "main form[method=post]") -> None:
    with page.expect_navigation():
        page.locator(f"{form_selector} button[type=submit]").last.click()
    errors = page.locator(".form-errors, .messages .message-error")
    assert errors.count() == 0, errors.all_inner_texts()


def check(page, title: str) -> None:
    page.get_by_role("checkbox", name=title).check()


def test_feed_triage_digest_and_newsletter(page, feed_url):
    violations = {}
    log_in(page, *AGENT)

    # 1. Add the source, then fetch it now.
    page.goto("/veille/sources/nouvelle/")
    page.fill("#id_title", SOURCE)
    page.fill("#id_url", feed_url)
    violations["source_form"] = axe_violations(page)
    submit(page)
    assert page.locator("h1").inner_text() == SOURCE
    with page.expect_navigation():
        page.get_by_role("button", name="Tester maintenant").click()
    assert "Flux lu : 3 nouvel(s) article(s)" in page.locator(".messages").inner_text()
    violations["source_detail"] = axe_violations(page)
    screenshot(page, "watch-source")

    # 2. Triage: retain two items, discard one (bulk actions with checkboxes).
    page.get_by_role("link", name="Tous les articles de cette source").click()
    page.wait_for_load_state()
    assert page.locator("tbody tr").count() == 3
    violations["items"] = axe_violations(page)
    for title in RETAINED:
        check(page, f"Sélectionner « {title} »")
    with page.expect_navigation():
        page.get_by_role("button", name="Retenir", exact=True).click()
    assert "2 articles mis à jour." in page.locator(".messages").inner_text()
    check(page, f"Sélectionner « {DISCARDED} »")
    with page.expect_navigation():
        page.get_by_role("button", name="Écarter", exact=True).click()
    statuses = page.locator("tbody tr td:nth-child(3)").all_inner_texts()
    assert sorted(statuses) == ["Retenu", "Retenu", "Écarté"]
    screenshot(page, "watch-items")

    # 3. A digest of the two retained items, with a comment on each.
    page.goto("/veille/selections/nouvelle/")
    page.fill("#id_title", DIGEST)
    page.fill("#id_intro", "Deux articles repérés cette quinzaine.")
    violations["digest_form"] = axe_violations(page)
    submit(page)
    for title in RETAINED:
        page.get_by_role("checkbox", name=title).check()
    submit(page, "form[action$='/ajouter/']")
    for index, title in enumerate(RETAINED):
        page.get_by_label(f"Commentaire sur « {title} »").fill(f"Commentaire E2E n° {index + 1}.")
    submit(page, "form[action$='/articles/']")
    assert page.get_by_label(f"Commentaire sur « {RETAINED[0]} »").input_value() == "Commentaire E2E n° 1."
    violations["digest"] = axe_violations(page)
    screenshot(page, "watch-digest")

    # 4. The draft newsletter, made from the digest, is in diffusion.
    with page.expect_navigation():
        page.get_by_role("button", name="Créer une lettre d'information à partir de cette sélection").click()
    assert "/diffusion/lettres/" in page.url
    content = page.content()
    assert all(title in content for title in RETAINED) and "Commentaire E2E n° 2." in content
    page.goto("/diffusion/lettres/")
    assert page.get_by_text(DIGEST).count() >= 1
    page.goto("/veille/selections/")
    assert page.get_by_role("link", name=DIGEST).count() == 1
    violations["digests"] = axe_violations(page)
    page.goto("/veille/publique/")
    violations["public"] = axe_violations(page)

    assert not any(violations.values()), violations
