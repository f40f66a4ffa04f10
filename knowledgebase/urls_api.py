from django.urls import path

from knowledgebase import api
from knowledgebase.guidance import api as guidance_api
from knowledgebase.snippets import api as snippets_api

urlpatterns = [
    path("topics/", api.TopicListView.as_view(), name="topic-list"),
    path("areas/", api.LocalAuthorityListView.as_view(), name="area-list"),
    path("guidance/", guidance_api.GuidanceListView.as_view(), name="guidance-list"),
    path(
        "guidance/articles/",
        guidance_api.ArticleCollectionView.as_view(),
        name="guidance-article-list",
    ),
    path(
        "guidance/articles/<int:pk>/",
        guidance_api.ArticleDetailView.as_view(),
        name="guidance-article-detail",
    ),
    path(
        "guidance/articles/<int:pk>/publish/",
        guidance_api.ArticlePublishView.as_view(),
        name="guidance-article-publish",
    ),
    path(
        "guidance/<slug:slug>/", guidance_api.GuidanceDetailView.as_view(), name="guidance-detail"
    ),
    path("snippets/", snippets_api.SnippetListView.as_view(), name="snippet-list"),
]
