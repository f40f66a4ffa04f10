"""Who may do what on the desk. The only place staff roles are interpreted.

Roles are Django groups carrying two permissions (migration 0002):
``casework.work_enquiries`` (advisers and managers) and ``casework.manage_desk``
(managers). Permissions, not group names, are checked, so a superuser or a
custom group works too, and Django caches them per request.
"""

from typing import Any

from django.contrib.auth.models import AbstractUser, AnonymousUser
from django.contrib.auth.models import User as UserModel
from django.core.exceptions import PermissionDenied
from django.db.models import CharField, Exists, OuterRef, Q, QuerySet, StringAgg, Subquery, Value
from django.db.models.functions import Cast, Concat

from casework.models import Adviser, Assignment, Case, Task
from enquiries.models import Contact, Enquiry

ADVISERS_GROUP = "Advisers"
MANAGERS_GROUP = "Managers"
WORK_PERMISSION = "casework.work_enquiries"
MANAGE_PERMISSION = "casework.manage_desk"

User = AbstractUser | AnonymousUser


def is_staff_member(user: User) -> bool:
    return bool(user.is_authenticated and user.is_active and user.has_perm(WORK_PERMISSION))


def is_manager(user: User) -> bool:
    return bool(user.is_authenticated and user.is_active and user.has_perm(MANAGE_PERMISSION))


def _has_permission_q(permission: str) -> Q:
    app_label, codename = permission.split(".")
    return Q(
        groups__permissions__codename=codename,
        groups__permissions__content_type__app_label=app_label,
    ) | Q(
        user_permissions__codename=codename,
        user_permissions__content_type__app_label=app_label,
    )


def desk_staff_q() -> Q:
    """Users (``User.objects.filter(...).distinct()``) who may work on the desk or sign in
    to the admin: the people a second factor may be asked of."""
    return (
        _has_permission_q(WORK_PERMISSION)
        | _has_permission_q(MANAGE_PERMISSION)
        | Q(is_staff=True)
        | Q(is_superuser=True)
    )


def managers_q() -> Q:
    return _has_permission_q(MANAGE_PERMISSION) | Q(is_superuser=True)


def needs_second_factor(
    user: User,
    required_for: str,
    *,
    manager: bool | None = None,
    desk_staff: bool | None = None,
) -> bool:
    """``MFA_REQUIRED_FOR``: "managers" means managers and anyone with admin access;
    "staff" adds every adviser; "none" asks it of nobody. A list of many users passes
    ``manager`` and ``desk_staff`` as it already knows them, to save a query each."""
    if required_for == "none" or not user.is_authenticated:
        return False
    if user.is_superuser or user.is_staff:
        return True
    if manager if manager is not None else is_manager(user):
        return True
    if required_for != "staff":
        return False
    return desk_staff if desk_staff is not None else is_staff_member(user)


def require_manager(user: User, refusal: str) -> None:
    """For services only managers may call: ``PermissionDenied(refusal)`` for anyone else."""
    if not is_manager(user):
        raise PermissionDenied(refusal)


def adviser_team_ids(user: User) -> list[int]:
    adviser = getattr(user, "adviser", None)
    if adviser is None:
        return []
    held = getattr(user, "desk_team_ids", None)  # read with the user (``users_with_roles``)
    if held is not None:
        return list(held)
    return list(adviser.teams.values_list("pk", flat=True))


def _joined(rows: QuerySet[Any], group: str, value: object, separator: str) -> Subquery:
    """The ``value`` of ``rows`` (one user's) joined into one string, as a subquery."""
    return Subquery(
        rows.order_by()
        .values(group)
        .annotate(joined=StringAgg(value, delimiter=Value(separator)))  # type: ignore[arg-type]
        .values("joined")
    )


