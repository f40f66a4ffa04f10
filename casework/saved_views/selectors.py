"""The queue views a user may use: their own, and those a manager shared with their teams,
each with the number of enquiries it shows now."""

from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db.models import Q, QuerySet
from django.http import Http404, QueryDict

from casework import policies
from casework.models import SavedView, Team
from casework.queue import selectors as queue_selectors

# Each view shown is counted with one query: the list is kept short.
MAX_VIEWS = 12


@dataclass(frozen=True)
class ViewWithCount:
    view: SavedView
    count: int | None  # None: its filters no longer apply (a topic removed, say)
    mine: bool


def _usable(user: User) -> QuerySet[SavedView]:
    return SavedView.objects.filter(Q(owner=user) | Q(team__advisers__user=user)).select_related(
        "team"
    )


def saved_view_list(*, user: User) -> list[ViewWithCount]:
    """One query for the views, then two each (the adviser's teams, the count)."""
    views = []
    for view in _usable(user).distinct().order_by("name", "pk")[:MAX_VIEWS]:
        params = QueryDict(view.query)
        queue = params.get("queue", queue_selectors.Queue.MINE)
        try:
            count: int | None = queue_selectors.enquiry_list(
                user=user, queue=queue, filters=params
            ).count()
        except queue_selectors.FilterError:
            count = None
        views.append(ViewWithCount(view, count, view.owner_id == user.pk))
    return views


def saved_view_get_own(*, user: User, view_id: int) -> SavedView:
    """A view ``user`` saved; anyone else's is a 404."""
    view = SavedView.objects.filter(owner=user, pk=view_id).first()
    if view is None:
        raise Http404("No such view.")
    return view


def shareable_teams(*, user: policies.User) -> list[Team]:
    """The teams ``user`` may share a view with: every team for a manager, none otherwise."""
    return list(Team.objects.order_by("name")) if policies.is_manager(user) else []
