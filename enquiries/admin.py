"""Admin for reference checks. Enquiries are read-only here: changes go through the desk,
which enforces the workflow and records who changed what."""

from django.contrib import admin

from enquiries.models import Contact, Enquiry, EnquiryEvent, Notification, Organisation


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Enquiry)
class EnquiryAdmin(ReadOnlyAdmin):
    list_display = [
        "reference",
        "subject",
        "channel",
        "status",
        "topic",
        "received_at",
        "assigned_to",
    ]
    list_filter = ["status", "channel"]
    search_fields = ["reference"]
    list_select_related = ["topic__parent", "assigned_to"]
    date_hierarchy = "received_at"


@admin.register(EnquiryEvent)
class EnquiryEventAdmin(ReadOnlyAdmin):
    list_display = ["enquiry", "kind", "actor", "created_at"]
    list_filter = ["kind"]
    list_select_related = ["enquiry", "actor"]
    search_fields = ["enquiry__reference"]


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "org_type", "local_authority", "postcode"]
    list_filter = ["org_type"]
    search_fields = ["name"]
    list_select_related = ["local_authority"]
    autocomplete_fields = ["local_authority"]


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ["name", "organisation", "consent_to_store"]
    search_fields = ["name", "email"]
    list_select_related = ["organisation"]
    raw_id_fields = ["organisation"]


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ["enquiry", "kind", "created_at", "attempts", "sent_at", "last_error"]
    list_filter = ["kind"]
    list_select_related = ["enquiry"]