def users_with_roles() -> QuerySet[UserModel]:
    """Users each read with everything the desk asks of their role on a page, in one query:
    their adviser profile, their permissions (user and group, as ``"app.codename"``) and
    their adviser's team ids. ``with_roles`` hands them to ``has_perm`` and
    ``adviser_team_ids``, which would otherwise read them in three more queries (issue 12)."""

    def permission(prefix: str) -> Concat:
        return Concat(
            f"{prefix}content_type__app_label",
            Value("."),
            f"{prefix}codename",
            output_field=CharField(),
        )

    through_user = UserModel.user_permissions.through.objects.filter(user=OuterRef("pk"))
    through_group = UserModel.groups.through.objects.filter(user=OuterRef("pk"))
    teams = Adviser.teams.through.objects.filter(adviser__user=OuterRef("pk"))
    return UserModel.objects.select_related("adviser").annotate(
        own_permissions=_joined(through_user, "user", permission("permission__"), " "),
        group_permissions=_joined(through_group, "user", permission("group__permissions__"), " "),
        team_ids=_joined(teams, "adviser", Cast("team_id", CharField()), ","),
    )


def with_roles(user: UserModel) -> UserModel:
    """``user`` read by ``users_with_roles``, its permissions and teams put where Django's
    ``ModelBackend`` and ``adviser_team_ids`` look first. A superuser's permissions are
    left to Django (``has_perm`` grants them everything without asking)."""
    if not user.is_superuser:
        granted = f"{user.own_permissions or ''} {user.group_permissions or ''}".split()  # type: ignore[attr-defined]
        user._perm_cache = set(granted)  # type: ignore[attr-defined]
    user.desk_team_ids = [int(pk) for pk in (user.team_ids or "").split(",") if pk]  # type: ignore[attr-defined]
    return user


def visible_enquiries_q(user: User) -> Q:
    """Managers see every enquiry; advisers their own and their teams' queues; others none."""
    return visible_enquiries_and_documents_q(user)[0]


def visible_enquiries_and_documents_q(user: User) -> tuple[Q, Q]:
    """``visible_enquiries_q``, and the same rule on the copies an enquiry's search
    document keeps beside its words (``EnquirySearchDocument.assigned_to`` and ``.team``,
    the current assignment's), reading the adviser's teams once. Desk search narrows by
    the second inside its index query and still applies the first to the enquiries it
    returns, so a stale copy could hide a record, never show one. The team ids are
    values, not a subquery: the planner then knows how much of the desk the adviser
    sees, and so which index finds their newest matches soonest."""
    if is_manager(user):
        return Q(), Q()
    if not is_staff_member(user):
        return Q(pk__in=[]), Q(pk__in=[])
    team_ids = adviser_team_ids(user)
    in_my_team = Exists(
        Assignment.objects.filter(enquiry=OuterRef("pk"), is_current=True, team_id__in=team_ids)
    )
    return Q(assigned_to=user) | Q(in_my_team), Q(assigned_to=user) | Q(team__in=team_ids)


def is_adviser(user: User) -> bool:
    """Desk staff with an active adviser profile: the people enquiries can be given to."""
    adviser = getattr(user, "adviser", None) if is_staff_member(user) else None
    return adviser is not None and adviser.is_active


def can_claim_enquiry(user: User, enquiry: Enquiry) -> bool:
    return is_adviser(user) and enquiry.assigned_to_id is None and enquiry.is_open


def can_assign_enquiry(user: User, enquiry: Enquiry) -> bool:
    return is_manager(user)


def can_change_enquiry_status(user: User, enquiry: Enquiry) -> bool:
    return is_manager(user) or (is_staff_member(user) and enquiry.assigned_to_id == user.pk)


def can_log_enquiry(user: User) -> bool:
    return is_staff_member(user)


def can_keep_logged_enquiry(user: User) -> bool:
    """Who logs an enquiry by hand may keep it only if enquiries can be given to them."""
    return is_adviser(user)


def can_see_routing_detail(user: User) -> bool:
    return is_manager(user)


def can_record_key_date(user: User, enquiry: Enquiry) -> bool:
    """Key dates start statutory clocks: the adviser holding the enquiry or a manager."""
    return is_manager(user) or (is_staff_member(user) and enquiry.assigned_to_id == user.pk)


def can_use_clock(user: User) -> bool:
    return is_staff_member(user)


# --- the workspace: notes, tasks, time ----------------------------------------------------------
# Visibility is the selectors' (an enquiry the user may not see is a 404 before these run).


