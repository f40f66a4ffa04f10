"""Guidance through the API.

Public (no sign-in): ``GET /api/v1/guidance/`` lists published public articles (``?q=``
searches them, ``?topic=`` filters by topic slug), ``GET /api/v1/guidance/<slug>/`` gives
one with its HTML. Staff: ``/api/v1/guidance/articles/`` lists every article they may edit
and drafts a new one; ``/api/v1/guidance/articles/<id>/`` reads and changes one (send
``revision``: a stale one is a 409); managers ``POST .../publish/``.
"""

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, prefetch_related_objects
from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.permissions import AllowAny, BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from knowledgebase import policies
from knowledgebase.guidance import selectors, services
from knowledgebase.models import Article, SearchScope, Topic
from knowledgebase.search.services import search_term_record
from knowledgebase.selectors import topic_choices, topic_get_by_slug

QUERY_MAX_LENGTH = 200


class CanDraftGuidance(BasePermission):
    def has_permission(self, request, view) -> bool:
        return policies.can_draft_articles(request.user)


class ArticleSummarySerializer(serializers.ModelSerializer):
    topics: serializers.SlugRelatedField[Topic] = serializers.SlugRelatedField(
        slug_field="slug", many=True, read_only=True
    )
    url = serializers.SerializerMethodField(help_text="The article's page on /guidance/.")

    class Meta:
        model = Article
        fields = ["slug", "title", "summary", "topics", "last_reviewed", "url"]
        read_only_fields = fields

    def get_url(self, article: Article) -> str:
        return reverse("guidance:article", args=[article.slug])


class ArticleSerializer(ArticleSummarySerializer):
    body_html = serializers.CharField(read_only=True, help_text="Sanitised HTML.")

    class Meta(ArticleSummarySerializer.Meta):
        fields = [*ArticleSummarySerializer.Meta.fields, "body_html", "legal_sources"]
        read_only_fields = fields


class GuidanceQuerySerializer(serializers.Serializer):
    q = serializers.CharField(required=False, max_length=QUERY_MAX_LENGTH, allow_blank=True)
    suggest = serializers.CharField(required=False, max_length=QUERY_MAX_LENGTH, allow_blank=True)
    topic = serializers.SlugField(required=False)


@extend_schema(
    summary="Published guidance (public)",
    auth=[],
    parameters=[
        OpenApiParameter("q", str, description="Words to search for (all must match)."),
        OpenApiParameter("topic", str, description="A topic slug: its articles only."),
        OpenApiParameter(
            "suggest",
            str,
            description="A question in the group's words: up to three articles that may "
            "answer it (any word may match; the topic's articles first). Not recorded.",
        ),
    ],
)
class GuidanceListView(generics.ListAPIView):
    """Published public articles, by title; with ``q``, the best matches first."""

    permission_classes = [AllowAny]
    authentication_classes: list = []
    serializer_class = ArticleSummarySerializer

    def list(self, request: Request, *args, **kwargs) -> Response:
        given = GuidanceQuerySerializer(data=request.query_params)
        given.is_valid(raise_exception=True)
        articles = selectors.public_articles().prefetch_related("topics").order_by("title")
        topic = given.validated_data.get("topic")
        question = given.validated_data.get("suggest", "").strip()
        if question:
            found = selectors.article_suggestions(
                user=AnonymousUser(),
                topic=topic_get_by_slug(topic) if topic else None,
                text=question,
                limit=3,
            )
            return self._page([item.article for item in found])
        if topic:
            articles = articles.filter(
                Q(topics__slug=topic) | Q(topics__parent__slug=topic)
            ).distinct()
        query = given.validated_data.get("q", "").strip()
        if not query:
            return self._page(articles)
        found = selectors.article_search(user=request.user, query=query, limit=50)
        allowed = set(articles.values_list("pk", flat=True)) if topic else None
        ordered = [f.article for f in found if allowed is None or f.article.pk in allowed]
        search_term_record(scope=SearchScope.GUIDANCE, query=query, found=len(ordered))
        return self._page(ordered)

    def _page(self, articles) -> Response:
        page = self.paginate_queryset(articles) or []
        if isinstance(articles, list):  # search results: their topics in one query
            prefetch_related_objects(page, "topics")
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


@extend_schema(summary="One published article (public)", auth=[])
class GuidanceDetailView(generics.RetrieveAPIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []
    serializer_class = ArticleSerializer
    lookup_field = "slug"

    def get_queryset(self):
        return selectors.public_articles().prefetch_related("topics")


class ArticleEditSerializer(serializers.ModelSerializer):
    topics: serializers.SlugRelatedField[Topic] = serializers.SlugRelatedField(
        slug_field="slug", many=True, queryset=topic_choices()
    )
    legal_sources = serializers.ListField(
        child=serializers.CharField(max_length=300), required=False
    )
    revision = serializers.IntegerField(
        required=False, help_text="The revision you read; required to change an article."
    )

    class Meta:
        model = Article
        fields = ["id", "slug", "title", "summary", "body", "topics", "audience"]
        fields += ["legal_sources", "status", "revision", "body_html", "last_reviewed"]
        fields += ["review_due"]
        read_only_fields = ["id", "status", "body_html", "last_reviewed", "review_due"]


def _save(request: Request, article: Article, data: dict) -> Article:
    for field in ["slug", "title", "summary", "body", "audience", "legal_sources"]:
        if field in data:
            setattr(article, field, data[field])
    topics = data.get("topics")
    return services.article_save(
        article=article,
        topics=topics if topics is not None else list(article.topics.all()),
        actor=request.user,  # type: ignore[arg-type]
        expected_revision=data.get("revision"),
    )


@extend_schema(summary="Articles you may edit; draft a new one (staff)")
class ArticleCollectionView(generics.ListCreateAPIView):
    permission_classes = [CanDraftGuidance]
    serializer_class = ArticleEditSerializer

    def get_queryset(self):
        return selectors.editable_articles(self.request.user).prefetch_related("topics")

    def create(self, request: Request, *args, **kwargs) -> Response:
        given = self.get_serializer(data=request.data)
        given.is_valid(raise_exception=True)
        article = _save(request, Article(status=Article.Status.DRAFT), given.validated_data)
        return Response(self.get_serializer(article).data, status=status.HTTP_201_CREATED)


@extend_schema(summary="One article: read or change it (staff)")
class ArticleDetailView(generics.RetrieveUpdateAPIView):
    permission_classes = [CanDraftGuidance]
    serializer_class = ArticleEditSerializer
    http_method_names = ["get", "patch", "head", "options"]

    def get_queryset(self):
        return selectors.editable_articles(self.request.user).prefetch_related("topics")

    def update(self, request: Request, *args, **kwargs) -> Response:
        article = self.get_object()
        given = self.get_serializer(article, data=request.data, partial=True)
        given.is_valid(raise_exception=True)
        if "revision" not in given.validated_data:
            raise serializers.ValidationError({"revision": ["Send the revision you read."]})
        article = _save(request, article, given.validated_data)
        return Response(self.get_serializer(article).data)


class ArticlePublishView(APIView):
    permission_classes = [CanDraftGuidance]

    @extend_schema(
        summary="Publish an article (managers)",
        request=None,
        responses={200: ArticleEditSerializer},
    )
    def post(self, request: Request, pk: int) -> Response:
        article = selectors.article_get_editable(user=request.user, pk=pk)
        article = services.article_publish(article=article, actor=request.user)  # type: ignore[arg-type]
        return Response(ArticleEditSerializer(article).data)
