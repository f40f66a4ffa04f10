"""``GET /api/v1/snippets/``: the canned replies on offer, each with its current text
(placeholders unfilled: the desk fills them from an enquiry when one is inserted)."""

from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.permissions import BasePermission

from knowledgebase import policies
from knowledgebase.models import Snippet, Topic
from knowledgebase.snippets import selectors


class CanUseSnippets(BasePermission):
    def has_permission(self, request, view) -> bool:
        return policies.can_use_snippets(request.user)


class SnippetSerializer(serializers.ModelSerializer):
    topic: serializers.SlugRelatedField[Topic] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True, allow_null=True
    )
    body = serializers.CharField(source="current_body", read_only=True)
    version = serializers.IntegerField(source="current_number", read_only=True)

    class Meta:
        model = Snippet
        fields = ["id", "title", "topic", "body", "version"]
        read_only_fields = fields


@extend_schema(summary="Snippets (canned replies) on offer (staff)")
class SnippetListView(generics.ListAPIView):
    permission_classes = [CanUseSnippets]
    serializer_class = SnippetSerializer

    def get_queryset(self):
        return selectors.snippet_list()
