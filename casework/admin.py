"""Managers tune routing here: expertise, areas, capacity, absences and teams; and the
service-level targets (``knowledgebase`` data that the desk's service writes); and the
scheduler's runs, to read."""

from django.contrib import admin, messages
from django.contrib.admin import ActionLocation
from django.contrib.admin.options import Action
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponseRedirect

from casework.models import Absence, Adviser, Assignment, ScheduledRun, Team
from casework.service_levels import services as service_level_services
from enquiries.admin import ReadOnlyAdmin
from knowledgebase.models import ServiceLevelTarget


class AbsenceInline(admin.TabularInline):
    model = Absence
    extra = 1


@admin.register(Adviser)
class AdviserAdmin(admin.ModelAdmin):
    list_display = ["__str__", "capacity", "is_active"]
    list_filter = ["is_active", "teams"]
    filter_horizontal = ["teams", "topics", "regions", "local_authorities"]
    search_fields = ["user__first_name", "user__last_name", "user__username"]
    list_select_related = ["user"]
    inlines = [AbsenceInline]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "is_triage"]
    filter_horizontal = ["topics"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Assignment)
class AssignmentAdmin(ReadOnlyAdmin):
    """Assignments are history: written by routing, claims and reassignments only."""

    list_display = ["enquiry", "adviser", "team", "method", "is_current", "created_at"]
    list_filter = ["method", "is_current"]
    list_select_related = ["enquiry", "adviser__user", "team"]
    search_fields = ["enquiry__reference"]


@admin.register(ScheduledRun)
class ScheduledRunAdmin(ReadOnlyAdmin):
    """What the scheduler ran, where and how it ended (docs/scheduler.md)."""

    list_display = ["job", "slot", "node", "outcome", "error", "started_at", "finished_at"]
    list_filter = ["outcome", "job"]
    date_hierarchy = "slot"


@admin.register(ServiceLevelTarget)
class ServiceLevelTargetAdmin(admin.ModelAdmin):
    """Managers' targets (also on the desk at /desk/service-levels/). The form runs the
    model's rule (``ServiceLevelTarget.clean``) and saving goes through the desk's service
    (``service_level_add`` / ``service_level_change``: managers only, who is recorded).
    A target keeps its topic, and the default (no topic) cannot be deleted."""

    list_display = ["__str__", "first_response_days", "resolution_days", "updated_by", "updated_at"]
    list_select_related = ["topic__parent", "updated_by"]
    fields = ["topic", "first_response_days", "resolution_days", "updated_by", "updated_at"]
    readonly_fields = ["updated_by", "updated_at"]
    autocomplete_fields = ["topic"]

    def get_readonly_fields(self, request, obj=None) -> list[str]:
        # The service changes numbers only: moving a target, or giving the default a
        # topic, would leave topics without the target they had.
        return [*self.readonly_fields, "topic"] if obj is not None else self.readonly_fields

    def save_model(self, request, obj, form, change) -> None:
        numbers = {
            name: form.cleaned_data[name] for name in ("first_response_days", "resolution_days")
        }
        if change:
            saved = service_level_services.service_level_change(
                target=obj, actor=request.user, **numbers
            )
        else:
            saved = service_level_services.service_level_add(
                topic=obj.topic, actor=request.user, **numbers
            )
        obj.pk, obj.updated_by, obj.updated_at = saved.pk, saved.updated_by, saved.updated_at

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        """The form has run the service's rule already, so the service refuses only what
        changed meanwhile (the topic given a target by someone else): nothing is saved
        (the admin's transaction is rolled back) and the reason is shown above the form."""
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def delete_model(self, request, obj) -> None:
        service_level_services.service_level_remove(target=obj, actor=request.user)

    def has_delete_permission(self, request, obj=None) -> bool:
        if obj is not None and obj.topic_id is None:
            return False
        return super().has_delete_permission(request, obj)

    def get_actions(
        self, request: HttpRequest, action_location: ActionLocation = ActionLocation.CHANGE_LIST
    ) -> dict[str, Action | None]:
        # "Delete selected" would take the default with it.
        actions = super().get_actions(request, action_location)
        actions.pop("delete_selected", None)
        return actions
