"""Access-matrix additions: the read API over bodies, sessions and achievements, and the public
iCalendar feed of public meetings.

Reuses the objects of access_targets_meetings (bodies of Montreuil and Vincennes, not public) and
of access_targets_diffusion (a published achievement, a draft one). All are PUBLIC at URL level;
what one may not see is answered 404. Drafts are never served by the API, not even to staff.
"""

from __future__ import annotations

ALLOWED, HIDDEN = "allowed", "hidden (404)"


def _same(kwargs):
    return lambda w: (kwargs(w), kwargs(w))


TARGETS = {
    "meetings:public_feed": _same(lambda w: {}),
    "api:body-list": _same(lambda w: {}),
    "api:body-detail": lambda w: ({"pk": w.own_body.pk}, {"pk": w.other_body.pk}),
    "api:session-list": _same(lambda w: {}),
    "api:session-detail": lambda w: ({"pk": w.own_session.pk}, {"pk": w.other_session.pk}),
    "api:achievement-list": _same(lambda w: {}),
    "api:achievement-detail": lambda w: (
        {"pk": w.published_achievement.pk},
        {"pk": w.draft_achievement.pk},
    ),
}
_SCOPE = {
    "anonymous": (HIDDEN, HIDDEN),
    "admin": (ALLOWED, ALLOWED),
    "agent": (ALLOWED, ALLOWED),
    "correspondent": (ALLOWED, HIDDEN),
}
SCOPED = {
    "api:body-detail": _SCOPE,
    "api:session-detail": _SCOPE,
    "api:achievement-detail": {role: (ALLOWED, HIDDEN) for role in _SCOPE},
}
POST_ONLY: set[str] = set()
