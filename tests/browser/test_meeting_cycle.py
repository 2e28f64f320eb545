"""The meeting-cycle issue's flow in headless Chromium: a G 131 session, invitations through the
outbox to a real SMTP server with a valid .ics, an RSVP by its signed link, the attendance sheet,
minutes and actions carried to the next session, and the participation map changing."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from tests.browser.conftest import axe_violations, log_in, run_management, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

AGENT = ("agent", "agent-maillage-demo")
ACTION = "Envoyer le bilan des cours oasis aux DGS (E2E)"


def submit(page, form_selector: str = "main form[method=post]") -> None:
    with page.expect_navigation():
        page.locator(f"{form_selector} button[type=submit]").last.click()


def participation(page) -> dict[str, str]:
    data = page.request.get("/instances/participation/carte.json").json()
    return {f["properties"]["code"]: f["properties"].get("territory", "") for f in data["features"]}


def test_a_g131_session_from_invitation_to_participation(page, browser, server, mailbox):
    log_in(page, *AGENT)
    page.goto("/instances/")
    page.get_by_role("link", name="G 131", exact=True).first.click()
    page.wait_for_load_state()
    body_url = page.url
    before = participation(page)

    # A session starting in a few minutes (invitations go only to sessions still to come).
    start = dt.datetime.now(ZoneInfo("Europe/Paris")) + dt.timedelta(minutes=3)
    page.goto(body_url + "seances/nouvelle/")
    page.fill("#id_title", "G 131 – séance E2E")
    page.fill("#id_cycle", "E2E")
    page.fill("#id_starts_at", start.strftime("%Y-%m-%dT%H:%M"))
    page.fill("#id_ends_at", (start + dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"))
    page.fill("#id_address", "Hôtel de la Métropole, 15-19 avenue Pierre Mendès-France, Paris")
    submit(page)
    session_url = page.url
    submit(page, "form[action$='/inviter/']")
    violations = {"session": axe_violations(page)}
    screenshot(page, "meeting-session")

    # The outbox sends the invitations to the real local SMTP server, each with a valid .ics.
    sent_before = len(mailbox.messages)
    run_management("send_outbox", OUTBOX_RATE="0")
    invitations = [m for _rcpt, m in mailbox.messages[sent_before:] if "séance E2E" in m["Subject"]]
    assert len(invitations) > 100  # every DGS of the G 131
    message = invitations[0]
    [ics] = [part for part in message.iter_attachments() if part.get_content_type() == "text/calendar"]
    calendar = Calendar.from_ical(
        ics.get_content() if isinstance(ics.get_content(), (str, bytes)) else ics.get_payload(decode=True)
    )
    assert str(calendar.get("METHOD")) == "REQUEST"
    [event] = calendar.walk("VEVENT")
    assert event.get("UID") and int(event.get("SEQUENCE")) == 0
    link = re.search(
        r"https?://\S+/instances/reponse/\S+/", message.get_body(("plain",)).get_content()
    ).group(0)

    # The member answers by the signed link, without logging in.
    anonymous = browser.new_context(locale="fr-FR")
    rsvp = anonymous.new_page()
    rsvp.goto(link.replace(re.match(r"https?://[^/]+", link).group(0), server))
    rsvp.check("input[name=response][value=present]")
    submit(rsvp)
    assert rsvp.locator("main").inner_text().count("Merci") == 1
    anonymous.close()

    # On the day: the attendance sheet, everyone present.
    page.goto(session_url + "emargement/")
    for radio in page.locator("input[type=radio][value=present]").all():
        radio.check()
    submit(page)
    violations["attendance"] = axe_violations(page)
    screenshot(page, "meeting-attendance")

    # After: minutes and an action, which the next session shows until it is closed.
    page.goto(session_url + "compte-rendu/")
    page.fill("#id_minutes-minutes", "Tour de table des communes ; point sur les cours oasis.")
    submit(page, "form:has(input[name=form][value=minutes])")
    page.fill("#id_action-description", ACTION)
    page.select_option("#id_action-owner_user", label="Agent (démo)")
    page.fill("#id_action-due_date", (dt.date.today() + dt.timedelta(days=20)).isoformat())
    submit(page, "form:has(input[name=form][value=action])")
    page.goto(body_url)
    later = [
        href
        for href in page.locator("main table a[href*='/seances/']").evaluate_all(
            "els => els.map(e => e.getAttribute('href'))"
        )
        if not session_url.endswith(href)
    ]
    shown = False
    for href in later:
        page.goto(href)
        if "Prévue" in page.locator("main").inner_text() and ACTION in page.locator("main").inner_text():
            shown = True
            break
    assert shown, "the next planned session shows the open action"

    # The participation map changed.
    after = participation(page)
    assert before != after
    page.goto("/instances/participation/")
    violations["participation"] = axe_violations(page)
    screenshot(page, "meeting-participation")
    assert not {name: found for name, found in violations.items() if found}
