"""The community API: public events and resources, internal ones for signed-in accounts."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from maillage.community import services
from maillage.themes.models import Theme
from tests.conftest import login
from tests.factories_community import make_event, make_resource, pdf_upload
from tests.i18n import fr

pytestmark = pytest.mark.django_db


def test_events_public_for_visitors_internal_for_accounts(client, personas):
    public = make_event(title="Atelier public", capacity=3)
    internal = make_event(title="Rencontre interne", is_public=False)
    services.registration_create(event=public, name="A", email="a@example.org", consent=True)
    data = client.get("/api/v1/community-events/").json()
    assert [e["title"] for e in data["results"]] == ["Atelier public"]
    assert data["results"][0]["confirmed_count"] == 1
    assert "email" not in str(data)
    response = client.get(f"/api/v1/community-events/{internal.pk}/")
    assert response.status_code == 404
    assert response.json()["detail"] == fr("This event does not exist or is not visible to you.")
    signed = login(personas.camille)
    assert signed.get(f"/api/v1/community-events/{internal.pk}/").status_code == 200
    assert client.get("/api/v1/community-events/", {"kind": "nope"}).status_code == 400
    assert client.get("/api/v1/community-events/", {"when": "past"}).json()["results"] == []


def test_resources_with_licence_and_file(client, personas):
    public = make_resource(organization=personas.montreuil, upload=pdf_upload(), licence="CC-BY-SA-4.0")
    make_resource(organization=personas.montreuil, is_public=False, title="Interne")
    data = client.get("/api/v1/community-resources/").json()["results"]
    assert [r["id"] for r in data] == [public.pk]
    assert data[0]["licence"] == "CC-BY-SA-4.0"
    assert data[0]["file_url"].endswith(f"/communaute/ressources/{public.pk}/fichier/")
    assert len(login(personas.arthur).get("/api/v1/community-resources/").json()["results"]) == 2
    assert client.get("/api/v1/community-resources/", {"licence": "GPL"}).status_code == 400


def test_api_documented_in_openapi(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert "/api/v1/community-events/" in paths
    assert "/api/v1/community-resources/{id}/" in paths


def test_api_query_counts_constant(client, personas):
    theme = Theme.objects.order_by("pk").first()
    counts = []
    for n in (5, 50):
        for i in range(n):
            make_event(days=5 + i, title=f"E{n}-{i}", organizer=personas.montreuil).themes.set([theme])
            make_resource(organization=personas.vincennes, title=f"R{n}-{i}").themes.set([theme])
        row = []
        for url in ("/api/v1/community-events/", "/api/v1/community-resources/"):
            with CaptureQueriesContext(connection) as context:
                assert client.get(url).status_code == 200
            row.append(len(context))
        counts.append(row)
    assert counts[0] == counts[1]
