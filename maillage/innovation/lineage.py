"""The lineage tree of a solution: the origin commune, then who reproduced it from whom.

Built in memory from the replications already loaded with the solution (no query): a replication
whose parent is null was reproduced from the origin; otherwise from its parent replica.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from maillage.innovation.models import Replication


@dataclass
class LineageNode:
    replication: Replication
    children: list[LineageNode] = field(default_factory=list)

    @property
    def depth_label(self) -> str:
        return self.replication.commune.name


def lineage_tree(replications: Iterable[Replication]) -> list[LineageNode]:
    """Roots (reproduced from the origin) with their descendants, each level sorted by date then name.

    A replication whose parent is missing from ``replications`` (should not happen) is shown as a root,
    so that nothing disappears from the page; a cycle (refused by the services) cannot loop here.
    """
    items = list(replications)
    nodes = {r.pk: LineageNode(r) for r in items}
    roots: list[LineageNode] = []
    for replication in items:
        node = nodes[replication.pk]
        parent = nodes.get(replication.parent_id) if replication.parent_id else None
        if parent is None or parent is node:
            roots.append(node)
        else:
            parent.children.append(node)
    # Any node unreachable from a root belongs to a cycle: attach it as a root.
    reachable: set[int] = set()
    stack = list(roots)
    while stack:
        node = stack.pop()
        if node.replication.pk in reachable:
            continue
        reachable.add(node.replication.pk)
        stack.extend(node.children)
    for pk, node in nodes.items():
        if pk not in reachable:
            node.children = []
            roots.append(node)

    def sort(level: list[LineageNode]) -> None:
        level.sort(key=lambda n: (n.replication.date, n.replication.commune.name, n.replication.pk))
        for n in level:
            sort(n.children)

    sort(roots)
    return roots


def descendant_ids(replication: Replication, replications: Iterable[Replication]) -> set[int]:
    """Ids of the replicas reproduced, directly or not, from ``replication``."""
    children: dict[int | None, list[int]] = {}
    for r in replications:
        children.setdefault(r.parent_id, []).append(r.pk)
    found: set[int] = set()
    stack = list(children.get(replication.pk, []))
    while stack:
        pk = stack.pop()
        if pk in found:
            continue
        found.add(pk)
        stack.extend(children.get(pk, []))
    return found
