"""Managers tune routing here: expertise, areas, capacity, absences and teams."""

from django.contrib import admin

from casework.models import Absence, Adviser, Assignment, Team
from enquiries.admin import ReadOnlyAdmin


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
