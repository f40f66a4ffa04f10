from django.contrib import admin

from knowledgebase.models import DeadlineRule, LocalAuthority, Region, Topic


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ["name", "parent", "slug", "concerns_asset", "is_active", "position"]
    list_filter = ["parent", "is_active", "concerns_asset"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    list_select_related = ["parent"]


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(LocalAuthority)
class LocalAuthorityAdmin(admin.ModelAdmin):
    list_display = ["name", "region", "is_active"]
    list_filter = ["region", "is_active"]
    search_fields = ["name"]
    list_select_related = ["region"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(DeadlineRule)
class DeadlineRuleAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "slug",
        "trigger",
        "length",
        "unit",
        "counting",
        "verification",
        "is_active",
    ]
    list_filter = ["trigger", "verification", "unit", "counting", "topic", "is_active"]
    search_fields = ["name", "slug", "legal_source"]
    list_select_related = ["topic"]
