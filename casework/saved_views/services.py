"""Saving and removing queue views. A view keeps the queue's filters as they were in its
address (checked through the queue's own filters first); a manager may share one with a
team."""

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import QueryDict

from casework import policies
from casework.models import SavedView, Team
from casework.queue import selectors as queue_selectors


@transaction.atomic
def saved_view_save(*, owner: User, name: str, query: str, team: Team | None = None) -> SavedView:
    name = " ".join(name.split())
    if not name:
        raise ValidationError({"name": "Give the view a name."})
    if team is not None and not policies.is_manager(owner):
        raise PermissionDenied("Only managers share views with a team.")
    params = QueryDict(query, mutable=True)
    params.pop("page", None)
    queue = params.get("queue", queue_selectors.Queue.MINE)
    try:  # the queue's own filters decide what is usable, before anything is read
        queue_selectors.enquiry_list(user=owner, queue=queue, filters=params)
    except queue_selectors.FilterError as error:
        raise ValidationError(
            {"name": "These filters could not be used, so the view was not saved."}
        ) from error
    cleaned = params.urlencode()
    if len(cleaned) > SavedView.QUERY_MAX_LENGTH:
        raise ValidationError({"name": "These filters are too long to save as a view."})
    view = SavedView(owner=owner, name=name, query=cleaned, team=team)
    view.full_clean(exclude=["owner", "team"], validate_unique=False)
    try:
        with transaction.atomic():
            view.save()
    except IntegrityError as error:
        raise ValidationError({"name": f"You already have a view called “{name}”."}) from error
    return view


def saved_view_delete(*, view: SavedView, actor: User) -> None:
    if view.owner_id != actor.pk:
        raise PermissionDenied("Only the person who saved a view removes it.")
    view.delete()
