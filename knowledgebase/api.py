"""Public, read-only lists of the values the intake API accepts (topic and area slugs)."""

from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.permissions import BasePermission

from knowledgebase import policies
from knowledgebase.models import LocalAuthority, Topic
from knowledgebase.selectors import local_authority_choices, topic_choices


class ReferenceDataPermission(BasePermission):
    def has_permission(self, request, view) -> bool:
        return policies.can_view_reference_data(request.user)


class TopicSerializer(serializers.ModelSerializer):
    parent: serializers.SlugRelatedField[Topic] = serializers.SlugRelatedField(  # type: ignore[assignment]  # a field: DRF's metaclass takes it out of the class
        slug_field="slug", read_only=True, allow_null=True
    )

    class Meta:
        model = Topic
        fields = ["slug", "name", "parent", "concerns_asset"]


class LocalAuthoritySerializer(serializers.ModelSerializer):
    region = serializers.CharField(source="region.name")

    class Meta:
        model = LocalAuthority
        fields = ["slug", "name", "region"]


@extend_schema(summary="Topics an enquiry can be about (public)", auth=[])
class TopicListView(generics.ListAPIView):
    """Every active topic; use a ``slug`` as ``topic`` when submitting an enquiry."""

    permission_classes = [ReferenceDataPermission]
    serializer_class = TopicSerializer
    pagination_class = None

    def get_queryset(self):
        return topic_choices()


@extend_schema(summary="Local authority areas (public)", auth=[])
class LocalAuthorityListView(generics.ListAPIView):
    """Every active area; use a ``slug`` as ``local_authority`` when submitting an enquiry."""

    permission_classes = [ReferenceDataPermission]
    serializer_class = LocalAuthoritySerializer
    pagination_class = None

    def get_queryset(self):
        return local_authority_choices().select_related("region")