def can_add_note(user: User, enquiry: Enquiry) -> bool:
    """Any desk staff who can see the enquiry may write an internal note on it."""
    return is_staff_member(user)


def can_add_task(user: User, enquiry: Enquiry) -> bool:
    return is_staff_member(user)


def can_record_time(user: User, enquiry: Enquiry) -> bool:
    return is_staff_member(user)


def can_be_given_tasks(user: User) -> bool:
    """Tasks go to desk staff only: someone without a desk role could never see them."""
    return is_staff_member(user)


def can_complete_task(user: User, task: Task) -> bool:
    """Its assignee, whoever set it, or a manager."""
    return is_manager(user) or (
        is_staff_member(user) and user.pk in (task.assignee_id, task.created_by_id)
    )


def can_see_enquiry_history(user: User, enquiry: Enquiry) -> bool:
    """The full change history and the access log are for managers."""
    return is_manager(user)


# --- outcomes and cases -------------------------------------------------------------------------
# Visibility is the selectors' (an enquiry or case the user may not see is a 404 first).


def can_record_outcome(user: User, enquiry: Enquiry) -> bool:
    """Any desk staff who can see the enquiry may record what was done or achieved."""
    return is_staff_member(user)


def can_merge_contacts(user: User, survivor: Contact, merged: Contact) -> bool:
    """A manager, or an adviser holding an enquiry of each of the two."""
    if is_manager(user):
        return True
    if not is_staff_member(user):
        return False
    held = Enquiry.objects.filter(assigned_to_id=user.pk)
    return all(held.filter(contact=contact).exists() for contact in (survivor, merged))


def can_merge_enquiries(user: User, survivor: Enquiry, merged: Enquiry) -> bool:
    """A manager, or the adviser holding both."""
    return is_manager(user) or (
        is_staff_member(user)
        and survivor.assigned_to_id == user.pk
        and merged.assigned_to_id == user.pk
    )


def can_close_with_outcome(user: User, enquiry: Enquiry) -> bool:
    """A closing outcome closes the enquiry: the people who may change its status."""
    return can_change_enquiry_status(user, enquiry)


def can_open_case(user: User, enquiry: Enquiry) -> bool:
    """An adviser (who leads the case) who can see the enquiry."""
    return is_adviser(user)


def can_add_enquiry_to_case(user: User, case: Case) -> bool:
    """Desk staff who can see both the case and the enquiry."""
    return is_staff_member(user)


def can_change_case_status(user: User, case: Case) -> bool:
    """The case's lead adviser or a manager."""
    return is_manager(user) or (is_staff_member(user) and case.lead_adviser.user_id == user.pk)


# --- editing details (optimistic concurrency: casework.enquiry and casework.cases services) ---


def can_edit_enquiry(user: User, enquiry: Enquiry) -> bool:
    """The adviser holding it, an adviser in the team whose queue it waits in, or a manager."""
    if is_manager(user):
        return True
    if not is_staff_member(user):
        return False
    if enquiry.assigned_to_id is not None:
        return enquiry.assigned_to_id == user.pk
    return Assignment.objects.filter(
        enquiry=enquiry, is_current=True, team_id__in=adviser_team_ids(user)
    ).exists()


def can_edit_case(user: User, case: Case) -> bool:
    """The case's lead adviser or a manager."""
    return can_change_case_status(user, case)


def can_add_staff_document(user: User, enquiry: Enquiry) -> bool:
    """Any desk staff who can see the enquiry may keep a staff-only document on it."""
    return is_staff_member(user)


def can_publish_message(user: User, enquiry: Enquiry) -> bool:
    """Writing to the group: the adviser holding the enquiry or a manager."""
    return can_change_enquiry_status(user, enquiry)


def can_see_case_history(user: User, case: Case) -> bool:
    """The full change history of a case is for managers."""
    return is_manager(user)


# --- reports ------------------------------------------------------------------------------------


def can_see_all_reports(user: User) -> bool:
    """Flow, outcomes and demand reports (and everyone's caseload) are for managers."""
    return is_manager(user)


def can_see_caseload_report(user: User) -> bool:
    """Advisers see the caseload report limited to themselves and their teams."""
    return is_staff_member(user)
