"""Who may see or change reference data.

Topics and local authority areas are public: the intake form and the intake
API need them, and they hold nothing personal. Changing them is for staff with
the model permissions Django's admin checks (managers get them in the admin).
"""

from django.contrib.auth.models import AbstractUser, AnonymousUser


def can_view_reference_data(user: AbstractUser | AnonymousUser) -> bool:
    return True


def can_change_reference_data(user: AbstractUser | AnonymousUser) -> bool:
    return bool(user.is_authenticated and user.has_perm("knowledgebase.change_topic"))


def can_edit_letter_templates(user: AbstractUser | AnonymousUser) -> bool:
    """Managers edit letter templates; advisers use them."""
    return bool(user.is_authenticated and user.has_perm("knowledgebase.add_lettertemplateversion"))


def can_save_deadline_rule(user: AbstractUser | AnonymousUser, *, adding: bool) -> bool:
    """Statutory clocks are edited in the admin, by staff given its model permissions."""
    permission = "add_deadlinerule" if adding else "change_deadlinerule"
    return bool(user.is_authenticated and user.has_perm(f"knowledgebase.{permission}"))


def can_draft_articles(user: AbstractUser | AnonymousUser) -> bool:
    """Advisers draft guidance articles and edit drafts."""
    return bool(user.is_authenticated and user.has_perm("knowledgebase.change_article"))


def can_publish_articles(user: AbstractUser | AnonymousUser) -> bool:
    """Managers publish, withdraw and review articles, and edit published ones."""
    return bool(user.is_authenticated and user.has_perm("knowledgebase.publish_article"))


def can_read_staff_guidance(user: AbstractUser | AnonymousUser) -> bool:
    return bool(user.is_authenticated and user.has_perm("knowledgebase.view_article"))


def can_edit_snippets(user: AbstractUser | AnonymousUser) -> bool:
    return bool(user.is_authenticated and user.has_perm("knowledgebase.add_snippetversion"))


def can_use_snippets(user: AbstractUser | AnonymousUser) -> bool:
    return bool(user.is_authenticated and user.has_perm("knowledgebase.view_snippet"))
