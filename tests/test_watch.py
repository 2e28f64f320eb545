"""Watch (veille): parsing and storage, de-duplication, the malformed-feed corpus, triage, digests,
the newsletter made from a digest, the pages, the API and the demo."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from maillage.diffusion.models import Newsletter, NewsletterStatus
from maillage.themes.models import Theme
from maillage.watch import services
from maillage.watch.models import Digest, DigestEntry, FetchStatus, Item, ItemStatus, Source
from maillage.watch.parsing import canonical_url, clean_html, parse_feed, url_key
from tests.conftest import login
from tests.factories_watch import FEEDS, make_digest, make_items, make_source, rss
from tests.i18n import CONCURRENT_EDIT, fr, fr_escaped

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 11, 29, 12, 0, tzinfo=dt.UTC)


# --- Addresses, cleaning ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("HTTPS://Example.FR/a/b/?utm_source=x&utm_medium=y#top", "https://example.fr/a/b"),
        ("https://example.fr:443/a?b=2&a=1&fbclid=zz", "https://example.fr/a?a=1&b=2"),
        ("http://example.fr:8080//a//", "http://example.fr:8080/a"),
        ("https://example.fr", "https://example.fr"),
        ("https://example.fr/?gclid=1&mc_cid=2&xtor=RSS-3", "https://example.fr"),
    ],
)
def test_canonical_url(raw, expected):
    assert canonical_url(raw) == expected


def test_http_and_https_copies_share_the_key():
    assert url_key(canonical_url("http://a.example/x/")) == url_key(canonical_url("https://A.example/x"))


@pytest.mark.parametrize(
    "bad", ["", "ftp://a.example/f", "javascript:alert(1)", "/relative/path", "https://"]
)
def test_canonical_url_refuses_non_http(bad):
    with pytest.raises(ValueError):
        canonical_url(bad)


def test_clean_html_keeps_an_allow_list_only():
    dirty = (
        '<p onclick="x()">Texte <script>alert(1)</script><strong>gras</strong></p>'
        '<a href="javascript:alert(2)">a</a><a href="/rel">b</a><img src=x onerror=alert(3)>'
        "<style>p{}</style><iframe src=https://evil.example></iframe>"
    )
    clean = clean_html(dirty, "https://site.example/feed")
    assert "script" not in clean and "onclick" not in clean and "javascript" not in clean
    assert "<img" not in clean and "iframe" not in clean and "style" not in clean
    assert "<strong>gras</strong>" in clean
    assert 'href="https://site.example/rel"' in clean and 'rel="noopener noreferrer nofollow"' in clean


# --- The corpus of real-world and malformed feeds --------------------------------------------------

# file → (status, items created, message msgid or "")
CORPUS = {
    "rss091.xml": (FetchStatus.OK, 2, ""),
    "rss20_cdata.xml": (FetchStatus.OK, 3, ""),
    "atom10.xml": (FetchStatus.OK, 2, ""),
    "rdf_rss10.xml": (FetchStatus.OK, 2, ""),
    "missing_dates.xml": (FetchStatus.OK, 3, ""),
    "missing_guid.xml": (
        FetchStatus.PARTIAL,
        2,
        "%(count)s item(s) without title, link nor text were ignored.",
    ),
    "huge_item.xml": (FetchStatus.OK, 2, ""),
    "script_tags.xml": (FetchStatus.OK, 1, ""),
    "truncated.xml": (
        FetchStatus.PARTIAL,
        2,
        "The feed is malformed XML%(line)s; %(count)s item(s) could be read anyway.",
    ),
    "wrong_encoding.xml": (
        FetchStatus.PARTIAL,
        1,
        "The feed declares a wrong encoding or content type; it was read anyway.",
    ),
    "html_page.html": (
        FetchStatus.ERROR,
        0,
        "This address returns a web page (HTML), not an RSS or Atom feed. Look on the site for "
        "the feed link (often « RSS » or « flux »).",
    ),
    "empty.xml": (FetchStatus.ERROR, 0, "The server answered with an empty body: no feed to read."),
    "billion_laughs.xml": (
        FetchStatus.ERROR,
        0,
        "The document declares XML entities (<!ENTITY>), which are refused for security reasons.",
    ),
    "external_entity.xml": (
        FetchStatus.ERROR,
        0,
        "The document declares XML entities (<!ENTITY>), which are refused for security reasons.",
    ),
    "not_a_feed.txt": (FetchStatus.ERROR, 0, "The document is not valid XML%(line)s: no item could be read."),
    "json_instead.json": (
        FetchStatus.ERROR,
        0,
        "The document is not valid XML%(line)s: no item could be read.",
    ),
}


def _msg_prefix(msgid: str) -> str:
    """The French text up to its first placeholder."""
    return fr(msgid).split("%(")[0]


def test_corpus_is_ingested_without_crash_and_each_bad_feed_has_its_own_error():
    sources = {name: make_source(title=name, url=f"https://corpus.example/{name}") for name in CORPUS}
    for name, source in sources.items():
        services.feed_ingest(source=source, data=(FEEDS / name).read_bytes(), now=NOW)
    for name, (status, created, msgid) in CORPUS.items():
        source = Source.objects.get(pk=sources[name].pk)
        assert source.last_status == status, (name, source.last_error)
        assert source.items.count() == created, name
        if msgid:
            assert source.last_error.startswith(_msg_prefix(msgid)), (name, source.last_error)
        else:
            assert source.last_error == "", (name, source.last_error)
        assert source.consecutive_failures == (1 if status == FetchStatus.ERROR else 0)
    total = Item.objects.count()
    # A second pass creates nothing, and changes nothing for the good feeds.
    for name, source in sources.items():
        report = services.feed_ingest(source=source, data=(FEEDS / name).read_bytes(), now=NOW)
        assert report.created == 0, name
    assert Item.objects.count() == total


def test_corpus_items_are_clean():
    source = make_source()
    for name in ("script_tags.xml", "huge_item.xml", "rss20_cdata.xml", "missing_dates.xml", "atom10.xml"):
        services.feed_ingest(source=source, data=(FEEDS / name).read_bytes(), now=NOW)
    trap = Item.objects.get(title="Titre avec script")
    assert "script" not in trap.summary and "javascript" not in trap.summary and "iframe" not in trap.summary
    assert trap.url == ""  # a javascript: link is no link; the guid is not an address
    huge = Item.objects.get(url="https://enorme.example/1")
    assert len(huge.title) <= 500 and len(huge.summary) <= 5000 and huge.title.endswith("…")
    wordpress = Item.objects.get(title="Budget participatif : les résultats du vote")
    assert wordpress.canonical_url == "https://ville.example/actualites/budget-participatif"
    assert 'href="https://ville.example/actualites/budget-participatif/projets"' in wordpress.summary.lower()
    assert "onerror" not in wordpress.summary and "style" not in wordpress.summary
    assert wordpress.published_at == dt.datetime(2026, 11, 3, 9, 15, tzinfo=dt.UTC)
    undated = Item.objects.get(title="Article sans date de publication")
    assert undated.date_guessed and undated.published_at == NOW
    future = Item.objects.get(title="Article daté dans le futur lointain")
    assert future.date_guessed and future.published_at == NOW
    relative = Item.objects.get(title="Prototyper un service en trois semaines")
    assert relative.url == "https://atom.example/blog/billets/prototyper"


def test_a_bad_feed_leaves_items_and_other_sources_untouched():
    good = make_source()
    services.feed_ingest(source=good, data=(FEEDS / "rss20_cdata.xml").read_bytes(), now=NOW)
    bad = make_source()
    before = list(Item.objects.values_list("pk", "title", "status"))
    services.feed_ingest(source=bad, data=(FEEDS / "truncated.xml").read_bytes()[:120], now=NOW)
    bad.refresh_from_db()
    good.refresh_from_db()
    assert bad.last_status == FetchStatus.ERROR and bad.last_error
    assert good.last_status == FetchStatus.OK and good.last_error == ""
    assert list(Item.objects.values_list("pk", "title", "status")) == before


def test_duplicates_across_sources_by_url_and_by_content():
    town = make_source()
    aggregator = make_source()
    services.feed_ingest(source=town, data=(FEEDS / "rss20_cdata.xml").read_bytes(), now=NOW)
    report = services.feed_ingest(
        source=aggregator, data=(FEEDS / "duplicates_across.xml").read_bytes(), now=NOW
    )
    assert report.created == 1 and report.duplicates == 2
    assert list(aggregator.items.values_list("title", flat=True)) == ["Un article propre à l'agrégateur"]


def test_duplicates_inside_one_document():
    source = make_source()
    data = rss(
        [
            ("Même article, deux fois dans le flux", "https://d.example/a?utm_source=x", "Texte."),
            ("Même article, deux fois dans le flux", "https://d.example/a/", "Texte."),
        ]
    )
    assert services.feed_ingest(source=source, data=data, now=NOW).created == 1


def test_new_items_receive_the_source_themes():
    theme = Theme.objects.get(slug="numerique")
    source = make_source(themes=[theme])
    services.feed_ingest(source=source, data=(FEEDS / "rdf_rss10.xml").read_bytes(), now=NOW)
    assert all(list(item.themes.all()) == [theme] for item in source.items.all())


def test_parse_reads_the_feed_site_address():
    parsed = parse_feed((FEEDS / "rdf_rss10.xml").read_bytes(), base_url="https://rdf.example/rss", now=NOW)
    assert parsed.site_url == "https://rdf.example/"


# --- Sources ---------------------------------------------------------------------------------------


def test_source_url_is_validated_and_unique():
    with pytest.raises(ValidationError) as error:
        services.source_create(data={"title": "x", "url": "pas une adresse"})
    assert "url" in error.value.message_dict
    make_source(title="Premier", url="https://unique.example/flux")
    with pytest.raises(ValidationError) as error:
        services.source_create(data={"title": "Second", "url": "https://unique.example/flux"})
    assert "Premier" in error.value.message_dict["url"][0]


def test_failures_back_off_and_success_resets():
    source = make_source(fetch_every_minutes=60)
    for attempt in range(1, 4):
        services.feed_ingest(source=source, data=b"", now=NOW)
        source.refresh_from_db()
        assert source.consecutive_failures == attempt
        assert source.next_fetch_at == NOW + dt.timedelta(hours=2**attempt)
    for _ in range(10):
        services.feed_ingest(source=source, data=b"", now=NOW)
    source.refresh_from_db()
    assert source.next_fetch_at == NOW + services.MAX_BACKOFF
    services.feed_ingest(source=source, data=(FEEDS / "rss091.xml").read_bytes(), now=NOW)
    source.refresh_from_db()
    assert source.consecutive_failures == 0 and source.last_success_at == NOW
    assert source.next_fetch_at == NOW + dt.timedelta(hours=1)


def test_due_sources_are_claimed_once(monkeypatch, settings):
    due = make_source()
    later = make_source()
    inactive = make_source(is_active=False)
    Source.objects.filter(pk=later.pk).update(next_fetch_at=timezone.now() + dt.timedelta(hours=1))
    fetched = []
    monkeypatch.setattr(
        services,
        "source_fetch",
        lambda *, source, now: fetched.append(source.pk) or services.FetchReport(FetchStatus.OK),
    )
    counts = services.sources_fetch_due()
    assert fetched == [due.pk] and counts["sources"] == 1
    assert inactive.pk not in fetched
    fetched.clear()
    services.sources_fetch_due()  # the lease keeps it from being fetched again at once
    assert fetched == []


def test_fetch_task_is_a_django_task():
    from maillage.watch.tasks import fetch_due_sources

    assert fetch_due_sources.name == "fetch_due_sources"


# --- Triage --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "target", "msgid"),
    [
        (
            ItemStatus.NEW,
            ItemStatus.DIFFUSED,
            "Only retained items can be diffused (this one is « %(current)s »).",
        ),
        (
            ItemStatus.DISCARDED,
            ItemStatus.DIFFUSED,
            "Only retained items can be diffused (this one is « %(current)s »).",
        ),
        (
            ItemStatus.DISCARDED,
            ItemStatus.RETAINED,
            "An item « %(current)s » cannot become « %(target)s »; it may become: %(allowed)s.",
        ),
        (
            ItemStatus.NEW,
            ItemStatus.NEW,
            "An item « %(current)s » cannot become « %(target)s »; it may become: %(allowed)s.",
        ),
        (
            ItemStatus.DIFFUSED,
            ItemStatus.NEW,
            "The item is « %(current)s »: its status can no longer change.",
        ),
        (
            ItemStatus.DIFFUSED,
            ItemStatus.DISCARDED,
            "The item is « %(current)s »: its status can no longer change.",
        ),
        (ItemStatus.NEW, "archived", "« %(target)s » is not a status of the watch."),
        (ItemStatus.NEW, "", "« %(target)s » is not a status of the watch."),
    ],
)
def test_bad_transitions_are_refused(start, target, msgid):
    (item,) = make_items(1, status=start)
    with pytest.raises(ValidationError) as error:
        services.item_transition(item=item, to_status=target)
    assert error.value.messages[0].startswith(_msg_prefix(msgid))
    item.refresh_from_db()
    assert item.status == start


def test_allowed_transitions(personas):
    (item,) = make_items(1)
    for target in (
        ItemStatus.DISCARDED,
        ItemStatus.NEW,
        ItemStatus.RETAINED,
        ItemStatus.NEW,
        ItemStatus.RETAINED,
        ItemStatus.DIFFUSED,
    ):
        item = services.item_transition(item=item, to_status=target, user=personas.arthur)
        assert item.status == target and item.triaged_by == personas.arthur


def test_bulk_transition_moves_what_may_move_and_says_why_not_for_the_rest():
    new = make_items(2)
    discarded = make_items(1, status=ItemStatus.DISCARDED)
    report = services.items_bulk_transition(
        item_ids=[i.pk for i in new + discarded] + [999_999], to_status=ItemStatus.RETAINED
    )
    assert report.moved == 2 and len(report.refused) == 2
    assert Item.objects.filter(status=ItemStatus.RETAINED).count() == 2
    with pytest.raises(ValidationError):
        services.items_bulk_transition(item_ids=[new[0].pk], to_status="n'importe quoi")
    with pytest.raises(ValidationError):
        services.items_bulk_transition(item_ids=[], to_status=ItemStatus.NEW)


def test_an_item_of_a_draft_digest_cannot_leave_retained():
    (item,) = make_items(1, status=ItemStatus.RETAINED)
    make_digest(items=[item], title="Sélection en cours")
    with pytest.raises(ValidationError) as error:
        services.item_transition(item=item, to_status=ItemStatus.DISCARDED)
    assert "Sélection en cours" in error.value.messages[0]
    report = services.items_bulk_transition(item_ids=[item.pk], to_status=ItemStatus.NEW)
    assert report.moved == 0 and "Sélection en cours" in report.refused[0]


# --- Digests and the newsletter -----------------------------------------------------------------------


def test_only_retained_items_go_into_a_digest():
    (new,) = make_items(1)
    digest = make_digest()
    with pytest.raises(ValidationError) as error:
        services.digest_items_add(digest=digest, item_ids=[new.pk])
    assert "items" in error.value.message_dict
    with pytest.raises(ValidationError):
        services.digest_items_add(digest=digest, item_ids=[987_654])


def test_entries_of_another_digest_are_refused():
    items = make_items(2, status=ItemStatus.RETAINED)
    mine = make_digest(items=[items[0]])
    other = make_digest(items=[items[1]])
    foreign = other.entries.get()
    with pytest.raises(ValidationError) as error:
        services.digest_entries_save(
            digest=mine, entries=[{"id": foreign.pk, "comment": "piraté", "order": 1}]
        )
    assert str(foreign.pk) in error.value.messages[0]
    foreign.refresh_from_db()
    assert foreign.comment == "" and foreign.digest_id == other.pk


def test_digest_newsletter_and_diffusion(personas):
    items = make_items(3, status=ItemStatus.RETAINED)
    digest = make_digest(items=items)
    first, second, third = digest.entries.select_related("item__source").order_by("order")
    services.digest_entries_save(
        digest=digest,
        entries=[
            {"id": first.pk, "order": 3, "comment": "À lire en priorité."},
            {"id": second.pk, "order": 1, "comment": "Intéressant pour Montreuil."},
            {"id": third.pk, "remove": True},
        ],
    )
    assert digest.entries.count() == 2
    newsletter = services.digest_newsletter_create(digest=digest, user=personas.arthur)
    assert newsletter.status == NewsletterStatus.DRAFT and newsletter.title == digest.title
    sections = list(newsletter.sections.order_by("order"))
    assert [s.heading for s in sections] == [second.item.title, first.item.title]
    assert sections[0].body.startswith("Intéressant pour Montreuil.")
    assert second.item.url in sections[0].body and second.item.source.title in sections[0].body
    with pytest.raises(ValidationError):
        services.digest_newsletter_create(digest=digest)
    # The newsletter is sent (by diffusion): the digest's items become « diffusé ».
    Newsletter.objects.filter(pk=newsletter.pk).update(status=NewsletterStatus.SENT, sent_at=timezone.now())
    assert services.digests_sync_sent() == 1
    digest.refresh_from_db()
    assert digest.status == "published"
    statuses = dict(Item.objects.filter(pk__in=[i.pk for i in items]).values_list("pk", "status"))
    assert statuses == {first.item_id: "diffused", second.item_id: "diffused", third.item_id: "retained"}
    with pytest.raises(ValidationError):
        services.digest_items_add(digest=digest, item_ids=[third.item_id])


def test_publish_needs_items():
    with pytest.raises(ValidationError):
        services.digest_publish(digest=make_digest())


def test_newsletter_needs_items():
    with pytest.raises(ValidationError):
        services.digest_newsletter_create(digest=make_digest())
    assert not Newsletter.objects.exists()


# --- Pages -------------------------------------------------------------------------------------------


def test_watch_pages_are_for_staff(personas, correspondent_client, agent_client):
    assert correspondent_client.get("/veille/").status_code == 403
    assert Client().get("/veille/").status_code == 302
    assert agent_client.get("/veille/").status_code == 200
    assert Client().get("/veille/publique/").status_code == 200


def test_item_list_filters_and_search(agent_client, personas):
    theme = Theme.objects.get(slug="mobilite")
    source = make_source(themes=[theme])
    services.feed_ingest(
        source=source,
        data=rss([("Vélos cargo à Montreuil", "https://v.example/1", "Une expérimentation.")]),
        now=NOW,
    )
    make_items(3, prefix="Autre ")
    item = Item.objects.get(title="Vélos cargo à Montreuil")
    item.communes.add(personas.montreuil.commune)
    Item.objects.filter(pk=item.pk).update(assignee=personas.arthur)
    for query in (
        "q=velos+CARGO",
        f"theme={theme.slug}",
        "commune=93048",
        f"source={source.pk}",
        f"assignee={personas.arthur.pk}",
    ):
        response = agent_client.get(f"/veille/?{query}")
        assert response.status_code == 200
        assert list(response.context["page"]) == [item], query
    assert len(agent_client.get("/veille/?assignee=none").context["page"]) == 3
    assert len(agent_client.get("/veille/?status=new").context["page"]) == 4
    export = agent_client.get("/veille/?format=csv")
    assert export.status_code == 200 and "Vélos cargo" in b"".join(export.streaming_content).decode(
        "utf-8-sig"
    )


def test_bulk_triage_needs_csrf_and_moves_items(personas):
    items = make_items(3)
    client = Client(enforce_csrf_checks=True)
    client.force_login(personas.arthur, backend="django.contrib.auth.backends.ModelBackend")
    data = {"items": [items[0].pk, items[1].pk], "to_status": "retained"}
    assert client.post("/veille/articles/tri/", data).status_code == 403
    page = client.get("/veille/")
    token = page.cookies["csrftoken"].value
    response = client.post(
        "/veille/articles/tri/", {**data, "csrfmiddlewaretoken": token, "next": "/veille/?status=new"}
    )
    assert response.status_code == 302 and response.headers["Location"] == "/veille/?status=new"
    assert set(Item.objects.filter(status="retained").values_list("pk", flat=True)) == {
        items[0].pk,
        items[1].pk,
    }
    # An outside "next" is ignored; bad values are refused with a message, nothing moves.
    response = client.post(
        "/veille/articles/tri/",
        {
            "items": ["abc", items[2].pk],
            "to_status": "diffused",
            "csrfmiddlewaretoken": token,
            "next": "https://evil.example/",
        },
        follow=True,
    )
    assert response.redirect_chain[-1][0] == "/veille/"
    assert Item.objects.get(pk=items[2].pk).status == "new"
    assert any("« " in str(m) for m in response.context["messages"])


def test_item_form_refuses_forged_values(agent_client, personas):
    (item,) = make_items(1)
    url = f"/veille/articles/{item.pk}/"
    response = agent_client.post(url, {"themes": ["999999"], "version": item.version, "notes": "x"})
    assert response.status_code == 200 and response.context["form"].errors["themes"]
    response = agent_client.post(url, {"communes": ["01001"], "version": item.version})  # not a home commune
    assert response.context["form"].errors["communes"]
    response = agent_client.post(url, {"assignee": personas.camille.pk, "version": item.version})
    assert response.context["form"].errors["assignee"]  # a correspondent cannot be assigned
    item.refresh_from_db()
    assert item.notes == "" and item.version == 1
    theme = Theme.objects.get(slug="numerique")
    response = agent_client.post(
        url,
        {
            "themes": [theme.pk],
            "communes": ["93048"],
            "assignee": personas.arthur.pk,
            "notes": "À suivre",
            "version": 1,
        },
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert (
        item.notes == "À suivre" and item.assignee == personas.arthur and list(item.themes.all()) == [theme]
    )
    stale = agent_client.post(url, {"notes": "ancienne version", "version": 1})
    assert fr_escaped(CONCURRENT_EDIT) in stale.content.decode()
    item.refresh_from_db()
    assert item.notes == "À suivre"


def test_item_transition_view(agent_client):
    (item,) = make_items(1)
    url = f"/veille/articles/{item.pk}/statut/"
    response = agent_client.post(url, {"to_status": "diffused"}, follow=True)
    assert Item.objects.get(pk=item.pk).status == "new"
    assert any(
        str(m).startswith(_msg_prefix("Only retained items can be diffused (this one is « %(current)s »)."))
        for m in response.context["messages"]
    )
    agent_client.post(url, {"to_status": "retained"})
    assert Item.objects.get(pk=item.pk).status == "retained"


def test_source_create_view(agent_client):
    response = agent_client.post(
        "/veille/sources/nouvelle/", {"title": "Mauvaise", "url": "htp:/x", "fetch_every_minutes": 60}
    )
    assert response.status_code == 200 and response.context["form"].errors["url"]
    response = agent_client.post(
        "/veille/sources/nouvelle/",
        {"title": "Bonne", "url": "https://bonne.example/rss", "fetch_every_minutes": 60, "is_active": "on"},
    )
    assert response.status_code == 302
    assert Source.objects.get(title="Bonne").url == "https://bonne.example/rss"
    response = agent_client.post(
        "/veille/sources/nouvelle/",
        {"title": "Trop souvent", "url": "https://x.example/rss", "fetch_every_minutes": 1},
    )
    assert response.context["form"].errors


def test_digest_pages_flow(agent_client):
    items = make_items(2, status=ItemStatus.RETAINED)
    response = agent_client.post(
        "/veille/selections/nouvelle/", {"title": "Veille de décembre", "intro": "Bonjour."}
    )
    digest = Digest.objects.get(title="Veille de décembre")
    assert response.headers["Location"] == f"/veille/selections/{digest.pk}/"
    page = agent_client.get(f"/veille/selections/{digest.pk}/")
    assert {i.pk for i in page.context["candidates"]} == {i.pk for i in items}
    agent_client.post(f"/veille/selections/{digest.pk}/ajouter/", {"items": [i.pk for i in items]})
    entries = list(digest.entries.order_by("order"))
    assert len(entries) == 2
    other = make_digest(items=make_items(1, status=ItemStatus.RETAINED))
    forged = other.entries.get()
    response = agent_client.post(
        f"/veille/selections/{digest.pk}/articles/",
        {
            "entry": [entries[0].pk, forged.pk],
            f"comment-{entries[0].pk}": "x",
            f"comment-{forged.pk}": "piraté",
        },
        follow=True,
    )
    assert any(str(forged.pk) in str(m) for m in response.context["messages"])
    assert DigestEntry.objects.get(pk=forged.pk).comment == ""
    assert DigestEntry.objects.get(pk=entries[0].pk).comment == ""  # nothing half-written
    agent_client.post(
        f"/veille/selections/{digest.pk}/articles/",
        {
            "entry": [e.pk for e in entries],
            f"comment-{entries[0].pk}": "Commentaire un",
            f"order-{entries[0].pk}": "5",
        },
    )
    assert DigestEntry.objects.get(pk=entries[0].pk).comment == "Commentaire un"
    response = agent_client.post(f"/veille/selections/{digest.pk}/lettre/")
    newsletter = Newsletter.objects.get()
    assert response.headers["Location"] == f"/diffusion/lettres/{newsletter.pk}/modifier/"
    assert newsletter.sections.count() == 2
    agent_client.post(f"/veille/selections/{digest.pk}/publier/")
    assert set(Item.objects.filter(pk__in=[i.pk for i in items]).values_list("status", flat=True)) == {
        "diffused"
    }
    assert agent_client.get(f"/veille/selections/{digest.pk}/").status_code == 200


def test_public_page_and_api_show_diffused_items_only(client, agent_client):
    diffused = make_items(2, status=ItemStatus.DIFFUSED, prefix="Public ")
    make_items(2, status=ItemStatus.RETAINED, prefix="Interne ")
    make_items(1, prefix="Nouveau ")
    page = client.get("/veille/publique/")
    assert {i.pk for i in page.context["page"]} == {i.pk for i in diffused}
    for c in (client, agent_client):
        data = c.get("/api/v1/watch-items/").json()
        assert {row["id"] for row in data["results"]} == {i.pk for i in diffused}
    hidden = Item.objects.filter(status="retained").first()
    assert client.get(f"/api/v1/watch-items/{hidden.pk}/").status_code == 404
    row = client.get(f"/api/v1/watch-items/{diffused[0].pk}/").json()
    assert set(row) == {"id", "title", "summary", "url", "published_at", "source", "themes", "communes"}
    assert client.get("/api/v1/watch-items/?q=public").json()["count"] == 2
    assert client.get("/api/v1/watch-items/?date_from=pas-une-date").status_code == 400
    assert "/api/v1/watch-items/" in client.get("/api/v1/openapi.json").content.decode()


# --- Query counts --------------------------------------------------------------------------------------


def _queries(client, url: str) -> int:
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured)


def _grow(rows: int, personas) -> Digest:
    theme = Theme.objects.get(slug="numerique")
    source = make_source(themes=[theme])
    items = make_items(rows, source=source, status=ItemStatus.RETAINED)
    for item in items:
        item.communes.add(personas.montreuil.commune)
    Item.objects.filter(pk__in=[i.pk for i in items]).update(assignee=personas.arthur)
    digest = make_digest(items=items)
    make_items(rows, source=source, status=ItemStatus.DIFFUSED)
    return digest


def test_query_counts_do_not_grow_with_rows(personas):
    agent = login(personas.arthur)
    anonymous = Client()
    small = _grow(5, personas)
    urls = ["/veille/", "/veille/?status=retained&theme=numerique", "/veille/sources/", "/veille/selections/"]
    detail = f"/veille/selections/{small.pk}/"
    before = {url: _queries(agent, url) for url in urls}
    before[detail] = _queries(agent, detail)
    before["source"] = _queries(agent, f"/veille/sources/{small.entries.first().item.source_id}/")
    before["item"] = _queries(agent, f"/veille/articles/{small.entries.first().item_id}/")
    before["public"] = _queries(anonymous, "/veille/publique/")
    before["api"] = _queries(anonymous, "/api/v1/watch-items/")
    large = _grow(50, personas)
    after = {url: _queries(agent, url) for url in urls}
    after[detail] = _queries(agent, f"/veille/selections/{large.pk}/")
    after["source"] = _queries(agent, f"/veille/sources/{large.entries.first().item.source_id}/")
    after["item"] = _queries(agent, f"/veille/articles/{large.entries.first().item_id}/")
    after["public"] = _queries(anonymous, "/veille/publique/")
    after["api"] = _queries(anonymous, "/api/v1/watch-items/")
    assert after == before


# --- Demo -------------------------------------------------------------------------------------------------


def test_demo_loads_the_samples_once(personas):
    from maillage.demo import watch_demo

    counts = watch_demo.load()
    assert counts["sources de veille"] == 12 and counts["articles de veille"] == 96
    assert not Source.objects.filter(is_active=True).exists()
    assert Source.objects.filter(last_status=FetchStatus.OK).count() == 12
    assert Item.objects.filter(status="diffused").count() == 5
    assert watch_demo.load() == {}
    assert Item.objects.count() == 96
