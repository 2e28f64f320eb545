"""Personal data the innovation app holds: a person named as contact of solutions or replications."""

from __future__ import annotations

from typing import Any

from maillage.innovation.models import Replication, Solution


def export(person: Any) -> dict[str, Any]:
    return {
        "contact_of_solutions": list(
            Solution.objects.filter(contacts=person).order_by("pk").values("pk", "title")
        ),
        "contact_of_replications": [
            {"pk": pk, "solution": title, "commune": commune}
            for pk, title, commune in Replication.objects.filter(contact=person)
            .order_by("pk")
            .values_list("pk", "solution__title", "commune__name")
        ],
    }


def erase(person: Any) -> None:
    Solution.contacts.through.objects.filter(person_id=person.pk).delete()
    for replication in Replication.objects.filter(contact=person):
        replication.contact = None
        replication.save(update_fields=["contact", "updated_at"])
