"""My deadlines (mes échéances) and the personal calendar feed."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from maillage.agreements import calendar, deadlines
from maillage.core.access import AUTHENTICATED, PUBLIC, access, is_staff
from maillage.core.paging import paginate, querystring_without_page


class DeadlineFilterForm(forms.Form):
    scope = forms.ChoiceField(
        label=gettext_lazy("Agreements"),
        choices=[
            (deadlines.MINE, gettext_lazy("Mine")),
            (deadlines.ALL, gettext_lazy("All")),
        ],
        required=False,
    )
    days = forms.TypedChoiceField(
        label=gettext_lazy("Horizon"),
        coerce=int,
        choices=[],
        required=False,
        empty_value=None,
    )

    def __init__(self, *args, staff: bool, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["days"].choices = [
            (days, ngettext("%(days)s day", "%(days)s days", days) % {"days": days})
            for days in deadlines.HORIZON_CHOICES
        ]
        if not staff:
            del self.fields["scope"]

    def values(self) -> tuple[str, int]:
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        return data.get("scope") or deadlines.MINE, data.get("days") or deadlines.DEFAULT_HORIZON_DAYS


@access(AUTHENTICATED)
def my_deadlines_view(request: HttpRequest) -> HttpResponse:
    staff = is_staff(request.user)
    form = DeadlineFilterForm(request.GET or None, staff=staff)
    scope, days = form.values()
    today = timezone.localdate()
    page = paginate(
        request, deadlines.deadline_list(user=request.user, today=today, scope=scope, horizon_days=days)
    )
    page.object_list = deadlines.as_deadlines(page.object_list, today=today)
    return render(
        request,
        "agreements/deadlines/mine.html",
        {
            "form": form,
            "page": page,
            "scope": scope,
            "days": days,
            "today": today,
            "show_owner": scope == deadlines.ALL,
            "querystring": querystring_without_page(request),
        },
    )


@access(AUTHENTICATED)
def calendar_token_view(request: HttpRequest) -> HttpResponse:
    token = calendar.calendar_token_of(user=request.user)
    feed_url = request.build_absolute_uri(calendar.feed_path(token)) if token else None
    return render(request, "agreements/deadlines/calendar.html", {"token": token, "feed_url": feed_url})


@access(AUTHENTICATED)
@require_POST
def calendar_regenerate_view(request: HttpRequest) -> HttpResponse:
    had_token = calendar.calendar_token_of(user=request.user) is not None
    calendar.calendar_token_regenerate(user=request.user)
    if had_token:
        messages.success(request, _("A new calendar link was created; the previous one no longer works."))
    else:
        messages.success(request, _("Your calendar link was created."))
    return redirect("deadlines:calendar_token")


@access(PUBLIC)
def calendar_feed_view(request: HttpRequest, token: str) -> HttpResponse:
    """No login (calendar clients cannot log in): the secret token identifies the account. Any unknown,
    revoked or tampered token is a plain 404."""
    user = calendar.calendar_user_for(token)
    if user is None:
        raise Http404
    content = calendar.deadline_calendar(user=user, base_url=request.build_absolute_uri("/"))
    response = HttpResponse(content, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="maillage-echeances.ics"'
    response["Cache-Control"] = "private, max-age=900"
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"
    return response
